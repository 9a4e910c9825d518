"""The status line a local run shows on a terminal, fed by transforms/progress.py taps."""
import json
import socket
import sys
import threading
import time
from collections import Counter

# what the taps count, in the order shown
FIELDS = (("feeds", "feeds"), ("entries", "entries"), ("fetched", "fetched"),
          ("extracted", "extracted"), ("written", "written"), ("rejects", "rejected"),
          ("skipped", "skipped"))


def format_status(counts, elapsed):
    """One line: elapsed time, the counts so far, and the fetch rate."""
    minutes, seconds = divmod(int(elapsed), 60)
    rate = counts.get("fetched", 0) / elapsed if elapsed > 0 else 0.0
    shown = "  ".join(f"{label} {counts.get(key, 0)}" for key, label in FIELDS)
    return f"newsbeam {minutes:02d}:{seconds:02d}  {shown}  {rate:.1f} pages/s"


class StatusLine:
    """Listens on a loopback UDP port and redraws one line on `stream` until closed.

    Use as a context manager; `address` is what the graph's taps send to.
    """

    def __init__(self, stream=None, interval=0.5):
        self.stream = stream or sys.stderr
        self.interval = interval
        self.counts = Counter()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self.address = "127.0.0.1:%d" % self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="newsbeam-progress", daemon=True)
        self._started = time.monotonic()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._socket.settimeout(0)
        while self._receive():          # what the last bundles sent
            pass
        self._socket.close()
        self._draw()
        self.stream.write("\n")          # the final counts stay above the summary
        self.stream.flush()

    def _receive(self):
        try:
            data = self._socket.recv(65536)
        except (socket.timeout, BlockingIOError):
            return False
        try:
            for key, n in json.loads(data).items():
                self.counts[key] += n
        except (ValueError, AttributeError, TypeError):
            pass                        # not ours: ignore
        return True

    def _draw(self):
        elapsed = time.monotonic() - self._started
        self.stream.write("\r" + format_status(self.counts, elapsed) + "\x1b[K")
        self.stream.flush()

    def _loop(self):
        drawn = 0.0
        while not self._stop.is_set():
            self._receive()
            if time.monotonic() - drawn >= self.interval:
                drawn = time.monotonic()
                self._draw()
