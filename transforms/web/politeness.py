"""Politeness: per-host concurrency and spacing, and robots.txt, shared by a worker's threads.

Limits hold per worker process: with N workers a host sees at most N x --max_per_host requests
at once (Beam gives no cross-worker lock; keying fetches by host would serialise big hosts).
"""
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

from protego import Protego

class HostGate:
    """At most `max_per_host` requests in flight per host, starting at least `delay` apart."""

    def __init__(self, max_per_host=2, delay=0.25):
        self.max_per_host = max_per_host
        self.delay = delay
        self._lock = threading.Lock()
        self._slots = {}
        self._next_start = {}
        self._delays = {}

    def set_delay(self, host, seconds):
        """A longer delay for one host (its robots.txt Crawl-delay)."""
        with self._lock:
            self._delays[host] = max(self.delay, seconds)

    @contextmanager
    def slot(self, host):
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.BoundedSemaphore(self.max_per_host))
        semaphore.acquire()
        try:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start.get(host, now))
                self._next_start[host] = start + self._delays.get(host, self.delay)
            if start > now:
                time.sleep(start - now)
            yield
        finally:
            semaphore.release()


class RobotsRules:
    """robots.txt fetched once per host (per worker), then asked for every URL.

    A missing robots.txt (4xx) allows everything, as does one that cannot be fetched at all
    (timeouts, 5xx): a transient robots failure should not reject a whole site's articles.
    """

    def __init__(self, fetch_robots, user_agent, max_crawl_delay=30.0):
        self._fetch = fetch_robots        # url -> bytes or None
        self.user_agent = user_agent
        self.max_crawl_delay = max_crawl_delay
        self._lock = threading.Lock()
        self._host_locks = {}
        self._rules = {}

    def _for(self, url):
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin in self._rules:
                return self._rules[origin]
            host_lock = self._host_locks.setdefault(origin, threading.Lock())
        with host_lock:   # one fetch per host even when many threads ask at once
            if origin not in self._rules:
                body = self._fetch(origin + "/robots.txt")
                rules = Protego.parse(body.decode("utf-8", "replace")) if body else None
                with self._lock:
                    self._rules[origin] = rules
            return self._rules[origin]

    def allowed(self, url):
        rules = self._for(url)
        return rules is None or rules.can_fetch(url, self.user_agent)

    def crawl_delay(self, url):
        rules = self._for(url)
        delay = rules.crawl_delay(self.user_agent) if rules else None
        return min(float(delay), self.max_crawl_delay) if delay else None
