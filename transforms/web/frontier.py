"""The fetch frontier: requests wait per host, and a free thread always starts the next request
of a host whose pacing allows one, so every host progresses at once and a run costs about
max(the busiest host's pacing, CPU, network), not the sum over hosts.

A job is one GET as the caller sees it: its redirect hops and its retries are each a request of
their own, scheduled like any other (a retry waits for its backoff or the server's Retry-After
without holding a thread, and a hop to another host is paced on that host). robots.txt is read
once per site before the first page request there, and each hop of a page is checked against
it. A host that keeps failing (timeouts, connection errors, 5xx) is backed off: its queued and
later jobs end at once as `host_backed_off`, a transient reason, so the next run tries again.
"""
import heapq
import itertools
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional
from urllib.parse import urljoin, urlsplit

from transforms.web.http import (REDIRECTS, RETRY_STATUSES, FetchError, Fetcher, FetchPolicy,
                                 Response, parse_retry_after, status_reason)
from transforms.web.politeness import (ROBOTS_TTL, HostPacing, RobotsRules, host_key,
                                       origin_of)


@dataclass
class Done:
    """A finished job: the final Response (2xx or 304), or why there is none; with
    FetchPolicy.keep_pages, every exchange it took (redirect hops, retries), in order."""
    tag: Any
    response: Optional[Response] = None
    error: Optional[FetchError] = None
    exchanges: tuple = ()


@dataclass
class _Job:
    tag: Any
    url: str
    headers: dict
    robots: bool                    # check robots.txt at every hop
    visited: list = field(default_factory=list)
    attempt: int = 0
    robots_of: Optional[str] = None  # set on the internal job that reads this origin's robots
    exchanges: list = field(default_factory=list)


@dataclass
class _Host:
    pacing: HostPacing
    ready: deque = field(default_factory=deque)
    delayed: list = field(default_factory=list)    # heap of (not_before, seq, job)

    def promote(self, now: float) -> None:
        """Retries whose wait is over go first: they have waited longest."""
        due = []
        while self.delayed and self.delayed[0][0] <= now:
            due.append(heapq.heappop(self.delayed)[2])
        self.ready.extendleft(reversed(due))

    def queued(self) -> bool:
        return bool(self.ready or self.delayed)

    def due_at(self) -> float:
        """When this host may start its next request, if nothing else changes."""
        first = 0.0 if self.ready else self.delayed[0][0]
        return max(self.pacing.next_start, first)


class Frontier:
    """Per-host queues run by `threads` threads. submit() jobs, then take finished ones with
    ready() (now) or drain() (until none is left); at most `max_done` finished jobs wait to be
    taken before the threads stop starting new ones (so pages do not pile up in memory)."""

    def __init__(self, fetcher: Fetcher, threads: int = 16, max_done: Optional[int] = None,
                 clock: Callable[[], float] = time.monotonic):
        self.fetcher = fetcher
        self.policy: FetchPolicy = fetcher.policy
        self.threads = threads
        self.max_done = max_done or 4 * threads
        self.clock = clock
        self._cond = threading.Condition()
        self._hosts: dict = {}          # host key -> _Host
        self._active: dict = {}         # host key -> _Host, the ones with queued jobs
        self._robots: dict = {}         # origin -> (RobotsRules, read at) or None while read
        self._waiting: dict = {}        # origin -> [jobs waiting for its robots.txt]
        self._done: deque = deque()
        self._pending = 0               # submitted jobs not yet taken back
        self._seq = itertools.count()
        self._workers: list = []
        self._closed = False

    # ------------------------------------------------------------------ the caller's side

    def submit(self, url: str, headers: Optional[dict] = None, robots: bool = False,
               tag: Any = None, after: Optional[float] = None) -> None:
        """Queue one GET. robots: honour robots.txt (when the policy does). after: when (epoch
        seconds) the url's host last had a request elsewhere, which its pacing counts."""
        job = _Job(tag, url, dict(headers or {}), robots and self.policy.respect_robots, [url])
        with self._cond:
            self._pending += 1
            now = self.clock()
            if after is not None:
                self._host(url).pacing.started_elsewhere(now - (time.time() - after))
            self._queue(job, now)
            self._start_threads()
            self._cond.notify_all()

    @property
    def pending(self) -> int:
        return self._pending

    def ready(self) -> list:
        """The jobs finished so far, without waiting."""
        with self._cond:
            return self._take()

    def drain(self) -> Iterator[Done]:
        """Every job submitted and not yet taken, each as soon as it finishes."""
        while True:
            with self._cond:
                while not self._done and self._pending:
                    self._cond.wait()
                if not self._pending:
                    return
                finished = self._take()
            yield from finished

    def reports(self) -> list:
        """HostReports of the hosts slowed or backed off since the last call."""
        with self._cond:
            found = [p.pacing.report(host) for host, p in sorted(self._hosts.items())]
        return [r for r in found if r is not None]

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for worker in self._workers:
            worker.join()
        self._workers = []

    def _take(self) -> list:
        finished = list(self._done)
        self._done.clear()
        self._pending -= len(finished)
        self._cond.notify_all()          # room for more finished jobs
        return finished

    # ------------------------------------------------------------------ scheduling

    def _host(self, url: str) -> _Host:
        key = host_key(url)
        host = self._hosts.get(key)
        if host is None:
            policy = self.policy
            host = _Host(HostPacing(policy.max_per_host, policy.host_delay,
                                    policy.max_crawl_delay, policy.max_host_failures))
            self._hosts[key] = host
        return host

    def _finish(self, job: _Job, response=None, error=None) -> None:
        if job.robots_of is not None:
            self._robots_read(job, response)
            return
        self._done.append(Done(job.tag, response, error, tuple(job.exchanges)))

    def _queue(self, job: _Job, now: float, not_before: float = 0.0, front: bool = False):
        """Put a job (new, a retry, or its next hop) on its host, or finish it at once."""
        host = self._host(job.url)
        if host.pacing.is_backed_off(now):
            self._finish(job, error=FetchError(
                "host_backed_off", f"{host_key(job.url)} failed {self.policy.max_host_failures} "
                "requests in a row; not tried again this run", url=job.url))
            return
        if job.robots and not self._robots_allow(job, now):
            return
        if not_before > now:
            heapq.heappush(host.delayed, (not_before, next(self._seq), job))
        elif front:
            host.ready.appendleft(job)
        else:
            host.ready.append(job)
        self._active[host_key(job.url)] = host

    def _robots_allow(self, job: _Job, now: float) -> bool:
        """Whether the job may be queued now: its site's robots.txt is known and allows it.
        Otherwise it waits for the robots.txt (which is queued first) or is finished."""
        origin = origin_of(job.url)
        known = self._robots.get(origin, False)
        if known is not False and known is not None and now - known[1] > ROBOTS_TTL:
            known = False
        if known is False:                        # never read, or stale: read it first
            self._robots[origin] = None
            self._waiting[origin] = [job]
            self._queue(_Job(None, origin + "/robots.txt", {}, False, [origin + "/robots.txt"],
                             robots_of=origin), now, front=True)
            return False
        if known is None:                         # being read
            self._waiting[origin].append(job)
            return False
        if not known[0].allowed(job.url):
            self._finish(job, error=FetchError(
                "robots_disallowed",
                f"robots.txt disallows this URL for {self.policy.user_agent!r}", url=job.url))
            return False
        return True

    def _robots_read(self, job: _Job, response: Optional[Response]) -> None:
        origin = job.robots_of
        body = response.body if response is not None and response.status == 200 else None
        rules = RobotsRules(body, self.policy.user_agent, self.policy.max_crawl_delay)
        now = self.clock()
        self._robots[origin] = (rules, now)
        self._host(origin + "/").pacing.crawl_delay(rules.crawl_delay())
        for waiting in reversed(self._waiting.pop(origin, [])):
            self._queue(waiting, now, front=True)

    def _pick(self, now: float):
        """(job, host) to start now, or (None, seconds to wait)."""
        best, wake = None, None
        for key, host in list(self._active.items()):
            host.promote(now)
            if not host.queued():
                del self._active[key]
                continue
            if host.pacing.held():
                continue                          # woken when one of its requests ends or leaves
            if host.ready and host.pacing.may_start(now):
                if best is None or host.pacing.next_start < best.pacing.next_start:
                    best = host
            else:
                due = host.due_at()
                wake = due if wake is None else min(wake, due)
        if best is None:
            return None, (None if wake is None else max(0.0, wake - now))
        job = best.ready.popleft()
        best.pacing.start(now)
        return (job, best), None

    def _start_threads(self) -> None:
        if self._workers:
            return
        for i in range(self.threads):
            worker = threading.Thread(target=self._work, name=f"fetch-{i}", daemon=True)
            worker.start()
            self._workers.append(worker)

    def _work(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._closed:
                        return
                    if len(self._done) < self.max_done:
                        picked, wait = self._pick(self.clock())
                        if picked is not None:
                            break
                    else:
                        wait = None
                    self._cond.wait(wait)
            job, host = picked
            sends = []
            try:
                outcome = self.fetcher.request(
                    job.url, job.headers, on_send=lambda: self._sending(host, sends))
            except FetchError as exc:
                outcome = exc
            with self._cond:
                host.pacing.finish(sent=bool(sends))
                self._settle(job, host, outcome, self.clock())
                self._cond.notify_all()

    def _sending(self, host: _Host, sends: list) -> None:
        """The request leaves now: a connection set up for it may have taken a while. sends:
        this request's earlier sends (a retry on a fresh connection is one more)."""
        with self._cond:
            host.pacing.sent(self.clock(), first=not sends)
            sends.append(True)
            if host.queued():
                self._cond.notify_all()           # its next request may be timed now

    # ------------------------------------------------------------------ what a request means

    def _settle(self, job: _Job, host: _Host, outcome, now: float) -> None:
        """A request is over: finish the job, follow its redirect, or retry it."""
        pacing = host.pacing
        if isinstance(outcome, Response) and outcome.exchange is not None:
            job.exchanges.append(outcome.exchange)
        if isinstance(outcome, FetchError):
            if outcome.reason not in ("timeout", "connection_error"):
                self._finish(job, error=outcome)             # too_large, private_address...
            elif pacing.failed(now):
                self._give_up_on(host, now)
                self._finish(job, error=outcome)
            else:
                self._retry(job, outcome, self._backoff(job.attempt), now)
            return
        status = outcome.status
        location = outcome.headers.get("location")
        if status in REDIRECTS and location:
            pacing.succeeded()
            self._redirect(job, outcome, location.strip(), now)
            return
        if status < 300 or status == 304:
            pacing.succeeded()
            self._finish(job, response=outcome)
            return
        error = FetchError(status_reason(status), f"HTTP {status}", status, outcome.url)
        if status not in RETRY_STATUSES:
            pacing.succeeded()                               # the server answers: not failing
            self._finish(job, error=error)
            return
        wait = parse_retry_after(outcome.headers.get("retry-after"))
        if status in (429, 503):
            pacing.slow_down(status, wait, now)
        if status >= 500 and pacing.failed(now):
            self._give_up_on(host, now)
            self._finish(job, error=error)
        elif wait is not None and wait > self.policy.max_retry_wait:
            self._finish(job, error=FetchError(
                error.reason, f"HTTP {status}, Retry-After {wait:.0f}s exceeds "
                f"{self.policy.max_retry_wait:.0f}s", status, outcome.url))
        else:
            self._retry(job, error, wait if wait is not None else self._backoff(job.attempt),
                        now)

    def _retry(self, job: _Job, error: FetchError, wait: float, now: float) -> None:
        if job.attempt >= self.policy.retries:
            self._finish(job, error=error)
            return
        job.attempt += 1
        self._queue(job, now, not_before=now + wait)

    def _backoff(self, attempt: int) -> float:
        base = self.policy.backoff * (2 ** attempt)
        return base + random.uniform(0, base)

    def _redirect(self, job: _Job, response: Response, location: str, now: float) -> None:
        url = urljoin(job.url, location)
        if urlsplit(url).scheme not in ("http", "https"):
            error = FetchError("bad_url", f"redirect to unsupported URL {url!r}",
                               response.status, url)
        elif url in job.visited:
            error = FetchError("too_many_redirects", f"redirect loop at {url}",
                               response.status, url)
        elif len(job.visited) > self.policy.max_redirects:
            error = FetchError("too_many_redirects",
                               f"more than {self.policy.max_redirects} redirects",
                               response.status, url)
        else:
            job.url = url
            job.visited.append(url)
            self._queue(job, now, front=True)
            return
        self._finish(job, error=error)

    def _give_up_on(self, host: _Host, now: float) -> None:
        """Finish every job queued on a host that keeps failing."""
        jobs = list(host.ready) + [job for _, _, job in host.delayed]
        host.ready.clear()
        host.delayed.clear()
        for job in jobs:
            self._queue(job, now)            # a backed-off host finishes it at once


def fetch(fetcher: Fetcher, url: str, headers: Optional[dict] = None,
          robots: bool = False) -> Response:
    """One GET through a frontier of its own: redirects, retries and robots.txt as in a run.
    Returns the final Response (2xx or 304) or raises FetchError."""
    frontier = Frontier(fetcher, threads=1)
    try:
        frontier.submit(url, headers, robots)
        done = next(frontier.drain())
    finally:
        frontier.close()
    if done.error is not None:
        raise done.error
    return done.response
