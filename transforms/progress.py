"""Live progress for local runs: counting taps that send their counts to the launcher.

A tap counts the elements of one PCollection and sends the count, at most five times a second,
as a UDP datagram to the launcher's loopback address. It is added to the graph only when the
launcher listens (a local run on a terminal), so other runs carry no trace of it; a lost
datagram costs a moment of accuracy on the status line, never data.
"""
import json
import socket
import time

import apache_beam as beam

FLUSH_SECONDS = 0.2


class _CountFn(beam.DoFn):
    def __init__(self, name, address):
        self.name = name
        self.address = address

    def setup(self):
        host, port = self.address.rsplit(":", 1)
        self._target = (host, int(port))
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._pending = 0
        self._last = time.monotonic()

    def process(self, _element):
        self._pending += 1
        if time.monotonic() - self._last >= FLUSH_SECONDS:
            self._send()

    def finish_bundle(self):
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
        self._socket.close()


class TapProgress(beam.PTransform):
    """Count a PCollection's elements for the status line; outputs nothing."""

    def __init__(self, name, address):
        super().__init__()
        self.name = name
        self.address = address

    def expand(self, pcoll):
        return pcoll | beam.ParDo(_CountFn(self.name, self.address))
