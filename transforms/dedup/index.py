"""Formats of the signature index: rows of `_state/signatures/` (kept across runs), and the
packed postings and term vectors that travel through grouping's shuffles."""
import struct
import zlib
from array import array
from datetime import timezone

from schemas.records import TextSignature
from transforms.dedup.rules import Signature, candidate_pairs
from transforms.dedup.semantic import as_vector, from_floats

OVER_CAP = None     # a posting-list fragment standing for a hash already known as boilerplate


def fragment_pairs(fragments) -> list:
    """candidate_pairs over one hash's posting-list fragments (tuples of packed postings)."""
    postings = set()
    for fragment in fragments:
        if fragment is OVER_CAP:
            return []
        postings.update(fragment)
    return candidate_pairs([unpack_posting(p) for p in postings])


def posting(sig):
    """A signature's entry in its hashes' posting lists, packed in bytes: the local runner holds
    every posting decoded while it groups them, and 20,000 articles post about four million.
    Packed, one costs ~80 bytes there; a tuple of two strings and a bool cost ~220. The site
    is kept as a CRC-32: candidate_pairs only counts how many postings share one."""
    site = zlib.crc32(sig.domain.encode("utf-8"))
    return struct.pack(">IB", site, sig.is_new) + sig.article_id.encode("utf-8")


def unpack_posting(data):
    """(article_id, site, is_new), as candidate_pairs takes them."""
    site, is_new = struct.unpack_from(">IB", data)
    return data[5:].decode("utf-8"), site, bool(is_new)


def packed_terms(terms):
    """A term vector as bytes for the joins that carry it to every candidate pair: decoded,
    150 (bucket, count) tuples take ~18 KB, packed 1.2 KB."""
    return array("I", [x for pair in terms for x in pair]).tobytes()


def unpacked_terms(data):
    flat = array("I")
    flat.frombytes(data)
    return zip(flat[::2], flat[1::2])


def index_row(sig, dup_id, story_id, run_id):
    t = sig.text
    return {"article_id": sig.article_id, "dup_id": dup_id, "story_id": story_id,
            "source_domain": sig.domain, "when": sig.when, "word_count": sig.word_count,
            "fingerprints": list(t.fingerprints), "quoted": list(t.quoted),
            "quoted_shingles": list(t.quoted_shingles),
            "term_buckets": [b for b, _ in t.terms], "term_counts": [n for _, n in t.terms],
            "embedding": None if t.embedding is None else as_vector(t.embedding).tolist(),
            "run_id": run_id}


def signature_from_row(row):
    when = row["when"]
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    text = TextSignature(tuple(row["fingerprints"]), tuple(row["quoted"]),
                         tuple(row["quoted_shingles"]),
                         tuple(zip(row["term_buckets"], row["term_counts"])),
                         from_floats(row.get("embedding")))
    return Signature(row["article_id"], row["source_domain"], when, row["word_count"], text,
                     row["dup_id"], row["story_id"])
