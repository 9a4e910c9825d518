"""FetchArticles: fetch each entry's page concurrently inside the worker; HTML never leaves the
fetch-and-extract stage."""
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, as_completed, wait

import apache_beam as beam
from apache_beam.utils.windowed_value import WindowedValue

from schemas.records import FeedEntry, FetchedPage, Reject, Stage
from transforms.runtime.memory import limit_fragmentation
from transforms.web.http import FetchError, Fetcher, decode_html, looks_binary

REJECTS = "rejects"

HTML_TYPES = ("text/html", "application/xhtml+xml", "")
PAGE_ACCEPT = "text/html,application/xhtml+xml,*/*;q=0.5"


def fetch_page(fetcher: Fetcher, entry: FeedEntry):
    """Fetch one entry's page: a FetchedPage, or a Reject with a stable reason."""
    try:
        response = fetcher.get(entry.link, {"Accept": PAGE_ACCEPT}, robots=True)
    except FetchError as exc:
        return Reject(stage=Stage.ARTICLE_FETCH, reason=exc.reason, url=exc.url or entry.link,
                      feed_url=entry.feed_url, detail=exc.detail, http_status=exc.http_status,
                      url_key=entry.url_key)
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
                       response.fetched_at, response.status)


class _FetchFn(beam.DoFn):
    """Keeps up to 2 x threads fetches in flight across a whole bundle, yielding each result as
    it completes: no batch boundary where the pool waits for its slowest request."""

    def __init__(self, policy, threads):
        self.policy = policy
        self.threads = threads

    def setup(self):
        limit_fragmentation()
        self.fetcher = Fetcher(self.policy)
        self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="fetch")

    def teardown(self):
        self.pool.shutdown(wait=True)
        self.fetcher.close()

    def start_bundle(self):
        self.pending = {}

    def process(self, entry: FeedEntry, window=beam.DoFn.WindowParam,
                timestamp=beam.DoFn.TimestampParam):
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
            return beam.pvalue.TaggedOutput(REJECTS, result)
        return result


class FetchArticles(beam.PTransform):
    """FeedEntry -> FetchedPage on `pages`, `threads` requests in flight per worker; rejects on
    `rejects`."""

    def __init__(self, policy, threads=16):
        super().__init__()
        self.policy = policy
        self.threads = threads

    def expand(self, entries):
        return (entries
                | "Fetch" >> beam.ParDo(_FetchFn(self.policy, self.threads))
                .with_outputs(REJECTS, main="pages"))
