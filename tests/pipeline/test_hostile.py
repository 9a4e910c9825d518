"""Hostile and broken input through the real CLI: every case ends as entries or rejects with a
reason code, the run finishes, and the accounting adds up."""
import gzip
import json
import os
from pathlib import Path

import feedparser
import pyarrow.dataset as ds
import pytest

from tests.conftest import FIXTURES, ROOT, CorpusServer, Route
from tests.conftest import run_cli
from transforms.content.feed import FeedParseError, json_feed

SHARED_CASES = Path(os.environ.get("NEWSBEAM_EVALDATA", ROOT.parent / "shared" / "evaldata")) \
    / "feedparser-cases"
HERMETIC = ["--allow_networks", "127.0.0.0/8", "--same_site_links", "--host_delay", "0",
            "--max_per_host", "16", "--retries", "0", "--connect_timeout", "2"]


def manifest(output):
    return json.loads(next((output / "_runs").glob("*.json")).read_text())


def table(output, name):
    path = output / name
    if not path.exists():
        return []
    return ds.dataset(str(path), format="parquet", partitioning="hive").to_table().to_pylist()


def run_corpus(folder, tmp_path):
    corpus = CorpusServer(folder)
    try:
        feeds = tmp_path / "feeds.txt"
        feeds.write_text(corpus.feed_list())
        output = tmp_path / "news"
        result = run_cli("--feeds", str(feeds), "--output", str(output), *HERMETIC)
    finally:
        corpus.close()
    assert result.returncode == 0, result.stderr[-3000:]
    counts = manifest(output)["counts"]
    # every feed ends as a parsed feed (its validators stored) or as one feed-level reject
    states = table(output, "_state/feeds")
    assert counts["feeds"] == len(corpus.files)
    assert len(states) + counts["feeds_failed"] == len(corpus.files)
    assert counts["accounting_balanced"]
    return counts


def entries_feedparser_finds(folder):
    """Entries in the files that are feeds (what feedparser reads as RSS, Atom or RDF, and JSON
    Feeds, which feedparser 6 does not read): all must be accounted for by the run."""
    total = 0
    for path in CorpusServer(folder).files:
        body = path.read_bytes()
        try:
            found = json_feed(body)
        except FeedParseError:
            continue                                  # JSON, but no JSON Feed
        if found is not None:
            total += len(found[2])
            continue
        parsed = feedparser.parse(body)
        if parsed.get("version") or parsed.entries:
            total += len(parsed.entries)
    return total


def test_feedparser_cases_subset(tmp_path):
    folder = FIXTURES / "feedparser-cases"
    counts = run_corpus(folder, tmp_path)
    assert counts["entries"] == entries_feedparser_finds(folder)


@pytest.mark.skipif(not SHARED_CASES.is_dir(), reason=f"{SHARED_CASES} not found "
                    "(set NEWSBEAM_EVALDATA to the evaldata folder)")
def test_all_2107_feedparser_cases(tmp_path):
    counts = run_corpus(SHARED_CASES, tmp_path)
    assert counts["feeds"] >= 2107
    assert counts["entries"] == entries_feedparser_finds(SHARED_CASES)


SHARED_FEEDS = SHARED_CASES.parent / "real-feeds"


def test_real_publisher_feeds(tmp_path):
    folder = FIXTURES / "feeds"
    counts = run_corpus(folder, tmp_path)
    assert counts["entries"] == entries_feedparser_finds(folder)


@pytest.mark.skipif(not SHARED_FEEDS.is_dir(), reason=f"{SHARED_FEEDS} not found")
def test_all_42_real_feeds(tmp_path):
    counts = run_corpus(SHARED_FEEDS, tmp_path)
    assert counts["entries"] == entries_feedparser_finds(SHARED_FEEDS)


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a0 "dos">' + "".join(
    f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)) +
    ']><rss version="2.0"><channel><title>&a9;</title>'
    '<item><title>x</title><link>/laughs-entry</link></item></channel></rss>')
QUADRATIC = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "' + "A" * 50000 + '">]>'
             '<rss version="2.0"><channel><title>' + "&big;" * 2000 + '</title>'
             '<item><title>q</title><link>/quadratic-entry</link></item></channel></rss>')


def xxe(base):
    return ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY file SYSTEM "file:///etc/passwd">'
            f'<!ENTITY web SYSTEM "{base}/secret">]><rss version="2.0"><channel>'
            '<title>&file;&web;</title><item><title>&file;</title><link>/xxe-entry</link>'
            '</item></channel></rss>')


def links_feed():
    items = ["<item><title>no link</title></item>",
             "<item><title>js</title><link>javascript:alert(1)</link></item>",
             "<item><title>file</title><link>file:///etc/passwd</link></item>",
             "<item><title>relative</title><link>/relative-entry?utm_source=x</link></item>",
             "<item><title>elsewhere</title><link>http://elsewhere.example/a</link></item>"]
    return f'<rss version="2.0"><channel><title>Links</title>{"".join(items)}</channel></rss>'


def test_bombs_external_entities_and_bad_links(server, tmp_path):
    server.routes["/laughs.xml"] = Route(LAUGHS, content_type="application/rss+xml")
    server.routes["/quadratic.xml"] = Route(QUADRATIC, content_type="application/rss+xml")
    server.routes["/xxe.xml"] = Route(xxe(server.base), content_type="application/rss+xml")
    server.routes["/gzip-bomb.xml"] = Route(gzip.compress(b" " * 60_000_000),
                                            headers={"Content-Encoding": "gzip"},
                                            content_type="application/rss+xml")
    server.routes["/links.xml"] = Route(links_feed(), content_type="application/rss+xml")
    server.routes["/html.xml"] = Route("<html><body><p>Not a feed</p></body></html>")
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("".join(server.url(p) + "\n" for p in (
        "/laughs.xml", "/quadratic.xml", "/xxe.xml", "/gzip-bomb.xml", "/links.xml", "/html.xml")))
    output = tmp_path / "news"
    result = run_cli("--feeds", str(feeds), "--output", str(output), *HERMETIC)
    assert result.returncode == 0, result.stderr[-3000:]
    assert server.hits.get("/secret") is None                  # external entity never fetched
    rejects = table(output, "rejects")
    by_url = {r["url"].replace(server.base, ""): r["reason"] for r in rejects if r["url"]}
    assert by_url["/gzip-bomb.xml"] == "too_large"
    assert by_url["/html.xml"] == "not_a_feed"
    assert by_url["javascript:alert(1)"] == "bad_url"
    assert [r for u, r in by_url.items() if u.startswith("file:")] == ["bad_url"]
    assert by_url["http://elsewhere.example/a"] == "offsite_link"
    assert "no_link" in {r["reason"] for r in rejects}
    for path in ("/laughs-entry", "/quadratic-entry", "/xxe-entry", "/relative-entry"):
        assert by_url[path] == "http_404", path                # parsed, resolved, fetched
    assert not any("root:" in (r["detail"] or "") for r in rejects)
    counts = manifest(output)["counts"]
    assert counts["entries"] == 8 and counts["accounting_balanced"]   # 1 + 1 + 1 + 5


def test_a_feed_with_100000_entries(server, tmp_path):
    items = "".join(f"<item><link>http://elsewhere.example/{i}</link></item>"
                    for i in range(100_000))
    server.routes["/huge.xml"] = Route(f'<rss version="2.0"><channel><title>Huge</title>'
                                       f'{items}</channel></rss>',
                                       content_type="application/rss+xml")
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(server.url("/huge.xml") + "\n")
    output = tmp_path / "news"
    result = run_cli("--feeds", str(feeds), "--output", str(output), *HERMETIC)
    assert result.returncode == 0, result.stderr[-3000:]
    counts = manifest(output)["counts"]
    assert counts["entries"] == 100_000 and counts["rejects_by_reason"] == {"offsite_link": 100_000}
    assert counts["accounting_balanced"]


def test_html_that_hangs_the_extractor_costs_one_page(server, tmp_path):
    slow = "<html><body>" + "".join(f"<div><p>word{i} text here and there</p></div>"
                                    for i in range(20000)) + "</body></html>"
    fine = ("<html><head><title>Fine</title></head><body><article><h1>Fine</h1><p>" +
            "A perfectly ordinary article about the harbour and its new ferry terminal. " * 8 +
            "</p></article></body></html>")
    server.routes["/slow.html"] = Route(slow)
    server.routes["/fine.html"] = Route(fine)
    server.routes["/feed.xml"] = Route(
        '<rss version="2.0"><channel><title>T</title>'
        f'<item><link>{server.url("/slow.html")}</link></item>'
        f'<item><link>{server.url("/fine.html")}</link></item></channel></rss>',
        content_type="application/rss+xml")
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(server.url("/feed.xml") + "\n")
    output = tmp_path / "news"
    result = run_cli("--feeds", str(feeds), "--output", str(output), *HERMETIC,
                     "--extract_timeout", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert [r["reason"] for r in table(output, "rejects")] == ["extract_timeout"]
    assert [r["title"] for r in table(output, "articles")] == ["Fine"]
