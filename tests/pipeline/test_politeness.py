"""Politeness for the whole job, as the publishers' servers see it: with one worker and with two
multi_processing workers, no host has more than --max_per_host requests in flight or two starts
closer than --host_delay; a host that keeps failing is given up on, and its entries come back
next run (transient), with the accounting exact."""
import json
from pathlib import Path

import pytest

from benchmarks.common import peak_in_flight, smallest_gap
from tests.conftest import FixtureServer, Route, run_cli

PAGES = 6


def page(outlet, i):
    """A small article of its own on every URL."""
    paragraphs = "".join(
        f"<p>Outlet {outlet} reports item {i}, paragraph {k}: the harbour council met on "
        f"{['Monday', 'Tuesday', 'Friday'][k % 3]} and voted {k + i} to {outlet} on the "
        "budget for the new quay, after a long debate about dredging and fees.</p>"
        for k in range(4))
    return (f"<html><head><title>Council vote {outlet}-{i}</title></head><body><article>"
            f"<h1>Council vote {outlet}-{i}</h1>{paragraphs}</article></body></html>")


def feed(srv, paths):
    items = "".join(f"<item><title>Story {i}</title><link>{srv.url(p)}</link></item>"
                    for i, p in enumerate(paths))
    return f'<rss version="2.0"><channel><title>{srv.base}</title>{items}</channel></rss>'


@pytest.fixture
def outlets():
    """Three healthy outlets and one whose pages all fail with 500."""
    servers = [FixtureServer(f"127.0.0.{41 + i}") for i in range(4)]
    for n, srv in enumerate(servers):
        paths = [f"/a/{i}.html" for i in range(PAGES)]
        for i, path in enumerate(paths):
            srv.routes[path] = Route("down", status=500) if n == 3 else \
                Route(page(n, i), delay=0.05)
        srv.routes["/rss.xml"] = Route(feed(srv, paths), content_type="application/rss+xml")
    yield servers
    for srv in servers:
        srv.close()


@pytest.mark.parametrize("workers", [[], ["--direct_num_workers=2",
                                          "--direct_running_mode=multi_processing"]],
                         ids=["one worker", "two workers"])
def test_no_host_sees_more_than_its_limits(outlets, tmp_path, workers):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("".join(srv.url("/rss.xml") + "\n" for srv in outlets))
    result = run_cli("--feeds", str(feeds), "--output", str(tmp_path / "out"),
                     "--allow_private_hosts", "--max_host_failures", "3", *workers)
    assert result.returncode == 0, result.stderr
    for srv in outlets:
        assert peak_in_flight(srv.log) <= 2, srv.base          # --max_per_host default
        assert smallest_gap(srv.log) >= 0.25 - 0.02, srv.base  # --host_delay default
    manifest = json.loads(next((Path(tmp_path / "out") / "_runs").glob("*.json")).read_text())
    counts = manifest["counts"]
    assert counts["accounting_balanced"] and counts["articles"] == 3 * PAGES
    failing = outlets[3].base[len("http://"):]
    assert counts["hosts_slowed"][failing]["backed_off"] is True
    assert set(counts["rejects_by_reason"]) <= {"http_5xx", "host_backed_off"}
    assert sum(counts["rejects_by_reason"].values()) == PAGES
    # the failing host saw its robots.txt, its feed and at most a few page requests
    assert len([p for p, _, _ in outlets[3].log if p.startswith("/a/")]) <= 3 + 1
