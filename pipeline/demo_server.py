"""Serve a folder of fake outlets on loopback, one address per outlet (127.0.0.x).

    python -m pipeline.demo_server pipeline/demo_corpus --feeds-out /tmp/feeds.txt

A corpus folder holds sites.json ({outlet: {name, host, feed}}) and one folder per outlet.
Files ending in .gz are served decompressed; %%BASE%% in text files becomes the outlet's
http://host:port and %%BASE:other%% another outlet's, so feeds and pages link to each other
wherever the servers landed. Used by run_local.sh and by the tests.
"""
import argparse
import gzip
import json
import os
import re
import signal
import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TYPES = {".xml": "application/rss+xml; charset=utf-8", ".rdf": "application/rdf+xml; charset=utf-8",
         ".atom": "application/atom+xml; charset=utf-8", ".html": "text/html; charset=utf-8",
         ".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8"}
_PLACEHOLDER = re.compile(rb"%%BASE(?::(\w+))?%%")


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # else the body waits ~40 ms for a delayed ACK
    def __init__(self, *args, root, outlet, bases, **kwargs):
        self.root, self.outlet, self.bases = root, outlet, bases
        super().__init__(*args, **kwargs)

    def log_message(self, *args):  # quiet: the pipeline prints its own summary
        pass

    def do_GET(self):
        path = self.path.split("?", 1)[0].lstrip("/")
        target = (self.root / path).resolve()
        if self.root.resolve() not in target.parents:
            return self.send_error(404)
        for candidate in (target, target.with_name(target.name + ".gz")):
            if candidate.is_file():
                break
        else:
            return self.send_error(404)
        body = candidate.read_bytes()
        if candidate.suffix == ".gz":
            body = gzip.decompress(body)
        kind = TYPES.get(target.suffix, "application/octet-stream")
        if not kind.startswith("application/pdf"):
            body = _PLACEHOLDER.sub(
                lambda m: self.bases[m.group(1).decode() if m.group(1) else self.outlet].encode(),
                body)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class DemoSites:
    """Start one HTTP server per outlet of a corpus; stop them all with close()."""

    def __init__(self, corpus, port=0):
        self.corpus = Path(corpus)
        self.sites = json.loads((self.corpus / "sites.json").read_text())
        self.bases, self._servers = {}, []
        for outlet, site in self.sites.items():
            server = ThreadingHTTPServer((site["host"], port), partial(
                _Handler, root=self.corpus / outlet, outlet=outlet, bases=self.bases))
            server.daemon_threads = True
            self.bases[outlet] = f"http://{site['host']}:{server.server_address[1]}"
            self._servers.append(server)
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def feed_list(self):
        """The feed list text: one URL and source name per line."""
        return "".join(f"{self.bases[o]}/{s['feed']} {s['name']}\n" for o, s in self.sites.items())

    def close(self):
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def main():
    parser = argparse.ArgumentParser(description="Serve a demo corpus on loopback.")
    parser.add_argument("corpus")
    parser.add_argument("--feeds-out", required=True, help="where to write the feed list")
    parser.add_argument("--port", type=int, default=int(os.environ.get("NEWSBEAM_DEMO_PORT", 8780)),
                        help="port on every outlet address; fixed so that re-runs see the same "
                        "URLs (default 8780, or $NEWSBEAM_DEMO_PORT)")
    args = parser.parse_args()
    try:
        sites = DemoSites(args.corpus, port=args.port)
    except OSError as exc:
        raise SystemExit(f"demo server: cannot listen on port {args.port} ({exc}); "
                         "set NEWSBEAM_DEMO_PORT to a free port") from None
    Path(args.feeds_out).write_text(sites.feed_list())
    print("serving " + ", ".join(f"{o} at {b}" for o, b in sites.bases.items()), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    sites.close()


if __name__ == "__main__":
    main()
