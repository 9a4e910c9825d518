"""Each composite PTransform on the FnApiRunner with TestPipeline + assert_that."""
import glob
from datetime import datetime, timezone

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import FeedEntry, FeedSpec
from schemas.tables import SEEN_SCHEMA
from tests.conftest import Route, beam_pipeline, demo_page
from transforms.extract import ExtractText
from transforms.feeds import ReadFeeds
from transforms.fetch import FetchArticles
from transforms.grouping import GroupArticles
from transforms.http import FetchPolicy
from transforms.language import DetectLanguage
from transforms.normalise import NormaliseMetadata
from transforms.seen import DropSeen, entry_order, skip_entry
from transforms.state import ReadSeen
from transforms.write import WriteTable

POLICY = FetchPolicy(retries=0, allow_private_hosts=True, total_timeout=5)
RSS = """<rss version="2.0"><channel><title>Test</title>
<item><title>One</title><link>{base}/a.html</link><pubDate>Thu, 01 Aug 2024 10:00:00 +0000</pubDate></item>
<item><title>Two</title><link>{base}/b.html</link></item>
<item><title>Broken</title></item></channel></rss>"""
T = datetime(2024, 8, 1, tzinfo=timezone.utc)


def entry(link, feed="http://f.example/rss", position=0):
    return FeedEntry(feed_url=feed, link=link, url_key="k-" + link, position=position)


def test_read_feeds_gives_entries_and_rejects(server):
    server.routes["/rss"] = Route(RSS.format(base=server.base), content_type="application/rss+xml")
    server.routes["/page"] = Route("<html><body><p>not a feed</p></body></html>")
    specs = [FeedSpec(server.url("/rss")), FeedSpec(server.url("/gone")),
             FeedSpec(server.url("/page"))]
    with beam_pipeline() as p:
        out = p | beam.Create(specs) | ReadFeeds(POLICY, "run1")
        assert_that(out.entries | beam.Map(lambda e: e.title), equal_to(["One", "Two"]))
        assert_that(out.rejects | "Reasons" >> beam.Map(lambda r: (r.stage, r.reason)),
                    equal_to([("entry", "no_link"), ("feed_fetch", "feed_http_error"),
                              ("feed_parse", "not_a_feed")]), label="Rejects")


def test_drop_seen_keeps_one_per_key_and_skips_the_rest():
    entries = [entry("http://x/1", "feed-b"), entry("http://x/1", "feed-a"), entry("http://x/2"),
               entry("http://x/3")]
    with beam_pipeline() as p:
        seen = p | "Seen" >> beam.Create(["k-http://x/3"])
        out = p | beam.Create(entries) | DropSeen(seen, lambda e: e.url_key, entry_order,
                                                  skip_entry)
        assert_that(out.fresh | beam.Map(lambda e: (e.link, e.feed_url)),
                    equal_to([("http://x/1", "feed-a"), ("http://x/2", "http://f.example/rss")]))
        assert_that(out.skipped | "Why" >> beam.Map(lambda s: (s.url, s.reason)),
                    equal_to([("http://x/1", "duplicate_in_run"), ("http://x/3", "seen")]),
                    label="Skips")


def test_fetch_and_extract_articles(server):
    server.routes["/seed.html"] = Route(demo_page("meridian", "blinken-urges-restraint"))
    server.routes["/doc.pdf"] = Route(b"%PDF-1.4 ...", content_type="application/pdf")
    server.routes["/empty.html"] = Route("<html><body><nav>Home</nav></body></html>")
    entries = [entry(server.url(p)) for p in ("/seed.html", "/doc.pdf", "/empty.html", "/404")]
    with beam_pipeline() as p:
        pages = p | beam.Create(entries) | FetchArticles(POLICY, threads=4)
        extracted = pages.pages | ExtractText()
        assert_that(extracted.extracted | beam.Map(lambda e: e[3]["title"]),
                    equal_to(["Blinken urges all parties to stop escalatory actions"]))
        reasons = ((pages.rejects, extracted.rejects) | beam.Flatten()
                   | beam.Map(lambda r: r.reason))
        assert_that(reasons, equal_to(["not_html", "no_text", "http_404"]), label="Rejects")


def test_detect_language_and_normalise():
    page = {"text": "Der Gemeinderat hat am Dienstag den neuen Haushalt für den Hafen "
                    "beschlossen und die Bürger informiert.", "title": "Haushalt", "dates": {},
            "sitename": "Hafenblatt"}
    element = (entry("https://hafenblatt.example/2024/08/01/haushalt"),
               "https://hafenblatt.example/2024/08/01/haushalt", T, page)
    with beam_pipeline() as p:
        out = p | beam.Create([element]) | DetectLanguage() | NormaliseMetadata("run1")
        assert_that(out.articles | beam.Map(
            lambda a: (a["language"], a["source"], a["date_source"], a["run_id"])),
            equal_to([("de", "Hafenblatt", "url", "run1")]))


def article(article_id, text, published, domain):
    return {"article_id": article_id, "text": text, "published_at": published, "fetched_at": T,
            "word_count": len(text.split()), "source_domain": domain}


def test_group_articles_marks_copies_and_stories():
    from tests.test_grouping import seed_texts
    jns, toi, copy = seed_texts()
    rows = [article("jns", jns, T, "jns.example"), article("toi", toi, T, "toi.example"),
            article("copy", copy, datetime(2024, 8, 2, tzinfo=timezone.utc), "harbor.example")]
    with beam_pipeline() as p:
        out = p | beam.Create(rows) | GroupArticles("run1")
        assert_that(out["articles"] | beam.Map(lambda a: (a["article_id"], a["dup_id"],
                                                          a["story_id"])),
                    equal_to([("jns", "jns", "toi"), ("toi", "toi", "toi"),
                              ("copy", "toi", "toi")]))
        assert_that(out["index"] | beam.Map(lambda r: (r["article_id"], len(r["fingerprints"]) > 50)),
                    equal_to([("jns", True), ("toi", True), ("copy", True)]), label="Index")


def test_group_articles_on_the_runner_matches_the_in_memory_rules():
    """Exact copies on many sites, an edited copy, a story pair: the Beam stages and
    streaming's in-memory group_batch give the same ids."""
    from tests.test_grouping import seed_texts
    from transforms.grouping import signature_of
    from transforms.streaming import group_batch
    jns, toi, copy = seed_texts()
    rows = [article(f"wire{i}", jns, datetime(2024, 8, 1 + i % 5, tzinfo=timezone.utc),
                    f"s{i % 7}.example") for i in range(30)]
    rows += [article("toi", toi, T, "toi.example"), article("edited", copy, T, "h.example"),
             article("short", "Too short to judge.", T, "s1.example"),
             article("short2", "Too short to judge.", T, "s2.example")]
    expected = group_batch([signature_of(r) for r in rows], [])
    with beam_pipeline() as p:
        out = p | beam.Create(rows) | GroupArticles("run1")
        assert_that(out["articles"] | beam.Map(
            lambda a: (a["article_id"], (a["dup_id"], a["story_id"]))),
            equal_to(list(expected.items())))
    assert len({ids for name, ids in expected.items() if name.startswith("wire")}) == 1
    assert expected["short"] == ("short", "short")


def test_write_table_and_read_seen(tmp_path):
    rows = [{"url_key": f"k{i}", "article_id": f"a{i}", "status": "article", "reason": None,
             "run_id": "r1"} for i in range(3)]
    staging = str(tmp_path / "_staging" / "r1")
    (tmp_path / "_staging" / "r1").mkdir(parents=True)
    with beam_pipeline() as p:
        staged = p | beam.Create(rows) | WriteTable("seen", SEEN_SCHEMA, staging, "_state/seen", "r1")
        assert_that(staged | beam.Map(lambda f: f.final_relpath),
                    equal_to(["_state/seen/part-r1-00000.parquet"]))
    written = glob.glob(f"{staging}/seen.*.parquet")
    assert len(written) == 1 and pq.read_table(written[0]).num_rows == 3
    (tmp_path / "_state" / "seen").mkdir(parents=True)
    (tmp_path / "_staging/r1").joinpath(written[0].split("/")[-1]).rename(
        tmp_path / "_state/seen/part-r1-00000.parquet")
    with beam_pipeline() as p:
        keys = p | ReadSeen(str(tmp_path)) | beam.Map(lambda r: r["url_key"])
        assert_that(keys, equal_to(["k0", "k1", "k2"]))


def test_read_seen_on_a_first_run_is_empty(tmp_path):
    with beam_pipeline() as p:
        rows = p | ReadSeen(str(tmp_path))
        assert_that(rows, equal_to([]))


def test_candidate_pairs_skip_a_hash_over_the_cap_within_a_bundle():
    from transforms.grouping import MAX_DOCS_PER_HASH, CandidatePairs, Signature
    # hash 1 is in every article (boilerplate); hash 2 in two of them only
    sigs = [Signature(f"a{i:03d}", f"site{i}.example", T, 10, None)
            for i in range(MAX_DOCS_PER_HASH + 2)]
    with beam_pipeline() as p:
        pairs = (p | beam.Create(sigs)
                 | CandidatePairs(lambda s: [1, 2] if s.article_id in ("a000", "a001") else [1]))
        assert_that(pairs, equal_to([(("a000", "a001"), 1)]))
