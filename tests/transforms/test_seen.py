"""DropSeen joins with `_state`; DropSeenByState keeps keyed state in a streaming job
(transforms/seen.py)."""
from datetime import datetime, timedelta, timezone

import apache_beam as beam
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import window

from schemas.records import FeedEntry
from tests.conftest import beam_pipeline, streaming_pipeline
from transforms.seen import LINKS, DropSeen, DropSeenByState

T0 = datetime(2024, 8, 1, tzinfo=timezone.utc)
HOUR = 3600


def entry(link, feed="http://f.example/rss"):
    return FeedEntry(feed_url=feed, link=link, url_key="k-" + link)


def at(seconds, value):
    return window.TimestampedValue(value, (T0 + timedelta(seconds=seconds)).timestamp())


def test_drop_seen_keeps_one_per_key_and_skips_the_rest():
    entries = [entry("http://x/1", "feed-b"), entry("http://x/1", "feed-a"), entry("http://x/2"),
               entry("http://x/3")]
    with beam_pipeline() as p:
        seen = p | "Seen" >> beam.Create(["k-http://x/3"])
        out = p | beam.Create(entries) | DropSeen(seen, LINKS)
        assert_that(out.fresh | beam.Map(lambda e: (e.link, e.feed_url)),
                    equal_to([("http://x/1", "feed-a"), ("http://x/2", "http://f.example/rss")]))
        assert_that(out.skipped | "Why" >> beam.Map(lambda s: (s.url, s.reason)),
                    equal_to([("http://x/1", "duplicate_in_run"), ("http://x/3", "seen")]),
                    label="Skips")


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
        primed = p | "Primed" >> beam.Create(["k-old"])          # written by an earlier run
        out = p | stream | DropSeenByState(primed, LINKS, HOUR)
        fresh = (out.fresh
                 | "Windows" >> beam.WindowInto(window.FixedWindows(60))
                 | "Keys" >> beam.Map(lambda e: e.link))
        assert_that(fresh, equal_to(["a", "b", "c", "a"]))
        assert_that(out.skipped | "Why" >> beam.Map(lambda s: (s.url, s.reason)),
                    equal_to([("old", "seen"), ("a", "duplicate_in_run")]), label="Skips")
