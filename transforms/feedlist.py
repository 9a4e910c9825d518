"""PollFeedList: the feed list re-read at every poll of a streaming job (the operator edits it
without a restart)."""
import logging
import time

import apache_beam as beam
from apache_beam.transforms.periodicsequence import PeriodicImpulse
from apache_beam.utils.timestamp import MAX_TIMESTAMP, Timestamp

from transforms.content.feedlist import read_feed_list


def _feeds_now(_tick, path):
    """The feed list as it is at this tick: operators add feeds without a restart. A list that
    has become unreadable is logged and that poll skipped; the job goes on."""
    try:
        yield from read_feed_list(path)
    except Exception as exc:  # noqa: BLE001 - a bad edit must not stop a streaming job
        logging.error("feed list %s not read at this poll: %s", path, exc)


class PollFeedList(beam.PTransform):
    """FeedSpecs every `interval` seconds, from `start` for `duration` seconds (0: forever)."""

    def __init__(self, path, interval, duration=0, start=None):
        super().__init__()
        self.path = path
        self.interval = interval
        self.duration = duration
        self.start = start

    def expand(self, pbegin):
        # PeriodicImpulse's own default start is evaluated when Beam is imported: always pass one
        start = Timestamp.of(self.start if self.start is not None else time.time())
        stop = start + self.duration if self.duration else MAX_TIMESTAMP
        return (pbegin
                | "Tick" >> PeriodicImpulse(start_timestamp=start, stop_timestamp=stop,
                                            fire_interval=self.interval)
                | "ReadFeedList" >> beam.FlatMap(_feeds_now, self.path))
