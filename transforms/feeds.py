"""ReadFeeds: fetch each feed of the list (conditionally) and parse its entries
(transforms/content/feed.py)."""
import apache_beam as beam

from schemas.records import FeedSpec, Reject, Stage
from transforms.content.feed import (FeedParseError, body_hash, conditional_headers, feed_state,
                                     parse_feed)
from transforms.web.http import FetchError, Fetcher

REJECTS = "rejects"
STATES = "states"
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml, text/xml, */*"


class _FetchAndParseFeedFn(beam.DoFn):
    def __init__(self, policy, run_id, same_site_links=False):
        self.policy = policy
        self.run_id = run_id
        self.same_site_links = same_site_links

    def setup(self):
        self.fetcher = Fetcher(self.policy)

    def teardown(self):
        self.fetcher.close()

    def process(self, spec: FeedSpec, known_feeds):
        known = known_feeds.get(spec.url)
        try:
            response = self.fetcher.get(spec.url, {"Accept": FEED_ACCEPT,
                                                   **conditional_headers(known)})
            if response.status == 304 or (known and response.status == 200 and
                                           known.content_hash == body_hash(response.body)):
                status = "not_modified" if response.status == 304 else "unchanged"
                yield beam.pvalue.TaggedOutput(STATES, feed_state(spec, response, known, status, 0,
                                                                  self.run_id))
                return
            entries, rejects = parse_feed(response.body, spec.url,
                                          response.headers.get("content-type", ""), spec.name,
                                          self.same_site_links)
        except FetchError as exc:
            reason = "feed_http_error" if exc.reason.startswith("http_") else exc.reason
            yield beam.pvalue.TaggedOutput(REJECTS, Reject(
                stage=Stage.FEED_FETCH, reason=reason, url=spec.url, feed_url=spec.url,
                detail=exc.detail, http_status=exc.http_status))
            return
        except FeedParseError as exc:
            yield beam.pvalue.TaggedOutput(REJECTS, Reject(
                stage=Stage.FEED_PARSE, reason=exc.reason, url=spec.url, feed_url=spec.url,
                detail=exc.detail))
            return
        yield beam.pvalue.TaggedOutput(STATES, feed_state(
            spec, response, known, "ok", len(entries) + len(rejects), self.run_id))
        for reject in rejects:
            yield beam.pvalue.TaggedOutput(REJECTS, reject)
        yield from entries


class ReadFeeds(beam.PTransform):
    """FeedSpec -> FeedEntry on `entries`; feed- and entry-level rejects on `rejects`, and each
    fetched feed's FeedState on `states`.

    known_feeds: (feed_url, FeedState) from earlier runs, for conditional GET (None: none).
    """

    def __init__(self, policy, run_id, known_feeds=None, same_site_links=False):
        super().__init__()
        self.policy = policy
        self.run_id = run_id
        self.known_feeds = known_feeds
        self.same_site_links = same_site_links

    def expand(self, specs):
        known = self.known_feeds
        if known is None:
            known = specs.pipeline | "NoKnownFeeds" >> beam.Create([])
        return (specs
                | "SpreadFeeds" >> beam.Reshuffle()
                | "FetchAndParse" >> beam.ParDo(_FetchAndParseFeedFn(self.policy, self.run_id,
                                                                     self.same_site_links),
                                                known_feeds=beam.pvalue.AsDict(known))
                .with_outputs(REJECTS, STATES, main="entries"))
