"""Fetch article pages concurrently inside each worker; HTML never leaves this fused stage."""
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass
from datetime import datetime, timezone

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.utils.windowed_value import WindowedValue

from schemas.records import FeedEntry, Reject
from transforms.http import FetchError, Fetcher, decode_html, looks_binary
from transforms.memory import limit_fragmentation

REJECTS = "rejects"

HTML_TYPES = ("text/html", "application/xhtml+xml", "")


@dataclass
class FetchedPage:
    entry: FeedEntry
    url: str            # final URL after redirects
    html: str
    fetched_at: datetime
    http_status: int


def fetch_page(fetcher, entry):
    """Fetch one entry's page: a FetchedPage, or a Reject with a stable reason."""
    try:
        response = fetcher.get(entry.link, {"Accept": "text/html,application/xhtml+xml,*/*;q=0.5"},
                               robots=True)
    except FetchError as exc:
        return Reject("article_fetch", exc.reason, exc.url or entry.link, entry.feed_url,
                      exc.detail, exc.http_status, datetime.now(timezone.utc), entry.url_key)
    content_type = response.headers.get("content-type", "")
    if response.content_type not in HTML_TYPES or looks_binary(response.body):
        return Reject("article_fetch", "not_html", response.url, entry.feed_url,
                      f"content type {response.content_type or 'unknown'!r} is not HTML",
                      response.status, datetime.now(timezone.utc), entry.url_key)
    if not response.body.strip():
        return Reject("article_fetch", "no_text", response.url, entry.feed_url, "empty body",
                      response.status, datetime.now(timezone.utc), entry.url_key)
    return FetchedPage(entry, response.url, decode_html(response.body, content_type),
                       response.fetched_at, response.status)


class _FetchFn(beam.DoFn):
    """Keeps up to 2 x threads fetches in flight across a whole bundle, yielding each result as
    it completes: no batch boundary where the pool waits for its slowest request."""

    def __init__(self, policy, threads):
        self.policy = policy
        self.threads = threads
        self.fetched = Metrics.counter("articles", "pages_fetched")
        self.failed = Metrics.counter("articles", "pages_failed")

    def setup(self):
        limit_fragmentation()
        self.fetcher = Fetcher(self.policy)
        self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="fetch")

    def teardown(self):
        self.pool.shutdown(wait=True)
        self.fetcher.close()

    def start_bundle(self):
        self.pending = {}

    def process(self, entry, window=beam.DoFn.WindowParam, timestamp=beam.DoFn.TimestampParam):
        future = self.pool.submit(fetch_page, self.fetcher, entry)
        self.pending[future] = (window, timestamp)
        if len(self.pending) >= 4 * self.threads:
            wait(self.pending, return_when=FIRST_COMPLETED)
        for done in [f for f in self.pending if f.done()]:
            yield self._output(done)

    def finish_bundle(self):
        for done in as_completed(list(self.pending)):
            yield self._output(done)

    def _output(self, done):
        """A result in its own entry's window and timestamp: it may come out while a later
        entry (of a later window, in streaming) is being processed."""
        window, timestamp = self.pending.pop(done)
        result = WindowedValue(done.result(), timestamp, [window])
        if isinstance(result.value, Reject):
            self.failed.inc()
            return beam.pvalue.TaggedOutput(REJECTS, result)
        self.fetched.inc()
        return result


class FetchArticles(beam.PTransform):
    """FeedEntry -> FetchedPage, `threads` requests in flight per worker; rejects on `rejects`."""

    def __init__(self, policy, threads=16):
        super().__init__()
        self.policy = policy
        self.threads = threads

    def expand(self, entries):
        return (entries
                | "Fetch" >> beam.ParDo(_FetchFn(self.policy, self.threads))
                .with_outputs(REJECTS, main="pages"))
