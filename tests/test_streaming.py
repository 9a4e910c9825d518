"""Streaming state with TestStream: dedup and grouping across windows, and expiry after a TTL."""
from datetime import datetime, timedelta, timezone

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import window

from schemas.records import FeedEntry
from tests.test_grouping import seed_texts
from transforms.seen import skip_entry
from transforms.streaming import DedupByKeyState, GroupArticlesStreaming

T0 = datetime(2024, 8, 1, tzinfo=timezone.utc)
HOUR = 3600


def streaming_pipeline():
    """TestStream runs on the bundle-based direct runner (the FnApiRunner has no TestStream)."""
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    return beam.Pipeline(runner=BundleBasedDirectRunner(), options=options)


def at(seconds, value):
    return window.TimestampedValue(value, (T0 + timedelta(seconds=seconds)).timestamp())


def entry(link):
    return FeedEntry(feed_url="f", link=link, url_key=link)


def test_entries_are_deduplicated_across_windows_until_the_ttl():
    start = T0.timestamp()
    stream = (TestStream()
              .advance_watermark_to(start)
              .add_elements([at(10, entry("a")), at(10, entry("b")), at(20, entry("old"))])
              .advance_watermark_to(start + 120)
              .add_elements([at(130, entry("a")), at(130, entry("c"))])     # a: seen 2 min ago
              .advance_watermark_to(start + 2 * HOUR)
              .add_elements([at(2 * HOUR + 10, entry("a"))])                 # a: TTL passed
              .advance_watermark_to_infinity())
    with streaming_pipeline() as p:
        primed = p | "Primed" >> beam.Create(["old"])          # written by an earlier run
        out = (p | stream
               | DedupByKeyState(lambda e: e.url_key, HOUR, skip_entry, primed))
        fresh = (out.fresh
                 | "Windows" >> beam.WindowInto(window.FixedWindows(60))
                 | "Keys" >> beam.Map(lambda e: e.link))
        assert_that(fresh, equal_to(["a", "b", "c", "a"]))
        assert_that(out.skipped | "Why" >> beam.Map(lambda s: (s.url, s.reason)),
                    equal_to([("old", "seen"), ("a", "duplicate_in_run")]), label="Skips")


def row(article_id, text, hours, domain):
    when = T0 + timedelta(hours=hours)
    return {"article_id": article_id, "text": text, "published_at": when, "fetched_at": when,
            "word_count": len(text.split()), "source_domain": domain}


def test_late_copies_and_rewrites_join_written_groups_until_the_ttl():
    jns, toi, copy = seed_texts()
    start = T0.timestamp()
    stream = (TestStream()
              .advance_watermark_to(start)
              .add_elements([at(60, row("toi", toi, 0, "toi.example"))])
              .advance_watermark_to(start + 2 * HOUR)
              .add_elements([at(2 * HOUR + 60, row("copy", copy, 2, "harbor.example")),
                             at(2 * HOUR + 60, row("jns", jns, 2, "jns.example"))])
              .advance_watermark_to(start + 100 * HOUR)
              .add_elements([at(100 * HOUR + 60, row("late", copy, 100, "late.example"))])
              .advance_watermark_to_infinity())
    with streaming_pipeline() as p:
        out = (p | stream
               | beam.WindowInto(window.FixedWindows(HOUR))
               | GroupArticlesStreaming(ttl_seconds=72 * HOUR))
        assert_that(out["index"] | "Indexed" >> beam.Map(lambda r: (r["article_id"], r["dup_id"])),
                    equal_to([("toi", "toi"), ("copy", "toi"), ("jns", "jns"),
                              ("late", "late")]), label="Index")
        assert_that(out["articles"] | beam.Map(lambda a: (a["article_id"], a["dup_id"], a["story_id"])),
                    equal_to([("toi", "toi", "toi"),
                              ("copy", "toi", "toi"),        # a late copy gets the written dup_id
                              ("jns", "jns", "toi"),         # a rewrite joins the written story
                              ("late", "late", "late")]))    # past the TTL: state has expired
