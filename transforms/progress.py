"""Live progress: one counting tap per stage boundary, the one way a run counts as it goes.

Each tap counts the elements of one PCollection in a Beam counter `newsbeam/<name>` (Dataflow
and the portable runners show them on the job's page while it runs) and, when the launcher
listens (a local run on a terminal), sends the count at most five times a second as a UDP
datagram to its loopback address for the status line. A lost datagram costs a moment of
accuracy on the status line, never data. The manifest's exact counts come from the data
(transforms/counts.py), not from these.
"""
import json
import socket
import time

import apache_beam as beam
from apache_beam.metrics import Metrics

FLUSH_SECONDS = 0.2
NAMESPACE = "newsbeam"


class _CountFn(beam.DoFn):
    def __init__(self, name, address):
        self.name = name
        self.address = address
        self.counter = Metrics.counter(NAMESPACE, name)

    def setup(self):
        self._socket = None
        if self.address:
            host, port = self.address.rsplit(":", 1)
            self._target = (host, int(port))
            self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._pending = 0
        self._last = time.monotonic()

    def process(self, _element):
        self.counter.inc()
        if self._socket is None:
            return
        self._pending += 1
        if time.monotonic() - self._last >= FLUSH_SECONDS:
            self._send()

    def finish_bundle(self):
        if self._socket is not None:
            self._send()

    def _send(self):
        self._last = time.monotonic()
        if self._pending:
            try:
                self._socket.sendto(json.dumps({self.name: self._pending}).encode(), self._target)
            except OSError:
                pass      # the launcher is gone or busy: progress is best effort
            self._pending = 0

    def teardown(self):
        if self._socket is not None:
            self._socket.close()


class TapProgress(beam.PTransform):
    """Count a PCollection's elements under `name`; outputs nothing.

    address: the launcher's status line ("127.0.0.1:PORT"), or "" for the counter alone.
    """

    def __init__(self, name, address=""):
        super().__init__()
        self.name = name
        self.address = address

    def expand(self, pcoll):
        return pcoll | beam.ParDo(_CountFn(self.name, self.address))
