"""ExtractText: each fetched page's text and metadata (transforms/content/page.py), in child
processes that a hang or a crash in C code cannot take down with them."""
import apache_beam as beam
from apache_beam.utils.windowed_value import WindowedValue

from schemas.records import ExtractedPage, FetchedPage, Reject, Stage
from transforms.content.page import extract_page
from transforms.runtime.isolation import CallCrashed, CallTimeout, PipelinedCalls
from transforms.runtime.memory import limit_fragmentation

REJECTS = "rejects"

# Pages after which a bundle's end closes the extraction child (restarting it costs ~1 s, well
# under 1% of extracting this many); streaming bundles are smaller and keep their child.
RELEASE_AFTER = 1000


class _ExtractFn(beam.DoFn):
    """Extraction in child processes, a few pages queued ahead in each (PipelinedCalls), so the
    worker's own work overlaps it; each result keeps its page's window and timestamp. Pages go
    to the children in turn; each child keeps its own queue, so a hang or a crash is still
    charged to the one page that caused it."""

    def __init__(self, timeout, processes=1, fast=False):
        self.timeout = timeout
        self.processes = max(1, processes)
        self.fast = fast

    def setup(self):
        limit_fragmentation()          # before the children start: they inherit the settings
        self.children = [PipelinedCalls(self.timeout) for _ in range(self.processes)] \
            if self.timeout else []

    def start_bundle(self):
        self.pages = 0

    def teardown(self):
        for calls in self.children:
            calls.close()

    def process(self, page: FetchedPage, window=beam.DoFn.WindowParam,
                timestamp=beam.DoFn.TimestampParam):
        if not self.children:
            try:
                content, error = extract_page(page.html, page.url, self.fast), None
            except Exception as exc:  # noqa: BLE001 - any extractor failure is one reject
                content, error = None, exc
            yield _outcome(page, content, error)
            return
        if self.pages == 0:
            for calls in self.children:
                calls.prestart(extract_page)
        calls = self.children[self.pages % len(self.children)]
        self.pages += 1
        for (done, done_window, done_timestamp), content, error in calls.submit(
                (page, window, timestamp), extract_page, page.html, page.url, self.fast):
            yield _windowed(_outcome(done, content, error), done_window, done_timestamp)

    def finish_bundle(self):
        for calls in self.children:
            for (page, window, timestamp), content, error in calls.drain():
                yield _windowed(_outcome(page, content, error), window, timestamp)
        if self.pages >= RELEASE_AFTER:
            # a batch run's one big bundle is over: free the children's memory (~250 MB each)
            # for grouping and writing; the next bundle restarts them in about a second
            for calls in self.children:
                calls.close()


def _windowed(output, window, timestamp):
    if isinstance(output, beam.pvalue.TaggedOutput):
        return beam.pvalue.TaggedOutput(output.tag,
                                        WindowedValue(output.value, timestamp, [window]))
    return WindowedValue(output, timestamp, [window])


def _reject(page: FetchedPage, reason: str, detail: str):
    return beam.pvalue.TaggedOutput(REJECTS, Reject(
        stage=Stage.EXTRACT, reason=reason, url=page.url, feed_url=page.entry.feed_url,
        detail=detail[:500], http_status=page.http_status, url_key=page.entry.url_key))


def _outcome(page: FetchedPage, content, error):
    """The page's ExtractedPage, or its reject."""
    if isinstance(error, CallTimeout):
        return _reject(page, "extract_timeout", str(error))
    if isinstance(error, CallCrashed):
        return _reject(page, "extract_crash", str(error))
    if error is not None:
        return _reject(page, "extract_error", f"{type(error).__name__}: {error}")
    if content is None:
        return _reject(page, "no_text", "no article text found on the page")
    return ExtractedPage(page.entry, page.url, page.fetched_at, content, page.warc_record_id)


class ExtractText(beam.PTransform):
    """FetchedPage -> ExtractedPage on `pages`; `rejects` for pages without text or whose
    extraction failed.

    timeout: seconds per page, in a child process that a hang or a crash in C code cannot take
    down with it (0: in-process, no protection). processes: children per worker. fast:
    trafilatura without its fallback extractors (--fast_extraction).
    """

    def __init__(self, timeout=30.0, processes=1, fast=False):
        super().__init__()
        self.timeout = timeout
        self.processes = processes
        self.fast = fast

    def expand(self, pages):
        return pages | "Extract" >> beam.ParDo(
            _ExtractFn(self.timeout, self.processes, self.fast)).with_outputs(
                REJECTS, main="pages")
