"""ReadFeeds on the runner: entries, rejects at both levels, and each feed's state for the next
conditional GET (transforms/feeds.py)."""
import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import WindowedValue

from schemas.records import FeedSpec, FeedState, Stage
from tests.conftest import FIXTURES, Route, beam_pipeline
from transforms.content.feed import body_hash
from transforms.feeds import Fetched, ReadFeeds, sources_to_fetch
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


def test_sitemaps_and_json_feeds_are_fetched_conditionally_indexes_in_full(server):
    # real samples (tests/fixtures/feeds/README.md, tests/fixtures/sources/README.md)
    json_feed = (FIXTURES / "feeds" / "jsonfeed-1.1-daringfireball.json").read_bytes()
    sitemap = (FIXTURES / "sources" / "news-sitemap-rijksoverheid.xml").read_bytes()
    index = (f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
             f'<loc>{server.base}/gone.xml</loc></sitemap></sitemapindex>').encode()
    asked = {}

    def validated(body, etag=None, modified=None):
        def answer(handler, n):
            asked[handler.path] = (handler.headers.get("If-None-Match"),
                                   handler.headers.get("If-Modified-Since"))
            if (etag and asked[handler.path][0] == etag) or \
                    (modified and asked[handler.path][1] == modified):
                return Route(b"", 304)
            return Route(body, content_type="application/xml",
                         headers={"ETag": etag} if etag else {})
        return answer

    when = "Wed, 02 Dec 2026 08:00:00 GMT"
    server.routes["/feed.json"] = validated(json_feed, etag='"df1"')
    server.routes["/news.xml"] = validated(sitemap, modified=when)
    server.routes["/same.xml"] = validated(sitemap)                 # no validators: same body
    server.routes["/index.xml"] = validated(index, etag='"i1"')
    known = [FeedState(server.url("/feed.json"), "ok", 3, "run0", etag='"df1"'),
             FeedState(server.url("/news.xml"), "ok", 9, "run0", last_modified=when,
                       kind="sitemap"),
             FeedState(server.url("/same.xml"), "ok", 9, "run0", content_hash=body_hash(sitemap),
                       kind="sitemap"),
             FeedState(server.url("/index.xml"), "ok", 1, "run0", etag='"i1"',
                       kind="sitemap_index")]
    with beam_pipeline() as p:
        out = (p | beam.Create([FeedSpec(s.feed_url) for s in known])
               | ReadFeeds(POLICY, "run1", p | "Known" >> beam.Create(
                   [(s.feed_url, s) for s in known])))
        assert_that(out.states | beam.Map(
            lambda s: (s.feed_url.rsplit("/", 1)[1], s.status, s.kind)),
            equal_to([("feed.json", "not_modified", "feed"),
                      ("news.xml", "not_modified", "sitemap"),
                      ("same.xml", "unchanged", "sitemap"),
                      ("index.xml", "ok", "sitemap_index")]))
    # an index is read in full: what it points at may have changed
    assert asked["/index.xml"] == (None, None)
    assert asked["/feed.json"][0] == '"df1"' and asked["/news.xml"][1] == when


def test_a_source_is_fetched_once_per_poll():
    def at(spec, ts):
        return WindowedValue(spec, ts, [GlobalWindow()])
    child = "https://example.org/s1.xml"
    long_way = FeedSpec(child, via=("https://example.org/", "https://example.org/i2.xml",
                                    "https://example.org/i3.xml"))
    short_way = FeedSpec(child, via=("https://example.org/", "https://example.org/i1.xml"))
    kept = sources_to_fetch([at(long_way, 10), at(short_way, 10), at(long_way, 20)])
    # one per poll (timestamp), the shorter chain within a poll
    assert [(w.value.via, w.timestamp) for w in kept] == [(short_way.via, 10),
                                                         (long_way.via, 20)]
    # a source an earlier round of the same poll fetched is not fetched again
    kept = sources_to_fetch([at(short_way, 10), at(Fetched(child), 10), at(long_way, 20)])
    assert [w.timestamp for w in kept] == [20]


def test_a_source_both_listed_and_found_is_read_once(server):
    server.routes["/"] = Route('<!doctype html><html><head><link rel="alternate" '
                               'type="application/rss+xml" href="/rss"></head></html>')
    server.routes["/rss"] = Route(RSS.format(base=server.base), content_type="application/rss+xml")
    specs = [FeedSpec(server.url("/")), FeedSpec(server.url("/rss"))]
    with beam_pipeline() as p:
        out = p | beam.Create(specs) | ReadFeeds(POLICY, "run1")
        assert_that(out.states | beam.Map(lambda s: (s.feed_url.rsplit("/", 1)[1], s.kind)),
                    equal_to([("", "home_page"), ("rss", "feed")]))
        assert_that(out.entries | "Titles" >> beam.Map(lambda e: e.title),
                    equal_to(["One", "Two"]), label="Entries")
    assert server.hits["/rss"] == 1
