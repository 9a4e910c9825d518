"""ReadFeeds: fetch every feed of the list (conditionally), all hosts at once within their
politeness, and parse its entries (transforms/content/feed.py)."""
from typing import NamedTuple

import apache_beam as beam

from schemas.records import FeedSpec, Reject, Stage
from transforms.content.feed import (FeedParseError, body_hash, conditional_headers, feed_state,
                                     parse_feed)
from transforms.fetch import HOSTS, FrontierFn, GroupByHost, Request

REJECTS = "rejects"
BAD_ENTRIES = "bad_entries"
STATES = "states"
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml, text/xml, */*"


def feed_outputs(spec: FeedSpec, known, done, run_id: str, same_site_links: bool = False):
    """What one fetched feed gives: its FeedState on `states`, its entries, the whole feed's
    reject on `rejects`, and its entries without a usable link on `bad_entries`."""
    if done.error is not None:
        exc = done.error
        reason = "feed_http_error" if exc.reason.startswith("http_") else exc.reason
        yield beam.pvalue.TaggedOutput(REJECTS, Reject(
            stage=Stage.FEED_FETCH, reason=reason, url=spec.url, feed_url=spec.url,
            detail=exc.detail, http_status=exc.http_status))
        return
    response = done.response
    if response.status == 304 or (known and response.status == 200 and
                                   known.content_hash == body_hash(response.body)):
        status = "not_modified" if response.status == 304 else "unchanged"
        yield beam.pvalue.TaggedOutput(STATES, feed_state(spec, response, known, status, 0,
                                                          run_id))
        return
    try:
        entries, rejects = parse_feed(response.body, spec.url,
                                      response.headers.get("content-type", ""), spec.name,
                                      same_site_links)
    except FeedParseError as exc:
        yield beam.pvalue.TaggedOutput(REJECTS, Reject(
            stage=Stage.FEED_PARSE, reason=exc.reason, url=spec.url, feed_url=spec.url,
            detail=exc.detail))
        return
    yield beam.pvalue.TaggedOutput(STATES, feed_state(
        spec, response, known, "ok", len(entries) + len(rejects), run_id))
    for reject in rejects:
        yield beam.pvalue.TaggedOutput(BAD_ENTRIES, reject)
    for entry in entries:
        entry.feed_fetched_at = response.fetched_at
        yield entry


class _FetchFeedsFn(FrontierFn):
    def __init__(self, policy, threads, run_id, same_site_links=False):
        super().__init__(policy, threads)
        self.run_id = run_id
        self.same_site_links = same_site_links

    def process(self, element, known_feeds):
        yield from self.submit(element[1], known_feeds=known_feeds)

    def request(self, spec, known_feeds):
        known = known_feeds.get(spec.url)
        # feeds are the operator's choice: no robots.txt
        return Request(spec.url, {"Accept": FEED_ACCEPT, **conditional_headers(known)}, False,
                       known)

    def outputs(self, spec, known, done):
        return feed_outputs(spec, known, done, self.run_id, self.same_site_links)


class Feeds(NamedTuple):
    entries: beam.PCollection       # FeedEntry
    rejects: beam.PCollection       # Reject of a whole feed
    bad_entries: beam.PCollection   # Reject of an entry without a usable link
    states: beam.PCollection        # FeedState
    hosts: beam.PCollection         # HostReport


class ReadFeeds(beam.PTransform):
    """FeedSpec -> Feeds(entries, rejects, bad_entries, states, hosts).

    known_feeds: (feed_url, FeedState) from earlier runs, for conditional GET (None: none).
    """

    def __init__(self, policy, run_id, known_feeds=None, same_site_links=False, threads=16,
                 streaming=False):
        super().__init__()
        self.policy = policy
        self.run_id = run_id
        self.known_feeds = known_feeds
        self.same_site_links = same_site_links
        self.threads = threads
        self.streaming = streaming

    def expand(self, specs):
        known = self.known_feeds
        if known is None:
            known = specs.pipeline | "NoKnownFeeds" >> beam.Create([])
        read = (specs
                | "ByHost" >> GroupByHost(lambda s: s.url, self.streaming)
                | "FetchAndParse" >> beam.ParDo(
                    _FetchFeedsFn(self.policy, self.threads, self.run_id, self.same_site_links),
                    known_feeds=beam.pvalue.AsDict(known))
                .with_outputs(REJECTS, BAD_ENTRIES, STATES, HOSTS, main="entries"))
        return Feeds(read.entries, read[REJECTS], read[BAD_ENTRIES], read[STATES], read[HOSTS])
