"""SIGKILL a run at several points, run again: no partial files, no duplicates, nothing missing."""
import os
import signal
import subprocess
import time

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from tests.conftest import DEMO_CORPUS, PYTHON, ROOT, Route, demo_page
from tests.conftest import run_cli

ENTRIES = 240
ARGS = ["--allow_networks", "127.0.0.0/8", "--host_delay", "0", "--max_per_host", "8",
        "--retries", "0"]


def serve_corpus(server):
    """ENTRIES distinct URLs over the real demo pages, each answered after 30 ms."""
    slugs = sorted(p.name[:-len(".html.gz")] for p in
                   (DEMO_CORPUS / "meridian" / "articles").glob("story-*.html.gz"))
    items = []
    for i in range(ENTRIES):
        path = f"/a/{i}.html"
        server.routes[path] = Route(demo_page("meridian", slugs[i % len(slugs)]), delay=0.03)
        items.append(f"<item><title>{i}</title><link>{server.url(path)}</link></item>")
    server.routes["/feed.xml"] = Route('<rss version="2.0"><channel><title>Crash</title>'
                                       + "".join(items) + "</channel></rss>",
                                       content_type="application/rss+xml")


def start(feeds, output):
    return subprocess.Popen(
        [PYTHON, "-m", "pipeline", "--runner=FnApiRunner", "--feeds", str(feeds), "--output",
         str(output), *ARGS], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)


def kill_when(process, condition, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("the run finished before the kill point was reached")
        if condition():
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail("kill point not reached")


def staged_files(output):
    return list((output / "_staging").rglob("*")) if (output / "_staging").exists() else []


KILL_POINTS = {
    "early": lambda server, output: True,
    "just_started": lambda server, output: any(p.name == "_STARTED" for p in staged_files(output)),
    "mid_fetch": lambda server, output: sum(n for p, n in server.hits.items()
                                            if p.startswith("/a/")) >= ENTRIES // 3,
    "while_writing": lambda server, output: any(p.is_file() for p in staged_files(output)),
}


@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_and_restart(point, server, tmp_path):
    serve_corpus(server)
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(server.url("/feed.xml") + "\n")
    output = tmp_path / "news"
    process = start(feeds, output)
    if point == "early":
        time.sleep(1.0)
    kill_when(process, lambda: KILL_POINTS[point](server, output))

    result = run_cli("--feeds", str(feeds), "--output", str(output), *ARGS)
    assert result.returncode == 0, result.stderr[-3000:]

    for path in list((output / "articles").rglob("*")) + list((output / "rejects").rglob("*")):
        if path.is_file():
            assert path.suffix == ".parquet" and pq.read_metadata(path).num_rows > 0, path
    articles = ds.dataset(str(output / "articles"), format="parquet",
                          partitioning="hive").to_table(columns=["url"]).column("url").to_pylist()
    assert len(articles) == len(set(articles)), "an article was written twice"
    assert sorted(articles) == sorted(server.url(f"/a/{i}.html") for i in range(ENTRIES))
    assert not staged_files(output), "a dead run's staging files were left behind"
    rejects = output / "rejects"
    assert not rejects.exists() or not list(rejects.rglob("*.parquet"))
