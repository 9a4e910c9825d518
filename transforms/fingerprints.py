"""Text signatures for copies and stories, in one pass over the tokens (about 1-2 ms an article).

- fingerprints: winnowed word 8-grams (Schleimer et al., 2003). With k=8 and window w=5 any
  run of k + w - 1 = 12 shared words shares at least one kept hash, so containment of these
  sets (shared / smaller set) is high for copies, partial copies and truncations alike.
- quoted: the fingerprints whose 8 words all lie inside one quotation.
- quoted shingles: hashes of every word 5-gram inside a quotation. Two write-ups of one event
  share quotes even when they share little else.
- terms: a hashed content-word count vector, for a TF-IDF cosine (topic similarity).
"""
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import xxhash

K = 8
WINDOW = 5
QUOTE_K = 5
MAX_TERMS = 150
TERM_BUCKETS = 1 << 20
_MASK = (1 << 63) - 1

_FOLD = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u00a0": " ",
})
# Words (with inner apostrophes) and the quotation marks that open, close or toggle a quote.
_TOKEN = re.compile(r"\w+(?:['\u2019]\w+)*|[\"\u201c\u201d\u201e\u201f\u00ab\u00bb\u2018\u2019]")
_OPEN, _CLOSE = "\u201c\u201e\u00ab", "\u201d\u00bb"
_STOP = frozenset("""that this with from have were they their there which would could should
about after before been being into only other over said says than them then these those what
when where while will your more most some such very also just like does dass wird sind eine
einer einem einen nicht auch oder aber wenn noch nach über unter durch dans pour avec sont plus
mais comme cette elle être nous vous leur para como pero esta este están sobre entre cuando
""".split())


def normalise_text(text):
    """NFKC, curly quotes and dashes folded, lower case: typographic edits change nothing."""
    return unicodedata.normalize("NFKC", text or "").translate(_FOLD).lower()


def quoted_tokens(text):
    """[(word, inside_quote)] of a text. Quotes reset at each paragraph, so a quotation left
    open (multi-paragraph quotes reopen each paragraph) cannot run on."""
    out = []
    for paragraph in unicodedata.normalize("NFKC", text or "").split("\n"):
        double = single = False
        for token in _TOKEN.findall(paragraph):
            if token == '"' or token == "\u201f":
                double = not double
            elif token in _OPEN:
                double = True
            elif token in _CLOSE:
                double = False
            elif token == "\u2018":
                single = True
            elif token == "\u2019":
                single = False
            else:
                out.append((token.translate(_FOLD).lower(), double or single))
    return out


def tokens(text):
    return [word for word, _ in quoted_tokens(text)]


def _hash(words):
    return xxhash.xxh64_intdigest(" ".join(words).encode("utf-8")) & _MASK


def shingle_hashes(words, k=K):
    """63-bit hashes of every k-word shingle (xxhash: stable across processes; 63 bits so a
    hash is a positive int64, which every Beam coder and Parquet reader handles)."""
    return [_hash(words[i:i + k]) for i in range(len(words) - k + 1)]


def winnow(hashes, window=WINDOW):
    """Positions of the minimum of every window of hashes (the kept fingerprints)."""
    if len(hashes) <= window:
        return set(range(len(hashes)))
    kept = set()
    for start in range(len(hashes) - window + 1):
        block = hashes[start:start + window]
        kept.add(start + block.index(min(block)))
    return kept


@dataclass(frozen=True)
class TextSignature:
    fingerprints: tuple
    quoted: tuple
    quoted_shingles: tuple
    terms: tuple          # ((bucket, count), ...), most frequent first


def analyse(text):
    """The signature of a text (see the module docstring)."""
    pairs = quoted_tokens(text)
    words = [w for w, _ in pairs]
    flags = [q for _, q in pairs]
    hashes = shingle_hashes(words)
    kept = winnow(hashes)
    fps = {hashes[i] for i in kept}
    quoted = {hashes[i] for i in kept if all(flags[i:i + K])}
    shingles = {_hash(words[i:i + QUOTE_K]) for i in range(len(words) - QUOTE_K + 1)
                if all(flags[i:i + QUOTE_K])}
    counts = Counter(w for w in words if len(w) > 3 and not w.isdigit() and w not in _STOP)
    buckets = Counter()
    for word, n in counts.most_common(MAX_TERMS):
        buckets[xxhash.xxh32_intdigest(word.encode("utf-8")) % TERM_BUCKETS] += n
    terms = tuple(buckets.most_common())
    return TextSignature(tuple(sorted(fps)), tuple(sorted(quoted)), tuple(sorted(shingles)),
                         terms)


def fingerprints(text):
    """The winnowed fingerprint set of a text."""
    return set(analyse(text).fingerprints)


def containment(shared, size_a, size_b):
    """Shared fingerprints over the smaller set: 1.0 when one text is contained in the other."""
    smaller = min(size_a, size_b)
    return shared / smaller if smaller else 0.0
