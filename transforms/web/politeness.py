"""Politeness per host: how many requests may be in flight, how far apart they start, when a
host is slowed down or given up on, and what its robots.txt allows. Pure state with an explicit
clock; transforms/web/frontier.py schedules requests with it.

These limits hold for the whole job, not per worker: the stages group entries by host before
fetching (transforms/fetch.py), so one host's requests are made in one place at a time.
"""
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlsplit

from protego import Protego

from schemas.records import HostReport

SLOWED_DELAY = 1.0         # seconds between starts at least, once a host has said 429 or 503
RECOVERY = 0.9             # each success after a slow-down shortens the spacing by this factor
BACKOFF_SECONDS = 600      # how long a failing host is given up on (a streaming job retries it)
ROBOTS_TTL = 24 * 3600     # robots.txt is read again after a day (RFC 9309 asks for at most one)


def host_key(url: str) -> str:
    """The unit of politeness: host and port as the URL names them."""
    return urlsplit(url).netloc.lower()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


@dataclass
class HostPacing:
    """One host's pacing: at most `max_in_flight` requests at once, starts at least `delay`
    apart (a longer robots.txt Crawl-delay, and a 429 or 503, raise it), not before a
    Retry-After, and no requests at all for a while after `max_failures` failures in a row."""
    max_in_flight: int
    delay: float
    max_delay: float = 30.0
    max_failures: int = 5          # 0: never back off
    in_flight: int = 0
    unsent: int = 0                # started, not yet on the wire (a connection being made)
    next_start: float = 0.0
    failures: int = 0
    backed_off_until: float = 0.0
    slowed: set = field(default_factory=set)
    backed_off: bool = False       # since the last report
    floor: float = 0.0             # the spacing it never goes below (configured, Crawl-delay)
    penalty_until: float = 0.0     # a 429 or 503 before this is the same complaint

    def __post_init__(self):
        self.floor = self.delay

    def held(self) -> bool:
        """No start however long one waits, until a request ends or leaves: as many in flight
        as allowed, or a paced request not yet sent (its spacing counts from when it leaves, so
        the next cannot be timed before that)."""
        return self.in_flight >= self.max_in_flight or bool(self.unsent and self.delay)

    def may_start(self, now: float) -> bool:
        return not self.held() and now >= self.next_start

    def start(self, now: float) -> None:
        self.in_flight += 1
        self.unsent += 1
        self.next_start = now + self.delay

    def sent(self, now: float, first: bool = True) -> None:
        """The request started at start() leaves only now (first: for the first time; it may
        be sent again on a fresh connection): the next starts after it."""
        if first:
            self.unsent -= 1
        self.next_start = max(self.next_start, now + self.delay)

    def finish(self, sent: bool = True) -> None:
        """A request is over; sent: whether it ever left (a refused connection never did)."""
        self.in_flight -= 1
        if not sent:
            self.unsent -= 1

    def is_backed_off(self, now: float) -> bool:
        if self.backed_off_until and now >= self.backed_off_until:
            self.backed_off_until, self.failures = 0.0, 0      # time for another try
        return bool(self.backed_off_until)

    def succeeded(self) -> None:
        self.failures = 0
        if self.delay > self.floor:            # ease back, never below what the host asked
            self.delay = max(self.floor, self.delay * RECOVERY)

    def failed(self, now: float) -> bool:
        """A timeout, connection error or 5xx. True when this one backs the host off."""
        self.failures += 1
        if self.max_failures and self.failures >= self.max_failures and \
                not self.backed_off_until:
            self.backed_off_until = now + BACKOFF_SECONDS
            self.backed_off = True
            return True
        return False

    def slow_down(self, status: int, retry_after: Optional[float], now: float) -> None:
        """A 429 or 503: this host only waits longer, from now on and before the next start.
        The spacing doubles (at least SLOWED_DELAY), but only once per complaint: answers to
        requests made before the last one's wait was over do not compound it."""
        self.floor = max(self.floor, SLOWED_DELAY)
        if now >= self.penalty_until:
            self.delay = min(max(self.delay * 2, SLOWED_DELAY), self.max_delay)
        wait = min(retry_after, self.max_delay) if retry_after else self.delay
        self.next_start = max(self.next_start, now + wait)
        self.penalty_until = max(self.penalty_until, now + wait)
        self.slowed.add(f"http_{status}")

    def started_elsewhere(self, started: float) -> None:
        """A request to this host began at `started` (on this clock) in another stage."""
        self.next_start = max(self.next_start, started + self.delay)

    def crawl_delay(self, seconds: Optional[float]) -> None:
        if seconds and seconds > self.floor:
            self.floor = min(seconds, self.max_delay)
            self.delay = max(self.delay, self.floor)
            self.slowed.add("crawl_delay")

    def report(self, host: str) -> Optional[HostReport]:
        """What is worth telling since the last report (None: nothing), then forget it."""
        if not self.slowed and not self.backed_off:
            return None
        report = HostReport(host, tuple(sorted(self.slowed)), self.delay, self.backed_off)
        self.slowed, self.backed_off = set(), False
        return report


class RobotsRules:
    """One site's robots.txt as Scrapy reads it (protego: wildcards, Allow precedence,
    Crawl-delay). A missing or unreadable robots.txt allows everything: a transient robots
    failure should not reject a whole site's articles."""

    def __init__(self, body: Optional[bytes], user_agent: str, max_crawl_delay: float = 30.0):
        self.user_agent = user_agent
        self.max_crawl_delay = max_crawl_delay
        self._rules = Protego.parse(body.decode("utf-8", "replace")) if body else None

    def allowed(self, url: str) -> bool:
        return self._rules is None or self._rules.can_fetch(url, self.user_agent)

    def crawl_delay(self) -> Optional[float]:
        delay = self._rules.crawl_delay(self.user_agent) if self._rules else None
        return min(float(delay), self.max_crawl_delay) if delay else None
