from datetime import datetime, timezone

from tests.conftest import demo_page
from transforms.extract import extract_page
from transforms.fingerprints import containment, fingerprints, normalise_text, tokens, winnow
from transforms.grouping import Node, candidate_pairs, canonical_order, cluster, is_copy


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
    assert winnow(hashes, 3) == {3, 1, 2}
    assert winnow([4, 2], 5) == {4, 2}


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


def test_boilerplate_fingerprints_form_no_pairs():
    assert candidate_pairs([("a", "x.com"), ("b", "y.com")]) == [("a", "b")]
    same_site = [(f"a{i}", "x.com") for i in range(5)]
    assert candidate_pairs(same_site) == []
    everywhere = [(f"a{i}", f"site{i}.com") for i in range(101)]
    assert candidate_pairs(everywhere) == []


def test_clusters_are_transitive_and_canonical_is_earliest_then_longest():
    t1 = datetime(2024, 8, 1, 6, tzinfo=timezone.utc)
    t2 = datetime(2024, 8, 1, 9, tzinfo=timezone.utc)
    nodes = [Node("c", t2, 900), Node("b", t1, 300), Node("a", None, 1000), Node("z", t1, 500),
             Node("solo", t1, 10)]
    assignment = cluster(nodes, [("a", "b"), ("b", "c"), ("c", "z")])
    assert {assignment[x][0] for x in "abcz"} == {"z"}  # earliest, then longest
    assert assignment["solo"] == ("solo", "solo")
    assert canonical_order(Node("x", None, 5)) > canonical_order(Node("y", t2, 1))
