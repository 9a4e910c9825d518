"""The packed postings and term vectors of grouping's shuffles (transforms/dedup/index.py)."""
from dataclasses import replace

from transforms.dedup.fingerprints import analyse
from transforms.dedup.index import (OVER_CAP, fragment_pairs, packed_terms, posting,
                                    unpack_posting, unpacked_terms)
from transforms.dedup.rules import Signature, candidate_pairs, is_boilerplate


def test_posting_list_fragments_give_the_pairs_of_the_whole_list():
    sigs = [Signature(f"a{i}", f"site{i}.com", None, 10, None) for i in range(4)]
    whole = candidate_pairs([unpack_posting(posting(s)) for s in sigs])
    parts = [tuple(posting(s) for s in sigs[:2]), tuple(posting(s) for s in sigs[2:])]
    assert fragment_pairs(parts) == whole and len(whole) == 6
    # a fragment already over a cap in its bundle: boilerplate, whatever the others hold
    assert fragment_pairs(parts + [OVER_CAP]) == []
    assert is_boilerplate([(f"a{i}", "x.com", True) for i in range(5)])


def test_term_vectors_pack_and_unpack_without_loss():
    terms = analyse("Alpha beta gamma, alpha beta delta: Alpha!").terms
    assert tuple(unpacked_terms(packed_terms(terms))) == terms


def test_postings_pack_and_unpack_without_loss():
    new = Signature("3f2a", "news.example", None, 10, None)
    old = replace(new, article_id="b7", dup_id="b7", story_id="b7")
    (a_id, a_site, a_new), (b_id, b_site, b_new) = map(unpack_posting, map(posting, (new, old)))
    assert (a_id, a_new, b_id, b_new) == ("3f2a", True, "b7", False) and a_site == b_site
    other = unpack_posting(posting(replace(new, domain="other.example")))
    assert other[1] != a_site
