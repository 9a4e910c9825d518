"""Soak: a local `--every` loop against feeds that keep gaining entries, some of them faulty.

    python benchmarks/soak.py --minutes 30 [--every 10] [--add 6]

Four feeds on loopback gain `--add` entries each every `--every` seconds: 80% real article pages
(the demo corpus under new URLs), 10% answering 404, 10% answering 500 (retried by every run, so
they are rejected again each time). The pipeline runs as `python -m pipeline --every ...`. Every
2 s the RSS of its whole process tree (workers and extraction child included) is sampled. At the
end the feeds stop growing, one more run completes, and the loop is stopped with SIGTERM.
Reports entries published, written, rejected, lost (published but neither written nor rejected:
must be 0) and the peak memory in each tenth of the run (must be flat).
"""
import argparse
import gzip
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyarrow.dataset as ds  # noqa: E402

from benchmarks.common import tree_rss_mb  # noqa: E402

PAGES = sorted((ROOT / "pipeline" / "demo_corpus").glob("*/articles/story-*.html.gz"))


class GrowingFeeds:
    def __init__(self, feeds=4):
        self.entries = {f: [] for f in range(feeds)}
        self.lock = threading.Lock()
        self.growing = True
        pages = [gzip.decompress(p.read_bytes()) for p in PAGES]
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_GET(self):
                status, kind, body = 404, "text/plain", b"not found"
                if self.path.startswith("/feed"):
                    feed = int(self.path[5:].split(".")[0])
                    with outer.lock:
                        links = list(outer.entries[feed])
                    items = "".join(f"<item><title>{i}</title><link>{outer.base}{link}</link>"
                                    "</item>" for i, link in enumerate(links[-200:]))
                    status, kind = 200, "application/rss+xml"
                    body = (f'<rss version="2.0"><channel><title>Soak {feed}</title>{items}'
                            "</channel></rss>").encode()
                elif self.path.startswith("/ok/"):
                    n = int(self.path.split("/")[2].split(".")[0])
                    status, kind, body = 200, "text/html", pages[n % len(pages)]
                elif self.path.startswith("/fail/"):
                    status, body = 500, b"server error"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # the fetcher closes connections after error answers: not worth a traceback each
        self.server.handle_error = lambda request, address: None
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.count = 0

    def grow(self, per_feed):
        with self.lock:
            for feed in self.entries:
                for _ in range(per_feed):
                    n = self.count
                    kind = "gone" if n % 10 == 3 else "fail" if n % 10 == 7 else "ok"
                    self.entries[feed].append(f"/{kind}/{n}.html")
                    self.count += 1

    def published(self):
        with self.lock:
            return {self.base + link for links in self.entries.values() for link in links}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--every", type=float, default=10)
    parser.add_argument("--add", type=int, default=6, help="entries added per feed per period")
    args = parser.parse_args()
    feeds = GrowingFeeds()
    feeds.grow(args.add)
    work = Path(tempfile.mkdtemp(prefix="newsbeam-soak-"))
    (work / "feeds.txt").write_text("".join(f"{feeds.base}/feed{f}.xml\n" for f in feeds.entries))
    output = work / "news"
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--runner=FnApiRunner", "--feeds",
         str(work / "feeds.txt"), "--output", str(output), "--allow_networks", "127.0.0.0/8",
         "--host_delay", "0", "--max_per_host", "8", "--retries", "0", "--every", str(args.every)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    runs = []
    threading.Thread(target=lambda: [runs.append(l) for l in process.stdout
                                     if l.startswith("newsbeam run ")], daemon=True).start()
    started = time.monotonic()
    samples, next_growth = [], started + args.every
    while time.monotonic() - started < args.minutes * 60:
        time.sleep(1)
        if time.monotonic() >= next_growth:
            feeds.grow(args.add)
            next_growth += args.every
        if int(time.monotonic() - started) % 2 == 0:
            samples.append((time.monotonic(), tree_rss_mb(process.pid)))
    published = feeds.published()
    last = len(runs)
    while len(runs) < last + 2:   # a run that started after the last growth has completed
        time.sleep(1)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=600)

    articles = ds.dataset(str(output / "articles"), format="parquet", partitioning="hive") \
        .to_table(columns=["url"]).column("url").to_pylist()
    rejects = ds.dataset(str(output / "rejects"), format="parquet", partitioning="hive") \
        .to_table(columns=["url", "reason"]).to_pylist()
    rejected = {r["url"] for r in rejects}
    written = set(articles)
    lost = published - written - rejected
    manifests = [json.loads(p.read_text()) for p in (output / "_runs").glob("*.json")]
    print(f"{len(manifests)} runs in {(time.monotonic() - started) / 60:.1f} min; "
          f"entries published {len(published)}, written {len(written)} "
          f"(duplicates {len(articles) - len(written)}), rejected {len(rejected)} "
          f"({len(rejects)} reject rows: failing URLs are retried each run), lost {len(lost)}")
    print(f"accounting balanced in every run: "
          f"{all(m['counts']['accounting_balanced'] for m in manifests)}")
    period = max(1.0, args.minutes / 10)
    print(f"peak RSS of the process tree per {period:g} min (sampled every 2 s, MB):")
    peaks = {}
    for t, mb in samples:
        slot = int((t - started) / 60 // period)
        peaks[slot] = max(peaks.get(slot, 0), mb)
    for slot, mb in sorted(peaks.items()):
        print(f"  {slot * period:5.1f}-{(slot + 1) * period:5.1f} min  {mb:7.0f}")
    if lost:
        print("lost:", sorted(lost)[:10])


if __name__ == "__main__":
    main()
