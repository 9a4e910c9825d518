"""Run a function in a child process, so a hang or a crash in C code costs one call, not a worker.

Like Beam's `with_exception_handling(use_subprocess=True, timeout=...)`, but a failure is a
value for the caller to turn into a reject row, and a dead child is replaced at once. Children
are kept warm (modules imported once); arguments and results are pickled across.
"""
import importlib
import multiprocessing
import signal
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool


STARTUP_TIMEOUT = 120  # seconds for a new child to start and import its module


def _ignore_interrupts():
    # Ctrl-C reaches the whole process group; the run that owns this child decides when to stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _spawned_ignoring_interrupts(start):
    """start() with SIGINT ignored meanwhile, so that the child it spawns ignores it from its
    first instruction (an ignored signal stays ignored across exec), not only once its
    initializer runs: a Ctrl-C during the child's imports would print its traceback. Only the
    main thread may change the handler; elsewhere the initializer is all there is."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:
        return start()
    try:
        return start()
    finally:
        signal.signal(signal.SIGINT, previous)


def _load(module):
    importlib.import_module(module)   # in the child; returns nothing (modules do not pickle)


class CallTimeout(Exception):
    """The call ran past its deadline; the child was killed."""


class CallCrashed(Exception):
    """The child died during the call (a segfault, an abort, the OOM killer)."""


class IsolatedCall:
    def __init__(self, timeout):
        self.timeout = timeout
        self._pool = None
        self._loading = None

    def prestart(self, fn):
        """Start the child and its import of fn's module now, without waiting (children that
        start together import in parallel)."""
        if self._pool is None:
            self._start(fn)

    def submit(self, fn, *args):
        """Queue a call in the child (started on first use); returns its Future."""
        self.prestart(fn)
        if self._loading is not None:
            self._wait_loaded()
        return self._pool.submit(fn, *args)

    def __call__(self, fn, *args):
        future = self.submit(fn, *args)
        try:
            return future.result(self.timeout)
        except FutureTimeout:
            self.close()
            raise CallTimeout(f"no result after {self.timeout:g}s") from None
        except BrokenProcessPool:
            self.close()
            raise CallCrashed("the extraction process died") from None

    def _start(self, fn):
        """A new child with fn's module imported: start-up is not charged to a call's deadline
        (after a timeout, the page after it would otherwise pay for the restart)."""
        # spawn, not fork: the worker runs fetch threads, and forking a threaded process can
        # leave the child holding a lock that no thread will ever release
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_ignore_interrupts)
        # the child starts with this first call
        self._loading = _spawned_ignoring_interrupts(
            lambda: self._pool.submit(_load, fn.__module__))

    def _wait_loaded(self):
        try:
            self._loading.result(STARTUP_TIMEOUT)
        except (FutureTimeout, BrokenProcessPool):
            self.close()
            raise CallCrashed("the extraction process did not start") from None
        self._loading = None

    def close(self):
        """Stop the child now, whatever it is doing."""
        pool, self._pool, self._loading = self._pool, None, None
        if pool is None:
            return
        processes = list(getattr(pool, "_processes", {}).values())
        for process in processes:
            if process.is_alive():
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)


class PipelinedCalls:
    """Calls to one child, several queued at once, results handed back in submission order.

    The caller submits the next call and goes on with other work (a worker's language
    detection, metadata and Beam's own work) while the child computes: on two cores, one
    worker then uses both. The child runs the queue in order, so the oldest unfinished call is
    the one running: a hang or a crash is charged to it, and the calls queued behind it are
    submitted again to a fresh child. Its deadline counts from when the caller starts waiting
    for it, so a call gets at least `timeout` seconds.
    """

    def __init__(self, timeout, depth=4):
        self.call = IsolatedCall(timeout)
        self.depth = depth
        self._queue = deque()        # [tag, fn, args, future]

    def prestart(self, fn):
        self.call.prestart(fn)

    def submit(self, tag, fn, *args):
        """Queue a call; returns the outcomes now due: [(tag, result, error)] in order."""
        self._queue.append([tag, fn, args, self.call.submit(fn, *args)])
        done = []
        while self._queue and (len(self._queue) > self.depth or self._queue[0][3].done()):
            done.append(self._finish_oldest())
        return done

    def drain(self):
        """Wait for every queued call: [(tag, result, error)] in order."""
        return [self._finish_oldest() for _ in range(len(self._queue))]

    def _finish_oldest(self):
        tag, _, _, future = self._queue.popleft()
        try:
            return tag, future.result(self.call.timeout), None
        except FutureTimeout:
            error = CallTimeout(f"no result after {self.call.timeout:g}s")
        except BrokenProcessPool:
            error = CallCrashed("the extraction process died")
        except Exception as exc:  # noqa: BLE001 - the function's own error, for the caller
            return tag, None, exc
        self._restart()
        return tag, None, error

    def _restart(self):
        self.call.close()           # the calls queued behind go to a fresh child
        for item in self._queue:
            item[3] = self.call.submit(item[1], *item[2])

    def close(self):
        self._queue.clear()
        self.call.close()
