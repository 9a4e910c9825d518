"""The semantic tier of the story rule (transforms/dedup/semantic.py and its use in
transforms/dedup/rules.py). The first tests use made-up vectors and need no model; the rest
load the model and are skipped without the extra (CI requires it)."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.options import OptionsError, validate
from schemas.records import TextSignature
from tests.conftest import PYTHON, run_cli, seed_texts, story_fixtures
from transforms.dedup import semantic
from transforms.dedup.fingerprints import analyse
from transforms.dedup.index import index_row, signature_from_row
from transforms.dedup.rules import Signature, group_in_memory
from transforms.dedup.semantic import (DIMENSIONS, bands, embed, embedding_input, similarity)

T = datetime(2019, 11, 19, 9, tzinfo=timezone.utc)
NO_TEXT = TextSignature((), (), (), ())


def vector(c, seed):
    """A unit vector at cosine c to the first axis, in a direction of its own."""
    other = np.random.default_rng(seed).standard_normal(DIMENSIONS)
    other[0] = 0
    other /= np.linalg.norm(other)
    axis = np.zeros(DIMENSIONS)
    axis[0] = 1
    return (c * axis + np.sqrt(1 - c * c) * other).astype(np.float32).tobytes()


def sig(article_id, embedding, when=T, domain=None, text=NO_TEXT):
    return Signature(article_id, domain or article_id + ".example", when, 500,
                     replace(text, embedding=embedding))


def stories(assignment):
    return {a: story for a, (_, story) in assignment.items()}


def test_bands_are_a_pure_function_of_the_vector():
    v = vector(0.9, 1)
    assert bands(v) == bands(bytes(v)) and len(bands(v)) == semantic.BANDS
    assert all(0 <= h < 1 << 63 for h in bands(v))       # int64 for every coder
    assert bands(None) == ()


def test_close_vectors_share_bands_and_distant_ones_do_not():
    hits = {c: sum(bool(set(bands(vector(1.0, 0))) & set(bands(vector(c, s))))
                   for s in range(100)) for c in (0.95, 0.2)}
    assert hits[0.95] == 100          # P(miss) ~ 1e-9 per pair at 0.95
    assert hits[0.2] <= 5             # ~0.7 expected at 0.2


def test_an_embedding_edge_links_two_articles_within_72_hours():
    lead, rewrite = vector(1.0, 0), vector(0.9, 1)
    together = stories(group_in_memory([sig("a", lead), sig("b", rewrite, T + timedelta(hours=30))],
                                       []))
    assert together == {"a": "a", "b": "a"}
    week = stories(group_in_memory([sig("a", lead), sig("b", rewrite, T + timedelta(days=7))], []))
    assert week == {"a": "a", "b": "b"}
    below = stories(group_in_memory([sig("a", lead), sig("b", vector(0.8, 2))], []))
    assert below == {"a": "a", "b": "b"}
    unembedded = stories(group_in_memory([sig("a", lead), sig("b", None)], []))
    assert unembedded == {"a": "a", "b": "b"}


def test_a_roundup_close_to_two_stories_does_not_chain_them():
    """The lead rule holds for embedding edges: a roundup close to two leads that are not
    close to each other joins one of them."""
    a, b = vector(1.0, 0), vector(0.6, 1)
    middle = np.frombuffer(a, np.float32) + np.frombuffer(b, np.float32)
    roundup = (middle / np.linalg.norm(middle)).astype(np.float32).tobytes()
    assert similarity(a, roundup) >= 0.85 and similarity(b, roundup) >= 0.85
    found = stories(group_in_memory([sig("a", a), sig("b", b, T + timedelta(hours=1)),
                                     sig("c", roundup, T + timedelta(hours=2))], []))
    assert found["a"] == "a" and found["b"] == "b" and found["c"] in ("a", "b")


def test_new_articles_join_written_stories_through_their_embeddings():
    old = replace(sig("old", vector(1.0, 0)), dup_id="old", story_id="old")
    assert stories(group_in_memory([sig("new", vector(0.92, 3), T + timedelta(hours=5))],
                                   [old])) == {"new": "old"}


def test_the_embedding_survives_the_signature_index():
    signature = sig("a", vector(0.9, 1), text=analyse("Some words here " * 30))
    row = index_row(signature, "a", "a", "run1")
    assert len(row["embedding"]) == DIMENSIONS
    back = signature_from_row(row)
    assert back.text.embedding == signature.text.embedding
    without = dict(row)
    del without["embedding"]              # a file written before schema 1.4
    assert signature_from_row(without).text.embedding is None
    assert index_row(sig("b", None), "b", "b", "run1")["embedding"] is None


def test_semantic_stories_without_the_extra_is_refused_naming_the_install(monkeypatch, tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("https://example.com/rss\n")
    monkeypatch.setattr("importlib.util.find_spec",
                        lambda name, *a: None if name == "sentence_transformers" else object())
    options = PipelineOptions(["--feeds", str(feeds), "--output", str(tmp_path / "out"),
                     "--semantic_stories"])
    with pytest.raises(OptionsError, match=r"--semantic_stories needs the semantic extra "
                                           r".*pip install 'newsbeam\[semantic\]'"):
        validate(options)


HIDE_EXTRA = """
import importlib.util, sys
found = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: None if name == "torch" else found(name, *a)
from pipeline.main import cli
sys.argv = ["newsbeam", *sys.argv[1:]]
cli()
"""


def test_without_the_extra_the_command_exits_2_before_the_run(tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("https://example.com/rss\n")
    result = run_cli("--feeds", str(feeds), "--output", str(tmp_path / "out"),
                     "--semantic_stories", command=(PYTHON, "-c", HIDE_EXTRA))
    assert result.returncode == 2
    assert "--semantic_stories needs the semantic extra (torch is not installed): " \
           "pip install 'newsbeam[semantic]'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_input_is_the_title_then_the_lead():
    assert embedding_input("Headline", "x" * 5000) == "Headline\n" + "x" * semantic.INPUT_CHARS
    assert embedding_input(None, "Body") == "Body"


# With the model.

def _embedded(encoder, names, when=None):
    texts = story_fixtures()
    vectors = embed(encoder, [embedding_input(texts[n].get("title"), texts[n]["text"])
                              for n in names])
    when = when or {}
    return [sig(n, v, when.get(n, T), text=analyse(texts[n]["text"])) for n, v in
            zip(names, vectors)]


def test_a_rewrite_that_shares_no_quote_joins_the_story(encoder):
    bbc, albawaba = _embedded(encoder, ["assange-bbc", "assange-albawaba"])
    lexical = [replace(s, text=replace(s.text, embedding=None)) for s in (bbc, albawaba)]
    assert stories(group_in_memory(lexical, [])) == {"assange-bbc": "assange-bbc",
                                                     "assange-albawaba": "assange-albawaba"}
    assert similarity(bbc.text.embedding, albawaba.text.embedding) >= 0.85
    assert len(set(stories(group_in_memory([bbc, albawaba], [])).values())) == 1


def test_two_reports_on_one_topic_a_week_apart_stay_apart(encoder):
    later = T + timedelta(days=7)
    nypost, sun = _embedded(encoder, ["plague-nypost", "plague-thesun"],
                            {"plague-thesun": later})
    assert similarity(nypost.text.embedding, sun.text.embedding) >= 0.85   # only time parts them
    assert stories(group_in_memory([nypost, sun], [])) == {"plague-nypost": "plague-nypost",
                                                           "plague-thesun": "plague-thesun"}


def test_the_seed_pair_stays_one_story(encoder):
    jns, toi, _ = seed_texts()
    a, b = embed(encoder, [jns, toi])
    assert similarity(a, b) < 0.85             # the lexical rule links them, not the vectors
    found = stories(group_in_memory([sig("jns", a, text=analyse(jns)),
                                     sig("toi", b, T + timedelta(hours=2), text=analyse(toi))],
                                    []))
    assert found == {"jns": "jns", "toi": "jns"}


def test_only_articles_in_the_models_language_are_embedded(encoder):
    """Unrelated Korean pages score close with the English model: they get no vector."""
    from schemas.records import Article
    from transforms.grouping import embed_articles, sign_text
    texts = story_fixtures()
    drama, politics = (texts[n]["text"] for n in ("drama-entermedia", "politics-mk"))
    assert similarity(*embed(encoder, [drama, politics])) >= 0.85
    rows = [{"article_id": n, "title": None, "text": t, "language": lang}
            for n, t, lang in (("drama", drama, "ko"), ("politics", politics, "ko"),
                               ("bbc", texts["assange-bbc"]["text"], "en"))]
    done = embed_articles(encoder, [sign_text(Article(r, "k")) for r in rows])
    assert [a.signature.embedding is not None for a in done] == [False, False, True]
    assert [a.article_id for a in done] == ["drama", "politics", "bbc"]
