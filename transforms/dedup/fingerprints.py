"""Text signatures for copies and stories, in one pass over the tokens (about 1-2 ms an article).

Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Burmese)
count each character as a word: a "word" there would be a whole clause, and one edited
character would change every shingle of it. Other scripts count words.

- fingerprints: winnowed word 8-grams (Schleimer et al., 2003). With k=8 and window w=5 any
  run of k + w - 1 = 12 shared words shares at least one kept hash, so containment of these
  sets (shared / smaller set) is high for copies, partial copies and truncations alike.
- quoted: the fingerprints whose 8 words all lie inside one quotation.
- quoted shingles: hashes of every word 5-gram inside a quotation. Two write-ups of one event
  share quotes even when they share little else.
- terms: a hashed content-word count vector, for a TF-IDF cosine (topic similarity). Content
  words are those of more than 3 letters (2 in Hangul, where one letter is a syllable) that are
  no stop word, and for unspaced scripts pairs of characters that are no stop word.

Stop words: a short list for English, German, French and Spanish, and the stopwords-iso lists
of languages written in other scripts (Arabic, Cyrillic, Devanagari, Greek, Hangul, Hebrew,
kana and ideographs, ...). Only words without a Latin letter are taken from those, so no
English or European text changes: a Latin-script list's words are content words elsewhere.
"""
import re
import unicodedata
from collections import Counter
from itertools import groupby

import numpy as np
import stopwordsiso
import xxhash

from schemas.records import TextSignature

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
# A quotation mark, unless it is an apostrophe inside a word ("it’s"), and a word (with inner
# apostrophes). Corner brackets 「」『』 are Chinese and Japanese quotation marks.
_QUOTE = re.compile("([\"\u201c\u201d\u201e\u201f\u00ab\u00bb\u2018\u300c\u300d\u300e\u300f]|"
                    "(?<!\\w)\u2019|\u2019(?!\\w))")
_WORD = re.compile(r"\w+(?:'\w+)*")
# Letters of scripts without spaces between words: Thai, Lao, Burmese, Khmer, kana, CJK
# ideographs (Hangul is written with spaces and counts words).
_UNSPACED = ("\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff"
             "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f")
_HAS_UNSPACED = re.compile(f"[{_UNSPACED}]")
_CHARACTER_OR_WORD = re.compile(f"[{_UNSPACED}]|[^{_UNSPACED}]+")
_KANA = re.compile("[\u3040-\u30ff]")
_EUROPEAN_STOP = """that this with from have were they their there which would could should
about after before been being into only other over said says than them then these those what
when where while will your more most some such very also just like does dass wird sind eine
einer einem einen nicht auch oder aber wenn noch nach über unter durch dans pour avec sont plus
mais comme cette elle être nous vous leur para como pero esta este están sobre entre cuando
""".split()
# stopwords-iso languages in other scripts. Thai is left out: it is counted by characters, and
# its stop words are whole words.
_OTHER_SCRIPTS = ("ar", "bg", "bn", "el", "fa", "gu", "he", "hi", "hy", "ja", "ko", "mr", "ru",
                  "uk", "ur", "zh")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")


def _stop_words():
    words = {unicodedata.normalize("NFKC", word).lower()     # as the tokens are
             for language in _OTHER_SCRIPTS for word in stopwordsiso.stopwords(language)}
    return frozenset(_EUROPEAN_STOP) | {word for word in words if not _LATIN.search(word)}


_STOP = _stop_words()
_HANGUL = re.compile("[\uac00-\ud7a3]")


def normalise_text(text):
    """NFKC, curly quotes and dashes folded, lower case: typographic edits change nothing."""
    return unicodedata.normalize("NFKC", text or "").translate(_FOLD).lower()


def words_and_flags(text):
    """Folded lower-case words of a text and, for each, whether it lies inside a quotation.
    Quotes reset at each paragraph, so a quotation left open (multi-paragraph quotes reopen
    each paragraph) cannot run on. A paragraph is split at its quotation marks and each piece
    tokenised whole: a loop per piece, not per word, is most of what makes this cheap."""
    words, flags = [], []
    for paragraph in unicodedata.normalize("NFKC", text or "").split("\n"):
        double = single = False
        for i, part in enumerate(_QUOTE.split(paragraph)):
            if i % 2:                   # a quotation mark
                if part == '"' or part == "\u201f":
                    double = not double
                elif part in "\u201c\u201e\u00ab\u300c\u300e":
                    double = True
                elif part in "\u201d\u00bb\u300d\u300f":
                    double = False
                else:
                    single = part == "\u2018"
            else:
                found = _WORD.findall(part.replace("\u2019", "'"))
                if found and _HAS_UNSPACED.search(part):
                    found = [piece for word in found
                             for piece in _CHARACTER_OR_WORD.findall(word)]
                if found:
                    # lower() of the joined words is each word's lower(): a space stops the
                    # context (final sigma) rules at the word's edge
                    words.extend(" ".join(found).lower().split(" "))
                    flags.extend([double or single] * len(found))
    return words, flags


def quoted_tokens(text):
    """[(word, inside_quote)] of a text (see words_and_flags)."""
    return list(zip(*words_and_flags(text)))


def tokens(text):
    return words_and_flags(text)[0]


def _hash(words):
    return xxhash.xxh64_intdigest(" ".join(words).encode("utf-8")) & _MASK


def shingle_hashes(words, k=K):
    """63-bit hashes of every k-word shingle (xxhash: stable across processes; 63 bits so a
    hash is a positive int64, which every Beam coder and Parquet reader handles). Each is the
    hash of the shingle's words joined by spaces, sliced out of the text encoded once."""
    joined = " ".join(words).encode("utf-8")
    ends, at = [], -1
    for word in words:
        at += len(word.encode("utf-8")) + 1
        ends.append(at)
    starts = [0] + [end + 1 for end in ends[:-1]]
    digest = xxhash.xxh64_intdigest
    return [digest(joined[s:e]) & _MASK for s, e in zip(starts, ends[k - 1:])]


def winnow(hashes, window=WINDOW):
    """Positions of the minimum of every window of hashes (the leftmost one on ties): the kept
    fingerprints. numpy's argmin over a sliding view does the per-window work."""
    if len(hashes) <= window:
        return set(range(len(hashes)))
    values = np.array(hashes, dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(values, window)
    return set((windows.argmin(axis=1) + np.arange(len(windows))).tolist())


def quoted_starts(flags, k):
    """Positions i whose k words flags[i:i + k] all lie inside a quotation."""
    starts, at = [], 0
    for quoted, run in groupby(flags):
        n = sum(1 for _ in run)
        if quoted and n >= k:
            starts.extend(range(at, at + n - k + 1))
        at += n
    return starts


def analyse(text: str) -> TextSignature:
    """The signature of a text (see the module docstring)."""
    words, flags = words_and_flags(text)
    hashes = shingle_hashes(words)
    kept = winnow(hashes)
    fps = {hashes[i] for i in kept}
    quoted = {hashes[i] for i in quoted_starts(flags, K) if i in kept}
    shingles = {_hash(words[i:i + QUOTE_K]) for i in quoted_starts(flags, QUOTE_K)}
    counts = Counter(w for w in words if is_content_word(w))
    counts.update(pair for pair in _character_bigrams(words) if pair not in _STOP)
    buckets = Counter()
    for word, n in counts.most_common(MAX_TERMS):
        buckets[xxhash.xxh32_intdigest(word.encode("utf-8")) % TERM_BUCKETS] += n
    terms = tuple(buckets.most_common())
    return TextSignature(tuple(sorted(fps)), tuple(sorted(quoted)), tuple(sorted(shingles)),
                         terms)


def is_content_word(word: str) -> bool:
    return (len(word) > 3 or len(word) > 1 and _HANGUL.match(word) is not None) \
        and not word.isdigit() and word not in _STOP


def _character_bigrams(words):
    """Content terms of unspaced scripts: pairs of adjacent characters (most Chinese and
    Japanese words are two characters long), kana-only pairs left out as grammar."""
    pairs = []
    for a, b in zip(words, words[1:]):
        if len(a) == 1 == len(b) and _HAS_UNSPACED.match(a) and _HAS_UNSPACED.match(b) \
                and not (_KANA.match(a) and _KANA.match(b)):
            pairs.append(a + b)
    return pairs


def fingerprints(text):
    """The winnowed fingerprint set of a text."""
    return set(analyse(text).fingerprints)


def containment(shared, size_a, size_b):
    """Shared fingerprints over the smaller set: 1.0 when one text is contained in the other."""
    smaller = min(size_a, size_b)
    return shared / smaller if smaller else 0.0
