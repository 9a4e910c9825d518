"""The frontier against loopback servers: every host at once, each within its pacing, slow and
failing hosts kept from holding up the others (transforms/web/frontier.py); the pacing state on
its own clock (transforms/web/politeness.py)."""
import socket
import time

import pytest

from benchmarks.common import peak_in_flight, smallest_gap
from tests.conftest import FixtureServer, Route
from transforms.web.frontier import Frontier, fetch
from transforms.web.http import Fetcher, FetchError, FetchPolicy, Response
from transforms.web.politeness import HostPacing, RobotsRules

SLACK = 0.02      # timer slack, seconds


def policy(**kw):
    return FetchPolicy(**{"allow_private_hosts": True, "retries": 1, "backoff": 0.01,
                          "read_timeout": 5, "total_timeout": 5, "max_per_host": 2,
                          "host_delay": 0.1, **kw})


def run(pol, urls, threads=8, robots=False):
    """{url: Done} for every url, through one frontier."""
    fetcher = Fetcher(pol)
    frontier = Frontier(fetcher, threads)
    try:
        for url in urls:
            frontier.submit(url, robots=robots, tag=url)
        done = {d.tag: d for d in frontier.drain()}
        return done, frontier.reports()
    finally:
        frontier.close()
        fetcher.close()


@pytest.fixture
def hosts():
    servers = [FixtureServer(f"127.0.0.{31 + i}") for i in range(4)]
    yield servers
    for srv in servers:
        srv.close()


def pages(srv, n, delay=0.0, prefix="/p"):
    for i in range(n):
        srv.routes[f"{prefix}{i}"] = Route(f"<p>{i}</p>", delay=delay)
    return [srv.url(f"{prefix}{i}") for i in range(n)]


def test_every_host_progresses_at_once_within_its_pacing(hosts):
    urls = [url for srv in hosts for url in pages(srv, 5, delay=0.05)]
    done, reports = run(policy(), urls)
    assert all(d.response and d.response.status == 200 for d in done.values())
    for srv in hosts:
        assert peak_in_flight(srv.log) <= 2
        assert smallest_gap(srv.log) >= 0.1 - SLACK
    # hosts are fetched together, not one after another: all four were busy at one moment
    everything = [(path, start, end) for srv in hosts for path, start, end in srv.log]
    assert peak_in_flight(everything) >= 4 and reports == []


def test_a_slow_host_does_not_hold_up_the_others(hosts):
    slow, fast = hosts[0], hosts[1]
    urls = pages(slow, 3, delay=1.5) + pages(fast, 4)
    done, _ = run(policy(), urls)
    assert all(d.response for d in done.values())
    first_slow_answer = min(end for _, _, end in slow.log)
    assert max(end for _, _, end in fast.log) < first_slow_answer


def test_a_failing_host_is_backed_off_and_its_entries_end_as_transient(hosts):
    failing, healthy = hosts[0], hosts[1]
    for i in range(12):
        failing.routes[f"/p{i}"] = Route("down", status=500)
    urls = [failing.url(f"/p{i}") for i in range(12)] + pages(healthy, 3)
    done, reports = run(policy(max_host_failures=3, retries=2), urls)
    reasons = [done[u].error.reason for u in urls[:12]]
    assert reasons.count("host_backed_off") >= 9 and set(reasons) <= {"http_5xx",
                                                                      "host_backed_off"}
    assert len(failing.log) <= 3 + 1               # a request may have been in flight
    assert all(done[u].response for u in urls[12:])
    assert [(r.host, r.backed_off) for r in reports] == [(failing.base[7:], True)]


def test_a_429_slows_that_host_only(hosts):
    limited, other = hosts[0], hosts[1]
    limited.routes["/p0"] = lambda h, n: (Route("slow down", 429, {"Retry-After": "1"})
                                          if n == 1 else Route("<p>ok</p>"))
    urls = [limited.url("/p0")] + pages(limited, 3, prefix="/q") + pages(other, 3)
    done, reports = run(policy(), urls)
    assert all(d.response for d in done.values())
    starts = sorted(start for _, start, _ in limited.log)
    assert starts[1] - starts[0] >= 1 - SLACK           # Retry-After honoured by the host
    assert smallest_gap(limited.log[1:]) >= 1 - SLACK   # and its spacing raised to 1 s
    assert smallest_gap(other.log) < 0.5               # the other host kept its own pace
    assert [(r.host, r.slowed) for r in reports] == [(limited.base[7:], ("http_429",))]


def test_robots_txt_is_read_once_per_site_and_its_crawl_delay_spaces_requests(server):
    server.routes["/robots.txt"] = Route("User-agent: *\nDisallow: /private\nCrawl-delay: 0.3\n",
                                         content_type="text/plain")
    urls = pages(server, 4) + [server.url("/private/x")]
    done, reports = run(policy(), urls, robots=True)
    assert server.hits["/robots.txt"] == 1 and "/private/x" not in server.hits
    assert done[server.url("/private/x")].error.reason == "robots_disallowed"
    assert smallest_gap([e for e in server.log if e[0] != "/robots.txt"]) >= 0.3 - SLACK
    assert reports[0].slowed == ("crawl_delay",)


def test_a_redirect_hop_is_paced_on_the_host_it_goes_to(hosts):
    source, target = hosts[0], hosts[1]
    for i in range(3):
        source.routes[f"/r{i}"] = Route("", 301, {"Location": target.url(f"/p{i}")})
    pages(target, 3)
    done, _ = run(policy(host_delay=0.2), [source.url(f"/r{i}") for i in range(3)])
    assert [done[source.url(f"/r{i}")].response.url for i in range(3)] == \
        [target.url(f"/p{i}") for i in range(3)]
    assert smallest_gap(target.log) >= 0.2 - SLACK


def test_a_refused_connection_is_a_connection_error():
    with socket.socket() as s:          # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError) as err:
        fetch(Fetcher(policy(retries=0)), f"http://127.0.0.1:{port}/")
    assert err.value.reason == "connection_error"


def test_finished_pages_wait_in_bounded_numbers(server):
    urls = pages(server, 20)
    fetcher = Fetcher(policy(host_delay=0, max_per_host=4))
    frontier = Frontier(fetcher, threads=2, max_done=3)
    try:
        for url in urls:
            frontier.submit(url, tag=url)
        deadline = time.monotonic() + 5
        while len(server.log) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)                  # nobody takes them: the threads stop starting
        assert 3 <= len(server.log) <= 3 + 2
        assert len(list(frontier.drain())) == 20
    finally:
        frontier.close()
        fetcher.close()


def test_pacing_holds_its_limits_on_its_own_clock():
    pacing = HostPacing(max_in_flight=2, delay=0.25, max_delay=30, max_failures=3)
    assert pacing.may_start(0.0)
    pacing.start(0.0)
    pacing.sent(0.0)
    assert not pacing.may_start(0.1) and pacing.may_start(0.25)
    pacing.start(0.25)
    pacing.sent(0.25)
    assert not pacing.may_start(1.0)              # two in flight
    pacing.finish()
    pacing.slow_down(429, 2.0, now=1.0)
    assert pacing.delay == 1.0 and not pacing.may_start(2.9) and pacing.may_start(3.0)
    assert [pacing.failed(4.0) for _ in range(3)] == [False, False, True]
    assert pacing.is_backed_off(5.0) and not pacing.is_backed_off(4.0 + 600)
    report = pacing.report("x.example")
    assert (report.slowed, report.backed_off) == (("http_429",), True)
    assert pacing.report("x.example") is None      # told once


def test_the_spacing_counts_from_when_a_request_leaves():
    pacing = HostPacing(max_in_flight=2, delay=0.25)
    pacing.start(0.0)
    assert not pacing.may_start(0.3)              # still making its connection
    pacing.sent(0.4)
    assert not pacing.may_start(0.6) and pacing.may_start(0.65)
    pacing.sent(0.5, first=False)                 # sent again on a fresh connection
    assert not pacing.may_start(0.7) and pacing.may_start(0.75)
    pacing.start(0.75)
    pacing.finish(sent=False)                     # refused before it left
    assert pacing.may_start(1.0)


class _SlowToConnect:
    """A fetcher whose first request takes 0.35 s to leave (a slow connect), the rest none;
    records when each one leaves."""

    def __init__(self, pol):
        self.policy = pol
        self.left = []
        self.slow = True

    def request(self, url, headers, on_send=None):
        if self.slow:
            self.slow = False
            time.sleep(0.35)
        self.left.append(time.monotonic())
        on_send()
        return Response(url=url, status=200, body=b"<p>x</p>")


def test_a_request_slow_to_leave_holds_its_host_next_start():
    # before: the second start was timed from when the first was scheduled, so it left
    # 0.2 s after that, before the first had left at all
    fetcher = _SlowToConnect(policy(host_delay=0.2))
    frontier = Frontier(fetcher, threads=4)
    try:
        for i in range(3):
            frontier.submit(f"http://127.0.0.1:9/p{i}", tag=i)
        assert len(list(frontier.drain())) == 3
    finally:
        frontier.close()
    left = sorted(fetcher.left)
    assert min(b - a for a, b in zip(left, left[1:])) >= 0.2 - SLACK


def test_robots_rules_allow_everything_when_missing():
    assert RobotsRules(None, "newsbeam").allowed("https://x.example/anything")
    rules = RobotsRules(b"User-agent: *\nDisallow: /a\nCrawl-delay: 90", "newsbeam", 30)
    assert not rules.allowed("https://x.example/a/1") and rules.crawl_delay() == 30
