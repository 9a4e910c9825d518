"""ReadFeeds on the runner: entries, rejects at both levels, and each feed's state for the next
conditional GET (transforms/feeds.py)."""
import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import FeedSpec, FeedState, Stage
from tests.conftest import Route, beam_pipeline
from transforms.content.feed import body_hash
from transforms.feeds import ReadFeeds
from transforms.web.http import FetchPolicy

POLICY = FetchPolicy(retries=0, allow_private_hosts=True, total_timeout=5)
RSS = """<rss version="2.0"><channel><title>Test</title>
<item><title>One</title><link>{base}/a.html</link><pubDate>Thu, 01 Aug 2024 10:00:00 +0000</pubDate></item>
<item><title>Two</title><link>{base}/b.html</link></item>
<item><title>Broken</title></item></channel></rss>"""


def test_read_feeds_gives_entries_rejects_and_states(server):
    server.routes["/rss"] = Route(RSS.format(base=server.base), content_type="application/rss+xml",
                                  headers={"ETag": '"v1"'})
    server.routes["/page"] = Route("<html><body><p>not a feed</p></body></html>")
    specs = [FeedSpec(server.url("/rss")), FeedSpec(server.url("/gone")),
             FeedSpec(server.url("/page"))]
    with beam_pipeline() as p:
        out = p | beam.Create(specs) | ReadFeeds(POLICY, "run1")
        assert_that(out.entries | beam.Map(lambda e: e.title), equal_to(["One", "Two"]))
        assert_that(out.rejects | "Reasons" >> beam.Map(lambda r: (r.stage, r.reason)),
                    equal_to([(Stage.FEED_FETCH, "feed_http_error"),
                              (Stage.FEED_PARSE, "not_a_feed")]), label="Rejects")
        # an entry without a link: keyed, so a later poll skips it instead of rejecting again
        assert_that(out.bad_entries | "Bad" >> beam.Map(
            lambda r: (r.stage, r.reason, bool(r.url_key))),
            equal_to([(Stage.ENTRY, "no_link", True)]), label="BadEntries")
        assert_that(out.states | "States" >> beam.Map(
            lambda s: (s.status, s.entries, s.etag, s.run_id)),
            equal_to([("ok", 3, '"v1"', "run1")]), label="States")


def test_a_feed_whose_body_is_unchanged_is_not_parsed_again(server):
    body = RSS.format(base=server.base).encode()
    server.routes["/rss"] = Route(body, content_type="application/rss+xml")
    url = server.url("/rss")
    known = FeedState(feed_url=url, status="ok", entries=3, run_id="run0",
                      content_hash=body_hash(body))
    with beam_pipeline() as p:
        out = (p | beam.Create([FeedSpec(url)])
               | ReadFeeds(POLICY, "run1", p | "Known" >> beam.Create([(url, known)])))
        assert_that(out.entries, equal_to([]))
        assert_that(out.states | beam.Map(lambda s: (s.status, s.entries, s.content_hash)),
                    equal_to([("unchanged", 0, body_hash(body))]), label="States")


def test_a_json_feed_is_read_like_any_feed_and_told_apart_by_its_content(server):
    body = ('{"version": "https://jsonfeed.org/version/1.1", "title": "JSON Outlet", "items": ['
            f'{{"id": "1", "url": "{server.base}/j1.html", "title": "First"}},'
            f'{{"id": "2", "url": "{server.base}/j2.html", "title": "Second"}},'
            '{"id": "3", "url": 42}]}')
    server.routes["/feed"] = Route(body, content_type="text/plain", headers={"ETag": '"j1"'})
    with beam_pipeline() as p:
        out = p | beam.Create([FeedSpec(server.url("/feed"))]) | ReadFeeds(POLICY, "run1")
        assert_that(out.entries | beam.Map(lambda e: (e.title, e.feed_title)),
                    equal_to([("First", "JSON Outlet"), ("Second", "JSON Outlet")]))
        assert_that(out.bad_entries | "Bad" >> beam.Map(lambda r: r.reason),
                    equal_to(["no_link"]), label="BadEntries")
        assert_that(out.states | "States" >> beam.Map(lambda s: (s.status, s.entries, s.etag)),
                    equal_to([("ok", 3, '"j1"')]), label="States")
