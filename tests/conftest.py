"""Shared fixtures: loopback servers only (tests never touch the internet)."""
import gzip
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline

from pipeline.demo_server import DemoSites
from transforms.content.page import extract_page

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEMO_CORPUS = ROOT / "pipeline" / "demo_corpus"


def beam_pipeline():
    """A TestPipeline on the in-process FnApiRunner (DirectRunner would try to download Prism)."""
    return TestPipeline(runner=FnApiRunner())


def streaming_pipeline():
    """TestStream runs on the bundle-based direct runner (the FnApiRunner has no TestStream)."""
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    return beam.Pipeline(runner=BundleBasedDirectRunner(), options=options)


class Route:
    """What the fixture server answers for one path: status, headers, body, delay."""

    def __init__(self, body=b"", status=200, headers=None, delay=0.0, content_type="text/html",
                 drip=0.0):
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.status = status
        self.headers = {"Content-Type": content_type, **(headers or {})}
        self.delay = delay
        self.drip = drip          # seconds between bytes of the body


class FixtureServer:
    """A loopback HTTP server whose routes the test sets: {path: Route or callable(handler)}.

    `log` records every request as (path, started, ended) on time.monotonic(), for assertions
    on concurrency and spacing (benchmarks/common.py reads it)."""

    def __init__(self, host="127.0.0.1"):
        self.routes = {}
        self.hits = {}
        self.log = []
        routes, hits, log = self.routes, self.hits, self.log
        counting = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once

            def log_message(self, *args):
                pass

            def do_GET(self):
                started = time.monotonic()
                try:
                    self._answer()
                finally:
                    log.append((self.path, started, time.monotonic()))

            def _answer(self):
                with counting:          # requests come in on threads of their own
                    hits[self.path] = n = hits.get(self.path, 0) + 1
                route = routes.get(self.path) or routes.get(self.path.split("?")[0])
                if callable(route):
                    route = route(self, n)
                if route is None:
                    route = Route(b"not found", 404)
                if route.delay:
                    time.sleep(route.delay)
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                if not route.drip:
                    self.wfile.write(route.body)
                    return
                try:
                    for i in range(len(route.body)):
                        self.wfile.write(route.body[i:i + 1])
                        self.wfile.flush()
                        time.sleep(route.drip)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None  # clients hanging up early
        self.base = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return self.base + path

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server():
    srv = FixtureServer()
    yield srv
    srv.close()


@pytest.fixture
def other_server():
    """A second host (127.0.0.2), for cross-host redirects."""
    srv = FixtureServer("127.0.0.2")
    yield srv
    srv.close()


@pytest.fixture(scope="session")
def demo_sites():
    with DemoSites(DEMO_CORPUS) as sites:
        yield sites


def demo_page(outlet, slug):
    """The HTML of a demo corpus page, as served (placeholders left in)."""
    return gzip.decompress((DEMO_CORPUS / outlet / "articles" / f"{slug}.html.gz").read_bytes()
                           ).decode("utf-8")


def seed_texts():
    """The texts of the demo corpus's seed pair (two outlets' reports of one event) and of the
    verbatim copy of one of them under another headline."""
    jns = extract_page(demo_page("meridian", "blinken-urges-restraint"), "http://m/").text
    toi = extract_page(demo_page("northwind", "blinken-calls-on-all-parties"), "http://n/").text
    copy = extract_page(demo_page("harbor", "us-top-diplomat-ceasefire-call"), "http://h/").text
    return jns, toi, copy


def story_fixtures():
    """{name: {"url", "text", ...}}: real article bodies for the story rules (fixtures/stories)."""
    import json
    return json.loads((FIXTURES / "stories" / "articles.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def encoder():
    """The semantic tier's model. Skipped without the extra, except where
    NEWSBEAM_REQUIRE_SEMANTIC is set (CI), where a missing extra fails."""
    from transforms.dedup.semantic import load_encoder, missing_extra
    missing = missing_extra()
    if missing:
        if os.environ.get("NEWSBEAM_REQUIRE_SEMANTIC"):
            pytest.fail("NEWSBEAM_REQUIRE_SEMANTIC is set: " + missing)
        pytest.skip(missing)
    return load_encoder()


PYTHON = sys.executable


_HEADER = re.compile(rb"^Header:\s*([\w-]+):\s*(.+?)\s*$", re.M)


class CorpusServer:
    """Serves every file under a folder as it is, with the `Header: Name: value` lines that
    feedparser's test files carry (Content-Type defaults to text/xml)."""

    def __init__(self, root, host="127.0.0.1"):
        self.root = Path(root)
        self.files = sorted(p for p in self.root.rglob("*") if p.is_file()
                            and not p.name.startswith(("LICENSE", "README")))
        self.server = FixtureServer(host)
        for path in self.files:
            body = path.read_bytes()
            headers = {name.decode(): value.decode("latin-1")
                       for name, value in _HEADER.findall(body[:2000])}
            content_type = headers.pop("Content-type", headers.pop("Content-Type", "text/xml"))
            self.server.routes["/" + path.relative_to(self.root).as_posix()] = Route(
                body, headers=headers, content_type=content_type)

    def feed_list(self):
        return "".join(self.server.url("/" + p.relative_to(self.root).as_posix()) + "\n"
                       for p in self.files)

    def close(self):
        self.server.close()


def run_cli(*args, command=(PYTHON, "-m", "pipeline"), timeout=600):
    """A run of the CLI on the FnApiRunner from the project root, output captured."""
    return subprocess.run([*command, "--runner=FnApiRunner", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


def run_newsbeam(*args, timeout=600, **kwargs):
    """`python -m pipeline ARGS` from the project root, output captured."""
    return subprocess.run([PYTHON, "-m", "pipeline", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"}, **kwargs)


@pytest.fixture(scope="session")
def dataset(demo_sites, tmp_path_factory):
    """A dataset made by two CLI runs on the demo corpus: one outlet first, then all three.

    Shared and read-only: tests that change it work on a copy.
    """
    root = tmp_path_factory.mktemp("dataset")
    lines = demo_sites.feed_list().splitlines(keepends=True)
    output = root / "news"
    for i, feeds in enumerate((lines[:1], lines)):
        path = root / f"feeds{i}.txt"
        path.write_text("".join(feeds))
        result = run_newsbeam("run", "--runner=FnApiRunner", "--feeds", str(path),
                              "--output", str(output), "--allow_private_hosts")
        assert result.returncode == 0, result.stderr
    return output
