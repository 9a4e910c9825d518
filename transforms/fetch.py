"""FetchArticles: every entry's page, all hosts at once, each host within its politeness for
the whole job; HTML never leaves the fetch-and-extract stage.

Entries are grouped by host first (GroupByHost), so one host's requests are made by one worker
at a time whatever the runner, and its pacing (transforms/web/politeness.py) holds for the job,
not per worker process. Inside a worker, a frontier (transforms/web/frontier.py) runs every host
it holds at once. On distributed runners the pages are reshuffled afterwards, so extraction
spreads over all workers even when a few hosts hold most entries.
"""
from typing import NamedTuple, Optional, Union

import apache_beam as beam
from apache_beam.transforms import trigger
from apache_beam.transforms.window import GlobalWindow, GlobalWindows, TimestampCombiner
from apache_beam.utils.windowed_value import WindowedValue

from dataset.publish import StagedFile
from schemas.records import Capture, FeedEntry, FetchedPage, Reject, Stage
from transforms.pages import KeepPages, PagesWriter
from transforms.runtime.memory import limit_fragmentation
from transforms.web.frontier import Done, Frontier
from transforms.web.http import Fetcher, decode_html, looks_binary
from transforms.web.politeness import host_key
from transforms.web.warc import record_id

REJECTS = "rejects"
HOSTS = "hosts"
KEPT_FILES = "kept_files"     # --keep_pages: StagedFile of each WARC file a bundle wrote
KEPT_ROWS = "kept_rows"       # and the pages table's rows for them

HTML_TYPES = ("text/html", "application/xhtml+xml", "")
PAGE_ACCEPT = "text/html,application/xhtml+xml,*/*;q=0.5"


def _keyed_by_host(record, url_of, timestamp=beam.DoFn.TimestampParam,
                   window=beam.DoFn.WindowParam):
    return host_key(url_of(record)), WindowedValue(record, timestamp, [window])


class GroupByHost(beam.PTransform):
    """records -> (host, [WindowedValue of a record]) by the host of `url_of(record)`, each
    record keeping its own timestamp and window (as Beam's Reshuffle does).

    streaming: a group fires as soon as records arrive (the trigger Reshuffle uses); a
    streaming runner routes one key to one worker at a time.
    """

    def __init__(self, url_of, streaming=False):
        super().__init__()
        self.url_of = url_of
        self.streaming = streaming

    def expand(self, records):
        keyed = records | "KeyByHost" >> beam.Map(_keyed_by_host, self.url_of)
        if self.streaming:
            keyed = keyed | "FireOnArrival" >> beam.WindowInto(
                GlobalWindows(), trigger=trigger.Always(),
                accumulation_mode=trigger.AccumulationMode.DISCARDING,
                timestamp_combiner=TimestampCombiner.OUTPUT_AT_EARLIEST)
        return keyed | "GroupByHost" >> beam.GroupByKey()


def page_of(entry: FeedEntry, done: Done) -> Union[FetchedPage, Reject]:
    """An entry's FetchedPage, or its Reject with a stable reason."""
    if done.error is not None:
        exc = done.error
        return Reject(stage=Stage.ARTICLE_FETCH, reason=exc.reason, url=exc.url or entry.link,
                      feed_url=entry.feed_url, detail=exc.detail, http_status=exc.http_status,
                      url_key=entry.url_key)
    response = done.response
    content_type = response.headers.get("content-type", "")
    if response.content_type not in HTML_TYPES or looks_binary(response.body):
        return Reject(stage=Stage.ARTICLE_FETCH, reason="not_html", url=response.url,
                      feed_url=entry.feed_url,
                      detail=f"content type {response.content_type or 'unknown'!r} is not HTML",
                      http_status=response.status, url_key=entry.url_key)
    if not response.body.strip():
        return Reject(stage=Stage.ARTICLE_FETCH, reason="no_text", url=response.url,
                      feed_url=entry.feed_url, detail="empty body", http_status=response.status,
                      url_key=entry.url_key)
    return FetchedPage(entry, response.url, decode_html(response.body, content_type),
                       response.fetched_at, response.status,
                       record_id(done.exchanges[-1]) if done.exchanges else None)


class Request(NamedTuple):
    """The GET a record needs. about: what outputs() gets back with the result. after: when
    (epoch seconds) the host last had a request in another stage (the entry's feed)."""
    url: str
    headers: dict
    robots: bool
    about: object = None
    after: Optional[float] = None


class FrontierFn(beam.DoFn):
    """Base of the fetching DoFns: (host, [records]) from GroupByHost in, a frontier per worker
    process across bundles (pacing and robots.txt carry over in a streaming job), results out
    as they finish, each in its record's window, and at the end of a bundle a HostReport of
    every host it slowed down or gave up on. keep: where to keep what was fetched
    (--keep_pages; transforms/pages.py), each bundle writing its own WARC files."""

    def __init__(self, policy, threads, keep: Optional[KeepPages] = None):
        self.policy = policy
        self.threads = threads
        self.keep = keep

    def setup(self):
        limit_fragmentation()
        self.fetcher = Fetcher(self.policy)
        self.frontier = Frontier(self.fetcher, self.threads)

    def teardown(self):
        self.frontier.close()
        self.fetcher.close()

    def start_bundle(self):
        self.last = (GlobalWindow(), GlobalWindow().max_timestamp())
        self.kept = PagesWriter(self.keep) if self.keep is not None else None

    def submit(self, records, **context):
        """Queue one group's records (each a WindowedValue); yields what has finished
        meanwhile, each result in its own record's window."""
        for windowed in records:
            record, window, timestamp = windowed.value, windowed.windows[0], windowed.timestamp
            self.last = (window, timestamp)
            request = self.request(record, **context)
            self.frontier.submit(request.url, request.headers, request.robots,
                                 (record, request.about, window, timestamp), request.after)
        for done in self.frontier.ready():
            yield from self._emit(done)

    def finish_bundle(self):
        for done in self.frontier.drain():
            yield from self._emit(done)
        window, timestamp = self.last
        for report in self.frontier.reports():
            yield beam.pvalue.TaggedOutput(HOSTS, WindowedValue(report, timestamp, [window]))
        for at, in_window, kept in self.kept.close() if self.kept is not None else ():
            tag = KEPT_FILES if isinstance(kept, StagedFile) else KEPT_ROWS
            yield beam.pvalue.TaggedOutput(tag, WindowedValue(kept, at, [in_window]))

    def _emit(self, done):
        record, about, window, timestamp = done.tag
        if done.exchanges and self.kept is not None:   # what was sent and received
            self.kept.add(Capture(self.capture_kind, done.exchanges, self.feed_of(record),
                                  self.entry_of(record, done)), timestamp, window)
        for output in self.outputs(record, about, done):
            if isinstance(output, beam.pvalue.TaggedOutput):
                yield beam.pvalue.TaggedOutput(
                    output.tag, WindowedValue(output.value, timestamp, [window]))
            else:
                yield WindowedValue(output, timestamp, [window])

    capture_kind = "page"       # what the pages table calls this DoFn's captures

    def feed_of(self, record) -> Optional[str]:
        return None

    def entry_of(self, record, done) -> Optional[FeedEntry]:
        """The evidence stored beside a page that became (or may become) an article."""
        return None

    def request(self, record, **context) -> Request:
        raise NotImplementedError

    def outputs(self, record, about, done):
        """What a finished GET gives: main outputs, and TaggedOutputs."""
        raise NotImplementedError


class _FetchPagesFn(FrontierFn):
    def process(self, element):
        yield from self.submit(element[1])

    def feed_of(self, entry):
        return entry.feed_url

    def entry_of(self, entry, done):
        return entry if done.response is not None else None

    def request(self, entry):
        # the feed was fetched from this host moments ago, in ReadFeeds: it counts
        after = entry.feed_fetched_at.timestamp() if entry.feed_fetched_at and \
            host_key(entry.link) == host_key(entry.feed_url) else None
        return Request(entry.link, {"Accept": PAGE_ACCEPT}, True, after=after)

    def outputs(self, entry, _about, done):
        result = page_of(entry, done)
        yield beam.pvalue.TaggedOutput(REJECTS, result) if isinstance(result, Reject) else result


class Fetched(NamedTuple):
    pages: beam.PCollection       # FetchedPage
    rejects: beam.PCollection     # Reject
    hosts: beam.PCollection       # HostReport
    kept_files: beam.PCollection  # StagedFile of WARC files (with --keep_pages)
    kept_rows: beam.PCollection   # their rows of the pages table


class FetchArticles(beam.PTransform):
    """FeedEntry -> FetchedPage on `pages`; Rejects on `rejects`; HostReports on `hosts`;
    with `keep`, the WARC files of what was fetched on `kept_files`, their index rows on
    `kept_rows`.

    threads: requests in flight per worker, across all its hosts. spread: reshuffle the pages
    (distributed runners: extraction then uses every worker; locally it would only hold every
    page in memory until all were fetched).
    """

    def __init__(self, policy, threads=16, streaming=False, spread=False, keep=None):
        super().__init__()
        self.policy = policy
        self.threads = threads
        self.streaming = streaming
        self.spread = spread
        self.keep = keep

    def expand(self, entries):
        fetched = (entries
                   | "ByHost" >> GroupByHost(lambda e: e.link, self.streaming)
                   | "Fetch" >> beam.ParDo(_FetchPagesFn(self.policy, self.threads, self.keep))
                   .with_outputs(REJECTS, HOSTS, KEPT_FILES, KEPT_ROWS, main="pages"))
        pages = fetched.pages
        if self.spread:
            pages = pages | "SpreadPages" >> beam.Reshuffle()
        return Fetched(pages, fetched[REJECTS], fetched[HOSTS], fetched[KEPT_FILES],
                       fetched[KEPT_ROWS])
