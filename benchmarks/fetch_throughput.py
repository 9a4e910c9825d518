"""Fetch throughput against the bound set by concurrency and latency.

    python benchmarks/fetch_throughput.py [--pages 480] [--hosts 4] [--latency 0.2]
                                          [--threads 16] [--max-per-host 4]

Serves pages from several loopback hosts (127.0.0.21, .22, ...), each answering after a fixed
latency and recording how many requests it had in flight at once. Runs the FetchArticles stage
(FnApiRunner, one worker) over all pages and prints pages/s against the bound
min(threads, hosts x max-per-host) / latency, and the peak concurrency each host saw (it must not
exceed --max-per-host). host_delay is 0 here: spacing would set a lower bound of its own.
"""
import argparse
import multiprocessing as mp
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import apache_beam as beam  # noqa: E402
from apache_beam.runners.portability.fn_api_runner import FnApiRunner  # noqa: E402

from schemas.records import FeedEntry  # noqa: E402
from transforms.fetch import FetchArticles  # noqa: E402
from transforms.web.http import FetchPolicy  # noqa: E402

PAGE = b"<html><body><article><p>" + b"A line of text for the page body. " * 60 + \
    b"</p></article></body></html>"


class SlowHost:
    def __init__(self, host, latency):
        self.in_flight = 0
        self.peak = 0
        self.served = 0
        self.first = self.last = None
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once

            def log_message(self, *args):
                pass

            def do_GET(self):
                with lock:
                    outer.in_flight += 1
                    outer.peak = max(outer.peak, outer.in_flight)
                    if self.path != "/robots.txt" and outer.first is None:
                        outer.first = time.perf_counter()
                time.sleep(latency)
                status, body = (404, b"") if self.path == "/robots.txt" else (200, PAGE)
                self.send_response(status)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                with lock:
                    outer.in_flight -= 1
                    outer.served += 1
                    outer.last = time.perf_counter()

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def serve(host_ips, latency, ready, stop, results):
    """Child process: the slow hosts, so their threads do not share the client's GIL."""
    hosts = [SlowHost(ip, latency) for ip in host_ips]
    ready.put([h.base for h in hosts])
    stop.wait()
    results.put([(h.base, h.served, h.peak, h.first, h.last) for h in hosts])
    for h in hosts:
        h.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=480)
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--max-per-host", type=int, default=4)
    args = parser.parse_args()
    ready, results, stop = mp.Queue(), mp.Queue(), mp.Event()
    server = mp.Process(target=serve, args=([f"127.0.0.{21 + i}" for i in range(args.hosts)],
                                            args.latency, ready, stop, results))
    server.start()
    bases = ready.get(timeout=30)
    entries = [FeedEntry(feed_url="bench", link=f"{bases[i % len(bases)]}/p{i}.html",
                         url_key=str(i), position=i) for i in range(args.pages)]
    policy = FetchPolicy(allow_private_hosts=True, max_per_host=args.max_per_host, host_delay=0,
                         retries=0)
    started = time.perf_counter()
    with beam.Pipeline(runner=FnApiRunner()) as p:
        pages = p | beam.Create(entries) | FetchArticles(policy, args.threads)
        _ = pages.pages | beam.combiners.Count.Globally()
    elapsed = time.perf_counter() - started
    stop.set()
    stats = results.get(timeout=30)
    server.join()
    served = sum(s[1] for s in stats) - len(stats)   # less one robots.txt per host
    window = max(s[4] for s in stats) - min(s[3] for s in stats)
    concurrency = min(args.threads, args.hosts * args.max_per_host)
    bound = concurrency / args.latency
    rate = served / window
    print(f"{served} pages from {args.hosts} hosts at {args.latency * 1000:.0f} ms latency: "
          f"{window:.2f} s from the first page request to the last response "
          f"({elapsed:.1f} s with pipeline start-up and robots.txt)")
    print(f"throughput {rate:.1f} pages/s; bound {concurrency} in flight / {args.latency} s = "
          f"{bound:.0f} pages/s; ratio {rate / bound:.2f}")
    print("peak concurrent requests per host: " + ", ".join(
        f"{s[0].split('//')[1]} {s[2]}" for s in stats) + f" (limit {args.max_per_host})")


if __name__ == "__main__":
    main()
