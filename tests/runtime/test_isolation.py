"""Calls in child processes: hangs cut off, crashes survived (transforms/runtime/isolation.py)."""
import os
import signal
import time

import pytest

from transforms.runtime.isolation import CallCrashed, CallTimeout, IsolatedCall, PipelinedCalls


def hang(seconds):
    time.sleep(seconds)
    return "late"


def segfault():
    os.kill(os.getpid(), signal.SIGSEGV)


def square(x):
    return x * x


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
