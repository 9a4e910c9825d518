"""The copy and story rules and the clustering (transforms/dedup/rules.py)."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from tests.conftest import seed_texts
from transforms.dedup.fingerprints import analyse, containment, fingerprints
from transforms.dedup.rules import (Signature, assign_groups, candidate_pairs, canonical_order,
                                    closest_hours, group_in_memory, is_copy, is_story,
                                    split_exact_copies, text_key, tfidf_cosine)


def shared(a, b):
    fa, fb = fingerprints(a), fingerprints(b)
    return len(fa & fb), len(fa), len(fb)


def test_the_verbatim_seed_copy_is_a_copy_and_the_seed_pair_is_not():
    jns, toi, copy = seed_texts()
    assert is_copy(*shared(toi, copy))
    n, na, nb = shared(jns, toi)
    assert not is_copy(n, na, nb)
    assert containment(n, na, nb) < 0.2


def test_truncated_and_retyped_copies_are_copies():
    _, toi, _ = seed_texts()
    half = toi[: len(toi) // 2]
    retyped = toi.replace("“", '"').replace("”", '"').replace("’", "'")
    assert is_copy(*shared(toi, half))
    assert is_copy(*shared(toi, retyped))


def test_boilerplate_hashes_form_no_pairs():
    assert candidate_pairs([("a", "x.com", True), ("b", "y.com", True)]) == [("a", "b")]
    same_site = [(f"a{i}", "x.com", True) for i in range(5)]
    assert candidate_pairs(same_site) == []
    everywhere = [(f"a{i}", f"site{i}.com", True) for i in range(101)]
    assert candidate_pairs(everywhere) == []
    # two already-written articles were judged before: no pair
    assert candidate_pairs([("a", "x.com", False), ("b", "y.com", False)]) == []


def sig(article_id, hour=None, words=100, dup_id=None, story_id=None):
    when = None if hour is None else datetime(2024, 8, 1, tzinfo=timezone.utc) + timedelta(hours=hour)
    return Signature(article_id, "x.com", when, words, None, dup_id, story_id)


def test_copies_are_transitive_and_canonical_is_earliest_then_longest():
    sigs = [sig("c", 9, 900), sig("b", 6, 300), sig("a", None, 1000), sig("z", 6, 500),
            sig("solo", 1)]
    ids = assign_groups(sigs, [("a", "b"), ("b", "c"), ("c", "z")], [])
    assert {ids[x][0] for x in "abcz"} == {"z"}
    assert ids["solo"] == ("solo", "solo")
    assert canonical_order(sig("x")) > canonical_order(sig("y", 9))


def test_written_canonicals_never_change():
    # "old" was written by an earlier run; a new, earlier-published copy joins its group.
    sigs = [sig("old", 10, dup_id="old", story_id="old"), sig("new", 1)]
    assert assign_groups(sigs, [("old", "new")], []) == {"new": ("old", "old")}


def test_stories_form_around_leads_and_do_not_chain():
    # x, y, z are three stories; the roundup r (later) quotes all three.
    sigs = [sig("x", 1), sig("y", 2), sig("z", 3), sig("r", 10), sig("x2", 5)]
    story_edges = [("x", "r", 12), ("y", "r", 20), ("z", "r", 11), ("x", "x2", 30)]
    ids = assign_groups(sigs, [], story_edges)
    assert {a: s for a, (_, s) in ids.items()} == {"x": "x", "y": "y", "z": "z", "r": "y",
                                                    "x2": "x"}


def test_a_new_article_joins_a_written_story_through_its_lead():
    sigs = [sig("lead", 1, dup_id="lead", story_id="lead"),
            sig("member", 2, dup_id="member", story_id="lead"), sig("new", 5)]
    assert assign_groups(sigs, [], [("new", "lead", 15)]) == {"new": ("new", "lead")}
    # an edge to a member only is not enough: stories never chain through members
    assert assign_groups(sigs, [], [("new", "member", 15)]) == {"new": ("new", "new")}


def test_exact_copies_are_judged_through_one_new_representative():
    text = analyse("the minister said the talks would resume next week in the capital city")
    old = replace(sig("old", 1, dup_id="old", story_id="old"), text=text)
    late, early = replace(sig("late", 9), text=text), replace(sig("early", 5), text=text)
    assert len({text_key(s) for s in (old, late, early)}) == 1
    kept, edges = split_exact_copies([late, old, early])
    assert [(s.article_id, times) for s, times in kept] == [
        ("early", tuple((s.when, s.is_new) for s in (late, old, early)))]
    assert sorted(edges) == [("early", "late"), ("early", "old")]
    # written articles alone are left as they are; an empty text is a class of its own
    assert len(split_exact_copies([old, replace(old, article_id="old2")])[0]) == 2
    assert text_key(replace(late, text=analyse("too short"))) == "id:late"


def test_closest_hours_skips_pairs_of_written_articles():
    t = datetime(2024, 8, 1, tzinfo=timezone.utc)
    a = ((t, False), (t + timedelta(hours=100), True))
    b = ((t, False), (None, True))
    assert closest_hours(a, b) == 100
    assert closest_hours(((t, False),), ((t, False),)) is None


def test_a_wire_story_on_more_sites_than_the_hash_cap_is_one_copy_group():
    jns, toi, _ = seed_texts()
    wire = analyse(jns)
    sigs = [Signature(f"w{i:03d}", f"site{i}.example", datetime(2024, 8, 1, tzinfo=timezone.utc),
                      500, wire) for i in range(120)]
    sigs.append(Signature("other", "other.example", datetime(2024, 8, 1, tzinfo=timezone.utc),
                          500, analyse(toi)))
    ids = group_in_memory(sigs, [])
    assert {ids[f"w{i:03d}"] for i in range(120)} == {("w000", "other")}
    assert ids["other"] == ("other", "other")


def test_story_rule():
    assert is_story(30, 7, 4.0, 0.54)          # the seed pair
    assert not is_story(30, 7, 80.0, 0.54)     # too far apart in time
    assert not is_story(8, 1, 1.0, 0.9)        # not enough shared quotation
    assert not is_story(12, 2, 1.0, 0.2)       # same quote, different topic
    assert not is_story(30, 7, None, 0.9)      # no time known


def test_tfidf_cosine():
    a, b = ((1, 3), (2, 1)), ((1, 3), (2, 1))
    assert abs(tfidf_cosine(a, b, {1: 1, 2: 1}, 10) - 1.0) < 1e-9
    assert tfidf_cosine(((1, 1),), ((2, 1),), {}, 10) == 0.0
