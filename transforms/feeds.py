"""ReadFeeds: fetch every source of the feed list (conditionally), all hosts at once within
their politeness, and read it (transforms/content/source.py): a feed's or sitemap's entries, or
the sources a home page, robots.txt or sitemap index leads to.

Found sources are read in the next round, keyed by host like the listed ones, so they are
fetched concurrently under the same politeness; there are MAX_DEPTH rounds after the first,
so an index that nests without end, or points back at itself, ends as a reject.
"""
from datetime import timedelta
from typing import NamedTuple

import apache_beam as beam

from schemas.records import Discovery, FeedSpec, FeedState, Reject, Stage
from transforms.content.discovery import robots_url_of
from transforms.content.feed import FeedParseError, body_hash, conditional_headers, feed_state
from transforms.content.source import (DISCOVERING, HOME_PAGE, ROBOTS, entry_count,
                                       read_source)
from transforms.fetch import HOSTS, KEPT_FILES, KEPT_ROWS, FrontierFn, GroupByHost, Request
from transforms.web.urls import UrlError, canonicalize_url, stable_id

REJECTS = "rejects"
BAD_ENTRIES = "bad_entries"
STATES = "states"
SKIPPED = "skipped"
FOUND = "found"
DISCOVERED = "discovered"
FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
               "application/xml, text/xml, */*")
MAX_DEPTH = 4      # home page -> robots.txt -> sitemap index -> index -> sitemap


def _fetch_reject(spec: FeedSpec, exc) -> Reject:
    if spec.expect == ROBOTS:        # the home page's outcome: it led nowhere
        home = spec.found_from
        return Reject(stage=Stage.FEED_PARSE, reason="not_a_feed", url=home, feed_url=home,
                      detail="an HTML page that links no feed, and its site's robots.txt "
                             f"could not be read ({exc.reason}: {exc.detail})"[:500])
    reason = "feed_http_error" if exc.reason.startswith("http_") else exc.reason
    return Reject(stage=Stage.FEED_FETCH, reason=reason, url=spec.url, feed_url=spec.url,
                  detail=exc.detail, http_status=exc.http_status)


def found_sources(spec: FeedSpec, urls, served_at: float, expect=None):
    """The next round's FeedSpecs for what a source led to (on `found`), and Rejects (on
    `bad_entries`) for those that would loop back to a source on the way or go past MAX_DEPTH.

    A child not followed is an unusable entry of its parent, not a failure of the parent, so
    it is rejected once and skipped at later polls, like an entry without a link."""
    via = spec.via + (spec.url,)
    for raw in urls:
        try:
            url = canonicalize_url(raw, base=spec.url)
        except UrlError as exc:
            yield _unfollowed(spec, "bad_url", str(raw)[:2000], f"found in {spec.url}: {exc}")
            continue
        if url in via:
            yield _unfollowed(spec, "source_loop", url, f"{spec.url} leads back to {url}")
        elif len(via) > MAX_DEPTH:
            yield _unfollowed(spec, "too_deep", url,
                              f"found {len(via)} sources deep from {via[0]} "
                              f"(at most {MAX_DEPTH} are followed)")
        else:
            yield beam.pvalue.TaggedOutput(FOUND, FeedSpec(url, spec.name, spec.line, via,
                                                           expect, served_at))


def _unfollowed(spec: FeedSpec, reason: str, url: str, detail: str):
    return beam.pvalue.TaggedOutput(BAD_ENTRIES, Reject(
        stage=Stage.ENTRY, reason=reason, url=url, feed_url=spec.url, detail=detail,
        url_key=stable_id(f"{spec.url} {reason} {url}")))


def _reject(reject: Reject):
    return beam.pvalue.TaggedOutput(REJECTS, reject)


class Fetched(NamedTuple):
    """A source an earlier round of this poll fetched: grouped by host beside the round's
    specs, so a source both listed and found (or found twice, steps apart) is read once."""
    url: str


def sources_to_fetch(records) -> list:
    """The specs of one host's group to fetch: one per URL and poll (a streaming job's polls
    share a window, each has its own timestamp, which found sources inherit), none that an
    earlier round fetched, and of two sources that name one child the shortest chain (then
    the first by order, whatever the arrival)."""
    def key(windowed):
        return windowed.value.url, windowed.windows[0], windowed.timestamp
    records = list(records)
    fetched = {key(w) for w in records if isinstance(w.value, Fetched)}
    chosen = {}
    for windowed in records:
        spec = windowed.value
        if isinstance(spec, Fetched) or key(windowed) in fetched:
            continue
        held = chosen.get(key(windowed))
        if held is None or (len(spec.via), spec.via) < (len(held.value.via), held.value.via):
            chosen[key(windowed)] = windowed
    return list(chosen.values())


def source_outputs(spec: FeedSpec, known, done, run_id: str, same_site_links: bool = False,
                   recent: timedelta = timedelta(days=3)):
    """What one fetched source gives: its FeedState on `states`, its entries, the whole
    source's reject on `rejects`, its entries without a usable link on `bad_entries`, its
    entries older than `recent` on `skipped`, the sources it leads to on `found`, and what it
    led to on `discovered`."""
    if done.error is not None:
        yield _reject(_fetch_reject(spec, done.error))
        return
    response = done.response
    rereads = known is not None and known.kind not in DISCOVERING
    if rereads and (response.status == 304 or (
            response.status == 200 and known.content_hash == body_hash(response.body))):
        status = "not_modified" if response.status == 304 else "unchanged"
        yield beam.pvalue.TaggedOutput(STATES, feed_state(spec, response, known, status, 0,
                                                          run_id))
        return
    try:
        read = read_source(response.body, spec.url, response.headers.get("content-type", ""),
                           spec.name, same_site_links, spec.expect, discover=not spec.via,
                           recent=recent)
    except FeedParseError as exc:
        yield _reject(Reject(stage=Stage.FEED_PARSE, reason=exc.reason, url=spec.url,
                             feed_url=spec.url, detail=exc.detail))
        return
    served_at = response.fetched_at.timestamp()
    if read.kind == HOME_PAGE and not read.found:
        # no feed links: the site's robots.txt may list sitemaps; the page's outcome waits
        robots = robots_url_of(spec.url)
        if robots == spec.url:          # robots.txt served as HTML: nowhere else to look
            yield _reject(Reject(stage=Stage.FEED_PARSE, reason="not_a_feed", url=spec.url,
                                 feed_url=spec.url, detail="an HTML page that links no feed"))
            return
        yield from found_sources(spec, [robots], served_at, ROBOTS)
        return
    if read.kind == ROBOTS:
        home = FeedSpec(spec.found_from, spec.name, spec.line, spec.via[:-1])
        if not read.found:
            yield _reject(Reject(stage=Stage.FEED_PARSE, reason="not_a_feed", url=home.url,
                                 feed_url=home.url,
                                 detail="an HTML page that links no feed, and its site's "
                                        "robots.txt lists no sitemap"))
            return
        yield beam.pvalue.TaggedOutput(STATES, FeedState(
            feed_url=home.url, status="ok", entries=0, run_id=run_id, kind=HOME_PAGE))
        yield beam.pvalue.TaggedOutput(DISCOVERED, Discovery(
            home.url, HOME_PAGE, home.found_from, (spec.url,)))
    found = list(found_sources(spec, read.found, served_at)) if read.kind in DISCOVERING \
        else []
    unfollowed = sum(1 for output in found if output.tag == BAD_ENTRIES)
    yield beam.pvalue.TaggedOutput(STATES, feed_state(
        spec, response, known, "ok", entry_count(read) + unfollowed, run_id, read.kind))
    if read.kind in DISCOVERING:
        yield beam.pvalue.TaggedOutput(DISCOVERED, Discovery(
            spec.url, read.kind, spec.found_from, tuple(read.found), read.skipped_old))
        yield from found
    for reject in read.rejects:
        yield beam.pvalue.TaggedOutput(BAD_ENTRIES, reject)
    for skip in read.skips:
        yield beam.pvalue.TaggedOutput(SKIPPED, skip)
    for entry in read.entries:
        entry.feed_fetched_at = response.fetched_at
        yield entry


class _FetchSourcesFn(FrontierFn):
    capture_kind = "feed"

    def __init__(self, policy, threads, run_id, same_site_links=False,
                 recent=timedelta(days=3), keep=None):
        super().__init__(policy, threads, keep)
        self.run_id = run_id
        self.same_site_links = same_site_links
        self.recent = recent

    def process(self, element, known_feeds):
        yield from self.submit(sources_to_fetch(element[1]), known_feeds=known_feeds)

    def feed_of(self, spec):
        return spec.url

    def request(self, spec, known_feeds):
        known = known_feeds.get(spec.url)
        # a home page, robots.txt or index is read in full: what it leads to may have changed
        conditional = conditional_headers(known) if known and known.kind not in DISCOVERING \
            else {}
        # sources are the operator's choice (or found from one): no robots.txt
        return Request(spec.url, {"Accept": FEED_ACCEPT, **conditional}, False, known,
                       spec.after)

    def outputs(self, spec, known, done):
        return source_outputs(spec, known, done, self.run_id, self.same_site_links,
                              self.recent)


class Feeds(NamedTuple):
    entries: beam.PCollection       # FeedEntry
    rejects: beam.PCollection       # Reject of a whole source
    bad_entries: beam.PCollection   # Reject of an entry without a usable link
    states: beam.PCollection        # FeedState
    hosts: beam.PCollection         # HostReport
    skipped: beam.PCollection       # Skip of a sitemap entry older than the recency window
    discovered: beam.PCollection    # Discovery
    kept_files: beam.PCollection    # StagedFile of WARC files (with --keep_pages)
    kept_rows: beam.PCollection     # their rows of the pages table


OUTPUTS = (REJECTS, BAD_ENTRIES, STATES, HOSTS, SKIPPED, DISCOVERED, KEPT_FILES, KEPT_ROWS)


class ReadFeeds(beam.PTransform):
    """FeedSpec -> Feeds(entries, rejects, bad_entries, states, hosts, skipped, discovered,
    kept_files, kept_rows).

    known_feeds: (feed_url, FeedState) from earlier runs, for conditional GET (None: none).
    recent: sitemap entries and index children older than this are skipped unrequested.
    keep: where to keep what was fetched (--keep_pages; transforms/pages.py).
    """

    def __init__(self, policy, run_id, known_feeds=None, same_site_links=False, threads=16,
                 streaming=False, recent=timedelta(days=3), keep=None):
        super().__init__()
        self.keep = keep
        self.policy = policy
        self.run_id = run_id
        self.known_feeds = known_feeds
        self.same_site_links = same_site_links
        self.threads = threads
        self.streaming = streaming
        self.recent = recent

    def expand(self, specs):
        known = self.known_feeds
        if known is None:
            known = specs.pipeline | "NoKnownFeeds" >> beam.Create([])
        known = beam.pvalue.AsDict(known)
        rounds, fetched = [], []
        for depth in range(MAX_DEPTH + 1):
            label = "Listed" if depth == 0 else f"Found{depth}"
            fetched.append(specs | f"{label}/AsFetched" >> beam.Map(lambda s: Fetched(s.url)))
            # the sources of earlier rounds ride along (batch: in the same group)
            earlier = fetched[:-1]
            if earlier:
                specs = (specs, *earlier) | f"{label}/WithEarlier" >> beam.Flatten()
            read = (specs
                    | f"{label}/ByHost" >> GroupByHost(lambda s: s.url, self.streaming)
                    | f"{label}/FetchAndRead" >> beam.ParDo(
                        _FetchSourcesFn(self.policy, self.threads, self.run_id,
                                        self.same_site_links, self.recent, self.keep),
                        known_feeds=known)
                    .with_outputs(FOUND, *OUTPUTS, main="entries"))
            rounds.append(read)
            specs = read[FOUND]    # empty after the last round: found_sources refuses deeper

        def every(tag):
            return [r[tag] for r in rounds] | f"All/{tag}" >> beam.Flatten()

        return Feeds(every("entries"), *(every(tag) for tag in OUTPUTS))
