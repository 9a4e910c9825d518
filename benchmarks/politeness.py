"""Fetching many hosts with politeness on: the whole pipeline paced against unpaced, and the
servers' own view of it.

    python benchmarks/politeness.py --data DIR [--hosts 40 100] [--pages 25] [--latency 0.03]
                                    [--workers 1 2] [--slow 2] [--failing 1] [--limited 1]

DIR is the `article-body` folder of the article-extraction benchmark (html/*.html.gz, 181
pages from 126 sites). Every host (127.0.0.x, one address each) serves a feed and --pages of
those pages under URLs of its own, each answer after --latency seconds; --slow hosts answer
after 1 s, --failing hosts answer every page with 500, --limited hosts allow one page a second
and answer 429 with Retry-After: 1 to anything faster. The servers run in this process and log every
request. For each host count and worker count, the CLI runs once with the default politeness
(--max_per_host 2, --host_delay 0.25) and once unpaced (--max_per_host 8, --host_delay 0), and
the script prints:

- wall time of both runs and their ratio (unpaced time / paced time: 1.0 means politeness costs
  nothing; the target is >= 0.8);
- from the servers' log: hosts with a request in flight at once (peak, and mean while any was),
  every host's peak requests in flight and smallest gap between two request starts, and the
  hosts that broke the limits (none may, "a few ms of timer slack aside");
- pages/s of the unpaced run against a bare trafilatura loop over the same pages spread over
  all cores (multiprocessing.Pool(os.cpu_count())): the best this machine can extract;
- the bounds the paced run cannot beat: the politeness bound (the slowest host's pages at its
  pacing) and the extraction bound (the bare loop on all cores). These are computed, not
  measured.

The pipeline runs under `nice 10` so that the servers' log shows requests as they arrive.
"""
import argparse
import gzip
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import data_folder, peak_in_flight, smallest_gap  # noqa: E402
FIRST_ADDRESS = 51            # hosts are 127.0.0.51, .52, ...
SLACK = 0.005                 # seconds of timer slack allowed on --host_delay
DEFAULT_DELAY, DEFAULT_PER_HOST = 0.25, 2


class Host:
    """One outlet: its feed, its pages, its behaviour, and the log of what it was asked."""

    def __init__(self, index, pages, latency, kind):
        self.address = f"127.0.0.{FIRST_ADDRESS + index}"
        self.pages = pages                 # path -> html bytes
        self.latency = 1.0 if kind == "slow" else latency
        self.kind = kind
        self.log = []                      # (path, started, ended)
        self.page_requests = 0
        self.last_allowed = None           # a --limited host's last page answered with 200
        self.lock = threading.Lock()
        self.server = _Server((self.address, 0), partial(_Handler, host=self))
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None   # a client hanging up
        self.base = f"http://{self.address}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def feed(self):
        items = "".join(f"<item><title>Story {i}</title><link>{self.base}{path}</link></item>"
                        for i, path in enumerate(self.pages))
        return (f'<rss version="2.0"><channel><title>Outlet {self.address}</title>{items}'
                "</channel></rss>").encode()

    def answer(self, path, started):
        """(status, headers, body) for a request that arrived at `started`."""
        if path == "/feed.xml":
            return 200, {"Content-Type": "application/rss+xml"}, self.feed()
        if path not in self.pages:
            return 404, {}, b""
        with self.lock:
            self.page_requests += 1
            if self.kind == "limited":
                if self.last_allowed is not None and started - self.last_allowed < 1.0:
                    return 429, {"Retry-After": "1"}, b"slow down"
                self.last_allowed = started
        if self.kind == "failing":
            return 500, {}, b"down"
        return 200, {"Content-Type": "text/html; charset=utf-8"}, self.pages[path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class _Server(ThreadingHTTPServer):
    """Notes when each connection was accepted: under load, a new connection's handler thread
    starts late, and its first request would be logged later than it arrived."""

    accepted = None

    def process_request(self, request, client_address):
        if self.accepted is None:
            self.accepted = {}
        self.accepted[request] = time.monotonic()
        super().process_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def __init__(self, *args, host, **kwargs):
        self.host = host
        super().__init__(*args, **kwargs)

    def log_message(self, *args):
        pass

    def do_GET(self):
        started = time.monotonic()
        accepted = self.server.accepted.pop(self.request, None)
        if accepted is not None:          # the connection's first request arrived then
            started = accepted
        time.sleep(self.host.latency)
        status, headers, body = self.host.answer(self.path, started)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.host.log.append((self.path, started, time.monotonic()))


def start_hosts(htmls, count, pages, latency, slow, failing, limited):
    kinds = ["slow"] * slow + ["failing"] * failing + ["limited"] * limited
    kinds += ["normal"] * (count - len(kinds))
    hosts = []
    for h, kind in enumerate(kinds):
        chosen = {f"/a/{i}.html": htmls[(h * pages + i) % len(htmls)] for i in range(pages)}
        hosts.append(Host(h, chosen, latency, kind))
    return hosts


def hosts_busy(hosts):
    """(peak, mean while any was busy) number of hosts with a request in flight."""
    events = []
    for h in hosts:
        for _, start, end in h.log:
            events += [(start, 1, h.address), (end, -1, h.address)]
    events.sort()
    busy, now, peak, weighted, span, last = {}, 0, 0, 0.0, 0.0, None
    for t, step, address in events:
        if last is not None and now:
            weighted += now * (t - last)
            span += t - last
        busy[address] = busy.get(address, 0) + step
        now = sum(1 for v in busy.values() if v > 0)
        peak = max(peak, now)
        last = t
    return peak, (weighted / span if span else 0.0)


def run_pipeline(feeds, output, workers, paced, extra=()):
    args = [sys.executable, "-m", "pipeline", "--runner=FnApiRunner", "--feeds", str(feeds),
            "--output", str(output), "--allow_private_hosts", "--quiet", *extra]
    if not paced:
        args += ["--host_delay", "0", "--max_per_host", "8"]
    if workers > 1:
        args += [f"--direct_num_workers={workers}", "--direct_running_mode=multi_processing"]
    started = time.perf_counter()
    # niced, so that the servers, which would be on other machines, see each request when it
    # arrives rather than when two busy cores let their threads run
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True,
                            preexec_fn=lambda: os.nice(10))
    elapsed = time.perf_counter() - started
    if result.returncode:
        raise SystemExit(f"pipeline failed:\n{result.stderr[-3000:]}")
    manifest = json.loads(next((output / "_runs").glob("*.json")).read_text())
    return elapsed, manifest["counts"]


def _extract(html):
    from trafilatura import bare_extraction
    bare_extraction(html, with_metadata=True)


def bare_pool(htmls):
    """Seconds for a bare trafilatura loop over the pages on all cores."""
    with multiprocessing.get_context("spawn").Pool(os.cpu_count()) as pool:
        pool.map(_extract, htmls[:os.cpu_count()])          # start-up is not timed
        started = time.perf_counter()
        pool.map(_extract, htmls, chunksize=4)
        return time.perf_counter() - started


def measure(hosts, tmp, workers, paced, extra=()):
    for h in hosts:
        h.log.clear()
        h.page_requests = 0
        h.last_allowed = None
    feeds = tmp / "feeds.txt"
    feeds.write_text("".join(f"{h.base}/feed.xml\n" for h in hosts))
    output = tmp / f"out-{workers}-{'paced' if paced else 'unpaced'}-{time.monotonic_ns()}"
    elapsed, counts = run_pipeline(feeds, output, workers, paced, extra)
    busy_peak, busy_mean = hosts_busy(hosts)
    limit, delay = (DEFAULT_PER_HOST, DEFAULT_DELAY) if paced else (8, 0.0)
    peaks = {h.address: peak_in_flight(h.log) for h in hosts}
    gaps = {h.address: smallest_gap(h.log) for h in hosts if len(h.log) > 1}
    broken = sorted({a for a, p in peaks.items() if p > limit} |
                    {a for a, g in gaps.items() if paced and g < delay - SLACK})
    for h in hosts:
        if h.address in broken:
            log = sorted(h.log, key=lambda e: e[1])
            closest = min(zip(log, log[1:]), key=lambda pair: pair[1][1] - pair[0][1])
            print(f"  ! {h.address} ({h.kind}): {closest[0][0]} then {closest[1][0]} "
                  f"{closest[1][1] - closest[0][1]:.3f} s apart; peak {peaks[h.address]}")
    return {"seconds": elapsed, "entries": counts["entries"], "articles": counts["articles"],
            "balanced": counts["accounting_balanced"], "busy_peak": busy_peak,
            "busy_mean": busy_mean, "peak_in_flight": max(peaks.values()),
            "smallest_gap": min(gaps.values()), "broken": broken,
            "slowed": sorted(counts.get("hosts_slowed", {})),
            "rejects": counts["rejects_by_reason"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="the article-body folder (Zyte's article-extraction "
                                       "benchmark)")
    parser.add_argument("--hosts", type=int, nargs="+", default=[40, 100])
    parser.add_argument("--pages", type=int, default=25, help="pages per host")
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--slow", type=int, default=2)
    parser.add_argument("--failing", type=int, default=1)
    parser.add_argument("--limited", type=int, default=1)
    parser.add_argument("--pipeline-args", default="",
                        help="more newsbeam options for every run, e.g. '--fast_extraction'")
    args = parser.parse_args()
    extra = args.pipeline_args.split()
    files = sorted((data_folder(args.data, "article-body") / "html").glob("*.html.gz"))
    htmls = [gzip.decompress(p.read_bytes()) for p in files]
    most = max(args.hosts)
    if FIRST_ADDRESS + most > 254:
        raise SystemExit(f"--hosts {most}: at most {254 - FIRST_ADDRESS} loopback addresses")

    texts = [h.decode("utf-8", "replace") for h in htmls]
    sample = [texts[i % len(texts)] for i in range(most * args.pages)]
    bare_seconds = bare_pool(sample)
    bare_rate = len(sample) / bare_seconds
    print(f"bare trafilatura on {os.cpu_count()} cores: {bare_rate:.1f} pages/s "
          f"({len(sample)} pages in {bare_seconds:.1f} s)")

    results = []
    with tempfile.TemporaryDirectory(prefix="newsbeam-politeness-") as tmp:
        for count in args.hosts:
            hosts = start_hosts(htmls, count, args.pages, args.latency, args.slow,
                                args.failing, args.limited)
            try:
                for workers in args.workers:
                    paced = measure(hosts, Path(tmp), workers, True, extra)
                    unpaced = measure(hosts, Path(tmp), workers, False, extra)
                    results.append((count, workers, paced, unpaced))
                    pages = count * args.pages
                    slow_bound = args.pages * 1.0 / DEFAULT_PER_HOST if args.slow else 0
                    pace_bound = max(slow_bound, (args.pages - 1) * DEFAULT_DELAY)
                    print(f"\n{count} hosts x {args.pages} pages, {workers} worker(s)"
                          + (f", {args.pipeline_args}" if extra else "") + ":", flush=True)
                    for name, r in (("paced", paced), ("unpaced", unpaced)):
                        rate = r["entries"] / r["seconds"]
                        print(f"  {name:8s} {r['seconds']:6.1f} s  {rate:5.1f} entries/s  "
                              f"hosts busy at once: peak {r['busy_peak']}, mean "
                              f"{r['busy_mean']:.1f}  per host: peak in flight "
                              f"{r['peak_in_flight']}, smallest gap {r['smallest_gap']:.3f} s  "
                              f"limits broken by {len(r['broken'])} hosts  articles "
                              f"{r['articles']}, balanced {r['balanced']}")
                    print(f"  paced/unpaced speed ratio {unpaced['seconds'] / paced['seconds']:.2f}"
                          f" (target >= 0.8); slowed {paced['slowed']}; rejects {paced['rejects']}")
                    print(f"  bounds (computed): politeness {pace_bound:.1f} s, extraction "
                          f"{pages / bare_rate:.1f} s (bare loop, all cores); unpaced run = "
                          f"{(pages / unpaced['seconds']) / bare_rate:.2f}x the bare loop")
            finally:
                for h in hosts:
                    h.close()
    ratios = [u["seconds"] / p["seconds"] for _, _, p, u in results]
    print(f"\nmedian paced/unpaced ratio {statistics.median(ratios):.2f}; hosts over the limits "
          f"in paced runs: {sum(len(p['broken']) for _, _, p, _ in results)}")


if __name__ == "__main__":
    main()
