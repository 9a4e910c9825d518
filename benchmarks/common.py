"""What the benchmarks share: their data folders, process-tree memory, a corpus served on
loopback, and reading a server's request log against the politeness limits (the tests read their
servers' logs so too)."""
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The public data sets the benchmarks read, each as a folder the user passes: what must be in it,
# and where it comes from.
DATA_SETS = {
    "article-body": (
        ("ground-truth.json", "html"),
        "the article-extraction benchmark of Zyte (Scrapinghub), MIT licence: "
        "https://github.com/scrapinghub/article-extraction-benchmark; its html/<id>.html.gz "
        "pages (181, from 126 sites) and ground-truth.json, unchanged"),
    "metadata-dev": (
        ("expected.json", "html"),
        "news pages from the parser test data of fundus, MIT licence: "
        "https://github.com/flairNLP/fundus (tests/resources/parser/test_data): "
        "html/<country>__<Publisher>_<date>.html.gz and an expected.json of title, authors, "
        "published, language and body_text per file"),
    "real-feeds": (
        ("index.json",),
        "real RSS and Atom snapshots from the MIT-licensed test fixtures of FeedReader, feed-rs "
        "and rss-parser, with an index.json listing each file"),
}


def data_folder(path, kind, flag="--data"):
    """The folder `path` checked to hold the data set `kind`, or an exit that says what is
    missing and where the data set comes from."""
    needed, source = DATA_SETS[kind]
    if path is None:
        raise SystemExit(f"{flag} is required: the {kind} folder, {source}")
    folder = Path(path)
    missing = [name for name in needed if not (folder / name).exists()]
    if missing:
        raise SystemExit(f"{flag} {folder}: no {' or '.join(missing)} there. This benchmark reads "
                         f"the {kind} folder: {source}")
    return folder


def tree_rss_mb(pid):
    """RSS of a process and all its descendants, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(stat[1]), []).append(int(entry))
            except (OSError, IndexError):
                continue
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


@contextmanager
def served_corpus(folder, feeds_out):
    """`pipeline.demo_server` on a corpus folder, in its own process (so its threads do not share
    the measured process's GIL); yields when the feed list has been written."""
    server = subprocess.Popen([sys.executable, "-m", "pipeline.demo_server", str(folder),
                               "--feeds-out", str(feeds_out), "--port", "0"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not Path(feeds_out).exists() or not Path(feeds_out).read_text():
            if server.poll() is not None:
                raise SystemExit("the corpus server did not start")
            time.sleep(0.1)
        yield
    finally:
        server.terminate()
        server.wait()


def peak_in_flight(log):
    """The most requests a server had in flight at once, from its log of (path, started,
    ended)."""
    events = sorted([(start, 1) for _, start, _ in log] + [(end, -1) for _, _, end in log],
                    key=lambda e: (e[0], e[1]))
    peak = now = 0
    for _, step in events:
        now += step
        peak = max(peak, now)
    return peak


def smallest_gap(log):
    """The shortest time between two request starts in a server's log (None for fewer than
    two)."""
    starts = sorted(start for _, start, _ in log)
    return min((b - a for a, b in zip(starts, starts[1:])), default=None)
