"""The extraction child process: hangs and crashes cost one call, and the next call works."""
import os
import signal
import time

import pytest

from transforms.isolation import CallCrashed, CallTimeout, IsolatedCall, PipelinedCalls


def hang(seconds):
    time.sleep(seconds)
    return "late"


def segfault():
    os.kill(os.getpid(), signal.SIGSEGV)


def square(x):
    return x * x


def _crash_on_page_3(html, url):
    if url.endswith("/3"):
        segfault()
    return {"text": "ok"}


def test_a_hang_is_cut_off_and_the_next_call_works():
    call = IsolatedCall(timeout=0.5)
    try:
        started = time.monotonic()
        with pytest.raises(CallTimeout):
            call(hang, 30)
        assert time.monotonic() - started < 10
        assert call(square, 7) == 49
    finally:
        call.close()


def test_a_crash_in_the_child_is_reported_and_survived():
    call = IsolatedCall(timeout=10)
    try:
        with pytest.raises(CallCrashed):
            call(segfault)
        assert call(square, 3) == 9
    finally:
        call.close()


def test_exceptions_come_back_as_themselves():
    call = IsolatedCall(timeout=10)
    try:
        with pytest.raises(ZeroDivisionError):
            call(divmod, 1, 0)
    finally:
        call.close()


def test_pipelined_calls_come_back_in_order_and_survive_a_hang_and_a_crash():
    calls = PipelinedCalls(timeout=1, depth=2)
    try:
        done = []
        done += calls.submit("a", square, 2)
        done += calls.submit("hang", hang, 30)
        done += calls.submit("b", square, 3)       # queued behind the hang: resubmitted
        done += calls.submit("crash", segfault)
        done += calls.submit("c", square, 4)
        done += calls.submit("error", divmod, 1, 0)
        done += calls.drain()
        assert [tag for tag, _, _ in done] == ["a", "hang", "b", "crash", "c", "error"]
        outcome = {tag: (result, type(error).__name__ if error else None)
                   for tag, result, error in done}
        assert outcome == {"a": (4, None), "hang": (None, "CallTimeout"), "b": (9, None),
                           "crash": (None, "CallCrashed"), "c": (16, None),
                           "error": (None, "ZeroDivisionError")}
    finally:
        calls.close()


def test_a_big_bundle_releases_the_extraction_child_and_the_next_restarts_it(monkeypatch):
    from datetime import datetime, timezone

    from schemas.records import FeedEntry
    from transforms import extract
    from transforms.fetch import FetchedPage
    monkeypatch.setattr(extract, "RELEASE_AFTER", 2)
    page = FetchedPage(FeedEntry(feed_url="f", link="https://x.example/a", url_key="k"),
                       "https://x.example/a", "<html><body><p>" + "Some words. " * 80
                       + "</p></body></html>", datetime.now(timezone.utc), 200)
    fn = extract._ExtractFn(timeout=30, processes=2)
    fn.setup()
    try:
        for pages in (3, 1):
            fn.start_bundle()
            out = [o for _ in range(pages) for o in fn.process(page, None, 0)]
            out += list(fn.finish_bundle())
            assert len(out) == pages
            # 3 pages >= RELEASE_AFTER: the children are gone; 1 page: they stay for the next
            # bundle (both were started with the first page, to import in parallel)
            assert [c.call._pool is None for c in fn.children] == [pages >= 2] * 2
    finally:
        fn.teardown()


def test_with_two_children_a_crash_is_charged_to_its_own_page_only():
    from datetime import datetime, timezone

    from schemas.records import FeedEntry
    from transforms import extract
    from transforms.fetch import FetchedPage
    fn = extract._ExtractFn(timeout=30, processes=2)
    fn.setup()
    pages = [FetchedPage(FeedEntry(feed_url="f", link=f"https://x.example/{i}", url_key=f"k{i}"),
                         f"https://x.example/{i}", "<html><body><p>" + "Some words. " * 80
                         + "</p></body></html>", datetime.now(timezone.utc), 200)
             for i in range(6)]
    real = extract.extract_page
    try:
        extract.extract_page = _crash_on_page_3      # pickled by name: the child imports it
        fn.start_bundle()
        out = [o for page in pages for o in fn.process(page, None, 0)]
        out += list(fn.finish_bundle())
    finally:
        extract.extract_page = real
        fn.teardown()
    rejected = [(o.value.value.url, o.value.value.reason) for o in out if hasattr(o, "tag")]
    assert rejected == [("https://x.example/3", "extract_crash")]
    assert len(out) == 6


def test_allocator_settings_are_exported_to_child_processes(monkeypatch):
    from transforms.memory import ARENAS, MMAP_THRESHOLD, limit_fragmentation
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    limit_fragmentation()
    import os
    assert os.environ["MALLOC_ARENA_MAX"] == str(ARENAS)
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == str(MMAP_THRESHOLD)
