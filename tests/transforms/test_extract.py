"""ExtractText: pages to ExtractedPage in child processes, a crash charged to its own page
(transforms/extract.py)."""
import os
import signal
from datetime import datetime, timezone

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import FeedEntry, FetchedPage, PageContent
from tests.conftest import beam_pipeline, demo_page
from transforms import extract
from transforms.extract import ExtractText

WORDS = "<html><body><p>" + "Some words. " * 80 + "</p></body></html>"


def page(i, html=WORDS):
    url = f"https://x.example/{i}"
    return FetchedPage(FeedEntry(feed_url="f", link=url, url_key=f"k{i}"), url, html,
                       datetime.now(timezone.utc), 200)


def _crash_on_page_3(html, url, fast=False):
    if url.endswith("/3"):
        os.kill(os.getpid(), signal.SIGSEGV)
    return PageContent(text="ok")


def test_pages_become_extracted_pages_or_rejects():
    pages = [page("seed", demo_page("meridian", "blinken-urges-restraint")),
             page("nav", "<html><body><nav>Home</nav></body></html>")]
    with beam_pipeline() as p:
        out = p | beam.Create(pages) | ExtractText()
        assert_that(out.pages | beam.Map(lambda e: (e.url, e.content.title)),
                    equal_to([("https://x.example/seed",
                               "Blinken urges all parties to stop escalatory actions")]))
        assert_that(out.rejects | "Why" >> beam.Map(lambda r: (r.url, r.reason, r.url_key)),
                    equal_to([("https://x.example/nav", "no_text", "knav")]), label="Rejects")


def test_a_big_bundle_releases_the_extraction_child_and_the_next_restarts_it(monkeypatch):
    monkeypatch.setattr(extract, "RELEASE_AFTER", 2)
    fn = extract._ExtractFn(timeout=30, processes=2)
    fn.setup()
    try:
        for pages in (3, 1):
            fn.start_bundle()
            out = [o for _ in range(pages) for o in fn.process(page("a"), None, 0)]
            out += list(fn.finish_bundle())
            assert len(out) == pages
            # 3 pages >= RELEASE_AFTER: the children are gone; 1 page: they stay for the next
            # bundle (both were started with the first page, to import in parallel)
            assert [c.call._pool is None for c in fn.children] == [pages >= 2] * 2
    finally:
        fn.teardown()


def test_with_two_children_a_crash_is_charged_to_its_own_page_only(monkeypatch):
    fn = extract._ExtractFn(timeout=30, processes=2)
    fn.setup()
    # pickled by name: the child imports this module to find it
    monkeypatch.setattr(extract, "extract_page", _crash_on_page_3)
    try:
        fn.start_bundle()
        out = [o for i in range(6) for o in fn.process(page(i), None, 0)]
        out += list(fn.finish_bundle())
    finally:
        fn.teardown()
    rejected = [(o.value.value.url, o.value.value.reason) for o in out if hasattr(o, "tag")]
    assert rejected == [("https://x.example/3", "extract_crash")]
    assert len(out) == 6
