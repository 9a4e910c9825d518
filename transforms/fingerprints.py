"""Text fingerprints for copy detection: winnowed word 8-grams over normalised tokens.

Winnowing (Schleimer et al., 2003) with k=8 and window w=5 keeps one hash per window, and any
run of k + w - 1 = 12 shared words is guaranteed to share at least one kept hash. Containment of
these sets (shared / smaller set) is high for copies, partial copies and truncations alike.
"""
import re
import unicodedata

import xxhash

K = 8
_MASK = (1 << 63) - 1
WINDOW = 5

_TRANSLATE = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u00a0": " ",
})
_WORD = re.compile(r"\w+(?:'\w+)?")


def normalise_text(text):
    """NFKC, curly quotes and dashes folded, lower case: typographic edits change nothing."""
    return unicodedata.normalize("NFKC", text or "").translate(_TRANSLATE).lower()


def tokens(text):
    """Word tokens of normalised text."""
    return _WORD.findall(normalise_text(text))


def shingle_hashes(words, k=K):
    """63-bit hashes of every k-word shingle (xxhash: stable across processes; 63 bits so a
    hash is a positive int64, which every Beam coder and Parquet reader handles)."""
    return [xxhash.xxh64_intdigest(" ".join(words[i:i + k]).encode("utf-8")) & _MASK
            for i in range(len(words) - k + 1)]


def winnow(hashes, window=WINDOW):
    """The rightmost minimum of every window of hashes (a set of fingerprints)."""
    if len(hashes) <= window:
        return set(hashes)
    kept = set()
    for start in range(len(hashes) - window + 1):
        block = hashes[start:start + window]
        kept.add(min(block))
    return kept


def fingerprints(text):
    """The winnowed fingerprint set of a text."""
    return winnow(shingle_hashes(tokens(text)))


def containment(shared, size_a, size_b):
    """Shared fingerprints over the smaller set: 1.0 when one text is contained in the other."""
    smaller = min(size_a, size_b)
    return shared / smaller if smaller else 0.0
