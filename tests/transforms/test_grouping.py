"""GroupArticles and GroupArticlesStreaming on the runners, and the counting and pairing
stages inside them (transforms/grouping.py)."""
from datetime import datetime, timedelta, timezone

import apache_beam as beam
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import window

from schemas.records import Article
from tests.conftest import beam_pipeline, seed_texts, story_fixtures, streaming_pipeline
from transforms.dedup.rules import MAX_DOCS_PER_HASH, Signature, group_in_memory, signature_of
from transforms.grouping import (CandidatePairs, CountKeys, GroupArticles, GroupArticlesStreaming,
                                 SignTexts, embed_articles, sign_text)

T = datetime(2024, 8, 1, tzinfo=timezone.utc)
HOUR = 3600


def article(article_id, text, published, domain, fetched=T):
    return Article({"article_id": article_id, "text": text, "published_at": published,
                    "fetched_at": fetched, "word_count": len(text.split()),
                    "source_domain": domain}, "k-" + article_id)


def ids(grouped_article):
    row = grouped_article.row
    return row["article_id"], row["dup_id"], row["story_id"]


def test_group_articles_marks_copies_and_stories():
    jns, toi, copy = seed_texts()
    articles = [sign_text(article("jns", jns, T, "jns.example")),
                article("toi", toi, T, "toi.example"),          # signed in the stage itself
                article("copy", copy, datetime(2024, 8, 2, tzinfo=timezone.utc), "harbor.example")]
    with beam_pipeline() as p:
        out = p | beam.Create(articles) | GroupArticles("run1")
        assert_that(out.articles | beam.Map(ids),
                    equal_to([("jns", "jns", "toi"), ("toi", "toi", "toi"),
                              ("copy", "toi", "toi")]))
        assert_that(out.articles | "Unsigned" >> beam.Map(lambda a: (a.signature, a.url_key)),
                    equal_to([(None, "k-jns"), (None, "k-toi"), (None, "k-copy")]),
                    label="Unsigned")
        assert_that(out.signatures | beam.Map(
            lambda r: (r["article_id"], len(r["fingerprints"]) > 50)),
            equal_to([("jns", True), ("toi", True), ("copy", True)]), label="Index")


def test_group_articles_on_the_runner_matches_the_in_memory_rules():
    """Exact copies on many sites, an edited copy, a story pair: the Beam stages and the
    streaming job's group_in_memory give the same ids."""
    jns, toi, copy = seed_texts()
    articles = [article(f"wire{i}", jns, datetime(2024, 8, 1 + i % 5, tzinfo=timezone.utc),
                        f"s{i % 7}.example") for i in range(30)]
    articles += [article("toi", toi, T, "toi.example"), article("edited", copy, T, "h.example"),
                 article("short", "Too short to judge.", T, "s1.example"),
                 article("short2", "Too short to judge.", T, "s2.example")]
    expected = group_in_memory([signature_of(a) for a in articles], [])
    with beam_pipeline() as p:
        out = p | beam.Create(articles) | GroupArticles("run1")
        assert_that(out.articles | beam.Map(
            lambda a: (a.row["article_id"], (a.row["dup_id"], a.row["story_id"]))),
                    equal_to(list(expected.items())))
    assert len({ids for name, ids in expected.items() if name.startswith("wire")}) == 1
    assert expected["short"] == ("short", "short")


def test_candidate_pairs_skip_a_hash_over_the_cap_within_a_bundle():
    # hash 1 is in every article (boilerplate); hash 2 in two of them only
    sigs = [Signature(f"a{i:03d}", f"site{i}.example", T, 10, None)
            for i in range(MAX_DOCS_PER_HASH + 2)]
    with beam_pipeline() as p:
        pairs = (p | beam.Create(sigs)
                 | CandidatePairs(lambda s: [1, 2] if s.article_id in ("a000", "a001") else [1]))
        assert_that(pairs, equal_to([(("a000", "a001"), 1)]))


def test_counts_every_occurrence_of_every_key():
    with beam_pipeline() as p:
        counts = (p | beam.Create(["abca", "bc", ""]) | CountKeys(list))
        assert_that(counts, equal_to([("a", 2), ("b", 2), ("c", 2)]))


def test_counts_stay_in_their_windows():
    with beam_pipeline() as p:
        counts = (p
                  | beam.Create([("ab", 1), ("a", 2), ("a", 70)])
                  | beam.Map(lambda e: window.TimestampedValue(e[0], e[1]))
                  | beam.WindowInto(window.FixedWindows(60))
                  | CountKeys(list)
                  | beam.Map(lambda kv, w=beam.DoFn.WindowParam: (kv, w.start.micros // 10**6)))
        assert_that(counts, equal_to([(("a", 2), 0), (("b", 1), 0), (("a", 1), 60)]))


def at(hours, value):
    return window.TimestampedValue(value, (T + timedelta(hours=hours, minutes=1)).timestamp())


def test_late_copies_and_rewrites_join_written_groups_until_the_ttl():
    jns, toi, copy = seed_texts()

    def published(article_id, text, hours, domain):
        when = T + timedelta(hours=hours)
        return at(hours, article(article_id, text, when, domain, fetched=when))

    stream = (TestStream()
              .advance_watermark_to(T.timestamp())
              .add_elements([published("toi", toi, 0, "toi.example")])
              .advance_watermark_to(T.timestamp() + 2 * HOUR)
              .add_elements([published("copy", copy, 2, "harbor.example"),
                             published("jns", jns, 2, "jns.example")])
              .advance_watermark_to(T.timestamp() + 100 * HOUR)
              .add_elements([published("late", copy, 100, "late.example")])
              .advance_watermark_to_infinity())
    with streaming_pipeline() as p:
        out = (p | stream
               | beam.WindowInto(window.FixedWindows(HOUR))
               | GroupArticlesStreaming(ttl_seconds=72 * HOUR))
        assert_that(out.signatures | "Indexed" >> beam.Map(
            lambda r: (r["article_id"], r["dup_id"])),
            equal_to([("toi", "toi"), ("copy", "toi"), ("jns", "jns"), ("late", "late")]),
            label="Index")
        assert_that(out.articles | beam.Map(ids),
                    equal_to([("toi", "toi", "toi"),
                              ("copy", "toi", "toi"),        # a late copy gets the written dup_id
                              ("jns", "jns", "toi"),         # a rewrite joins the written story
                              ("late", "late", "late")]))    # past the TTL: state has expired


def _story_article(name, hours, language="en"):
    item = story_fixtures()[name]
    when = T + timedelta(hours=hours)
    a = article(name, item["text"], when, name.split("-")[1] + ".example", fetched=when)
    a.row.update(title=item.get("title"), language=language)
    return a


def test_semantic_stories_on_the_runner_embed_and_link_a_rewrite(encoder):
    """SignTexts embeds in batches; GroupArticles links the Assange rewrite, which
    shares no quote with the first report, and keeps the vectors in its index rows."""
    articles = [_story_article("assange-bbc", 0), _story_article("assange-albawaba", 3),
                _story_article("drama-entermedia", 1, "ko"), _story_article("plague-nypost", 2)]
    with beam_pipeline() as p:
        out = (p | beam.Create(articles) | SignTexts(semantic=True)
               | GroupArticles("run1", semantic=True))
        assert_that(out.articles | beam.Map(ids), equal_to([
            ("assange-bbc", "assange-bbc", "assange-bbc"),
            ("assange-albawaba", "assange-albawaba", "assange-bbc"),
            ("drama-entermedia", "drama-entermedia", "drama-entermedia"),
            ("plague-nypost", "plague-nypost", "plague-nypost")]))
        assert_that(out.signatures | beam.Map(
            lambda r: (r["article_id"], len(r["embedding"] or ()))), equal_to([
                ("assange-bbc", 384), ("assange-albawaba", 384), ("drama-entermedia", 0),
                ("plague-nypost", 384)]), label="Index")


def test_semantic_stories_in_streaming_link_a_rewrite_in_a_later_window(encoder):
    bbc, albawaba = (sign_text(_story_article(n, h)) for n, h in
                     (("assange-bbc", 0), ("assange-albawaba", 5)))
    bbc, albawaba = embed_articles(encoder, [bbc, albawaba])
    stream = (TestStream()
              .advance_watermark_to(T.timestamp())
              .add_elements([at(0, bbc)])
              .advance_watermark_to(T.timestamp() + 5 * HOUR)
              .add_elements([at(5, albawaba)])
              .advance_watermark_to_infinity())
    with streaming_pipeline() as p:
        out = (p | stream | beam.WindowInto(window.FixedWindows(HOUR))
               | GroupArticlesStreaming(ttl_seconds=72 * HOUR))
        assert_that(out.articles | beam.Map(ids), equal_to([
            ("assange-bbc", "assange-bbc", "assange-bbc"),
            ("assange-albawaba", "assange-albawaba", "assange-bbc")]))


def test_embedding_keeps_each_articles_timestamp(encoder):
    """A streaming job windows the articles after this step: each keeps its own time."""
    articles = [at(h, _story_article(n, h)) for n, h in
                (("assange-bbc", 0), ("plague-nypost", 7), ("drama-entermedia", 30))]
    with beam_pipeline() as p:
        out = (p | beam.Create([(a.value, a.timestamp) for a in articles])
               | beam.Map(lambda pair: window.TimestampedValue(*pair)).with_output_types(Article)
               | SignTexts(semantic=True)
               | beam.Map(lambda a, t=beam.DoFn.TimestampParam: (a.article_id, t.micros)))
        assert_that(out, equal_to([(a.value.article_id, a.timestamp.micros)
                                   for a in articles]))
