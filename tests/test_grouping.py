import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import xxhash

from tests.conftest import demo_page
from transforms.extract import extract_page
from transforms.fingerprints import (analyse, containment, fingerprints, normalise_text,
                                     quoted_starts, quoted_tokens, shingle_hashes, tokens,
                                     winnow)
from transforms.grouping import (OVER_CAP, Signature, assign_groups, candidate_pairs,
                                 canonical_order, closest_hours, fragment_pairs,
                                 is_boilerplate, is_copy, is_story, packed_terms, posting,
                                 split_exact_copies, text_key, tfidf_cosine, unpack_posting,
                                 unpacked_terms)
from transforms.streaming import group_batch


def seed_texts():
    jns = extract_page(demo_page("meridian", "blinken-urges-restraint"), "http://m/")["text"]
    toi = extract_page(demo_page("northwind", "blinken-calls-on-all-parties"), "http://n/")["text"]
    copy = extract_page(demo_page("harbor", "us-top-diplomat-ceasefire-call"), "http://h/")["text"]
    return jns, toi, copy


def shared(a, b):
    fa, fb = fingerprints(a), fingerprints(b)
    return len(fa & fb), len(fa), len(fb)


def test_typography_does_not_change_tokens():
    assert normalise_text("“Quote” — it’s") == '"quote" - it\'s'
    assert tokens("It’s “fine”") == tokens("it's \"fine\"")


def test_winnowing_keeps_one_hash_per_window():
    hashes = [5, 3, 8, 1, 9, 7, 2, 6]
    assert {hashes[i] for i in winnow(hashes, 3)} == {3, 1, 2}
    assert winnow([4, 2], 5) == {0, 1}


def test_winnowing_keeps_the_leftmost_minimum_of_each_window_as_defined():
    rng = random.Random(7)
    for _ in range(200):
        hashes = [rng.randrange(6) for _ in range(rng.randrange(0, 40))]   # many ties
        naive = set(range(len(hashes))) if len(hashes) <= 5 else {
            s + hashes[s:s + 5].index(min(hashes[s:s + 5])) for s in range(len(hashes) - 4)}
        assert winnow(hashes) == naive


def test_a_shingle_hash_is_the_hash_of_its_words_joined_by_spaces():
    words = ["zürich", "ΟΔΟΣ", "it's", "東京", "a", "b", "c", "d", "e"]
    expected = [xxhash.xxh64_intdigest(" ".join(words[i:i + 3]).encode("utf-8")) & ((1 << 63) - 1)
                for i in range(len(words) - 2)]
    assert shingle_hashes(words, 3) == expected
    assert shingle_hashes(words[:2], 3) == []


def test_quoted_starts_are_the_windows_wholly_inside_quotes():
    flags = [False, True, True, True, False, True, True]
    assert quoted_starts(flags, 2) == [1, 2, 5]
    assert quoted_starts(flags, 3) == [1]
    assert quoted_starts([], 3) == []


def test_any_shared_run_of_12_words_shares_a_fingerprint():
    run = "the minister said the talks would resume next week in the capital"
    a = "alpha beta gamma delta epsilon zeta eta theta " + run + " one two three four five"
    b = "lorem ipsum dolor sit amet consectetur adipiscing " + run + " sed do eiusmod tempor"
    assert fingerprints(a) & fingerprints(b)


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
    ids = group_batch(sigs, [])
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


def test_seed_pair_quote_signals():
    jns, toi, _ = seed_texts()
    a, b = analyse(jns), analyse(toi)
    assert len(set(a.quoted_shingles) & set(b.quoted_shingles)) >= 25
    assert len(set(a.quoted) & set(b.quoted)) >= 3


def test_quotes_are_found_in_double_single_and_guillemet_styles():
    for text in ['He said "we will rebuild the bridge before winter ends" on Monday.',
                 "He said \u2018we will rebuild the bridge before winter ends\u2019 on Monday.",
                 "Il a dit \u00abwe will rebuild the bridge before winter ends\u00bb lundi."]:
        flags = [q for w, q in quoted_tokens(text) if w in ("rebuild", "monday", "lundi")]
        assert flags[0] is True and flags[-1] is False
    assert not any(q for _, q in quoted_tokens("The players\u2019 union and the club\u2019s owner"))


def test_an_apostrophe_inside_a_word_is_not_a_closing_quote():
    text = "\u2018It\u2019s over,\u2019 the players\u2019 union said. \u201cWe\u2019re done\u201d"
    assert quoted_tokens(text) == [("it's", True), ("over", True), ("the", False),
                                   ("players", False), ("union", False), ("said", False),
                                   ("we're", True), ("done", True)]
    # lower case word by word: a final sigma stays final, a dotted capital I keeps its dot
    assert tokens("\u039f\u0394\u039f\u03a3 \u0130stanbul") == [
        "\u03bf\u03b4\u03bf\u03c2", "i\u0307stanbul"]
