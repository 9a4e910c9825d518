"""--keep_pages through the command line: WARC files published with the run, the pages table,
`newsbeam page` giving back the exact bytes, warcio's checker, stats and compact
(transforms/pages.py, dataset/pages.py)."""
import gzip
import json
import subprocess
import types

from warcio.checker import Checker

from pipeline.report import collect, render
from tests.conftest import DEMO_CORPUS, PYTHON, ROOT, Route, demo_page, run_cli
from schemas.records import FeedEntry
from tests.pipeline.test_hostile import manifest, table
from transforms.web.warc import read_metadata

SLUGS = sorted(p.name[:-len(".html.gz")] for p in
               (DEMO_CORPUS / "northwind" / "articles").glob("story-*.html.gz"))
ARGS = ["--allow_networks", "127.0.0.0/8", "--host_delay", "0", "--retries", "0", "--no_report"]
LATIN1 = ("<html><head><title>Caf\u00e9 cr\u00e8me</title></head><body><article>"
          + "<p>Le caf\u00e9 cr\u00e8me co\u00fbte plus cher \u00e0 Paris cette ann\u00e9e, "
            "selon les relev\u00e9s des prix publi\u00e9s jeudi. " * 8
          + "</p></article></body></html>").encode("latin-1")


def serve_feed(server, links):
    """/rss listing {path: title} of the server."""
    items = "".join(f"<item><title>{t}</title><link>{server.base}{p}</link></item>"
                    for p, t in links.items())
    server.routes["/rss"] = Route(f'<rss version="2.0"><channel><title>K</title>{items}'
                                  '</channel></rss>', content_type="application/rss+xml")


def keep_run(server, tmp_path, links, name="Kept", args=()):
    """A run with --keep_pages over the feed of `links`; returns the output folder."""
    serve_feed(server, links)
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(server.url("/rss") + f" {name}\n")
    output = tmp_path / "news"
    result = run_cli("--feeds", str(feeds), "--output", str(output), "--keep_pages", *ARGS,
                     *args)
    assert result.returncode == 0, result.stderr[-3000:]
    return output


def page_command(output, article_id, *args):
    return subprocess.run([PYTHON, "-m", "pipeline", "page", "--output", str(output),
                           article_id, *args], cwd=ROOT, capture_output=True, timeout=120)


def test_kept_pages_come_back_byte_for_byte(server, tmp_path):
    gz_html = demo_page("northwind", SLUGS[0]).encode()
    wire = gzip.compress(gz_html)
    server.routes["/gz.html"] = Route(wire, headers={"Content-Encoding": "gzip"})
    server.routes["/latin1.html"] = Route(LATIN1, content_type="text/html; charset=iso-8859-1")
    server.routes["/old.html"] = Route(b"", 301, headers={"Location": "/moved.html"})
    server.routes["/moved.html"] = Route(demo_page("northwind", SLUGS[1]))
    server.routes["/gone.html"] = Route(b"<p>gone</p>", 404)
    links = {p: p for p in ("/gz.html", "/latin1.html", "/old.html", "/gone.html")}
    output = keep_run(server, tmp_path, links)

    articles = {r["url"].rsplit("/", 1)[1]: r for r in table(output, "articles")}
    assert sorted(articles) == ["gz.html", "latin1.html", "moved.html"]
    assert all(r["warc_record_id"].startswith("<urn:uuid:") for r in articles.values())
    index = table(output, "pages")
    assert sorted((r["url"].rsplit("/", 1)[1], r["kind"], r["status"]) for r in index) == [
        ("gone.html", "page", 404), ("gz.html", "page", 200), ("latin1.html", "page", 200),
        ("moved.html", "page", 200), ("old.html", "page", 301), ("rss", "feed", 200)]
    warcs = sorted((output / "_pages").glob("date=*/*.warc.gz"))
    # one file per bundle of each fetching stage (feeds, pages), every one indexed and listed
    assert warcs and {r["warc_file"] for r in index} == {str(w.relative_to(output))
                                                         for w in warcs}
    assert {str(w) for w in warcs} <= set(manifest(output)["files"])
    checker = Checker(types.SimpleNamespace(inputs=[str(w) for w in warcs], verbose=False))
    assert checker.process_all() == 0
    # beside each article's page, the feed entry's evidence, for re-extraction
    with_entry = {r["url"].rsplit("/", 1)[1]: r for r in index if r["entry_length"]}
    assert sorted(with_entry) == ["gz.html", "latin1.html", "moved.html"]
    row = with_entry["moved.html"]
    with open(output / row["warc_file"], "rb") as fh:
        entry = FeedEntry.from_json(read_metadata(fh, row["warc_offset"] + row["warc_length"]))
    assert (entry.title, entry.feed_url, entry.source_name, entry.feed_title) == (
        "/old.html", server.url("/rss"), "Kept", "K")

    def page(name, *args):
        done = page_command(output, articles[name]["article_id"], *args)
        assert done.returncode == 0, done.stderr
        return done.stdout
    assert page("gz.html", "--raw") == wire and page("gz.html") == gz_html
    assert page("latin1.html") == LATIN1                       # the bytes, not re-encoded
    assert page("moved.html") == demo_page("northwind", SLUGS[1]).encode()
    saved = tmp_path / "saved.html"
    done = page_command(output, articles["gz.html"]["article_id"], "--save", str(saved),
                        "--headers")
    assert done.returncode == 0 and saved.read_bytes() == gz_html
    assert b"Content-Encoding: gzip" in done.stderr
    missing = page_command(output, "0" * 32)
    assert missing.returncode == 1 and b"no article" in missing.stderr

    stats = subprocess.run([PYTHON, "-m", "pipeline", "stats", "--output", str(output),
                            "--format", "json"], cwd=ROOT, capture_output=True, timeout=120)
    pages = json.loads(stats.stdout)["pages"]
    assert pages["warc_files"] == len(warcs) and pages["records"] == 6
    assert pages["bytes"] == sum(w.stat().st_size for w in warcs)

    shown = collect(str(output), manifest(output)["run_id"])
    assert shown["pages_kept"] == {"warc_files": len(warcs), "records": 6,
                                   "bytes": pages["bytes"]}
    assert "pages kept" in render(shown)

    # a later run without --keep_pages: its articles point nowhere, and the command says so
    server.routes["/new.html"] = Route(demo_page("northwind", SLUGS[2]))
    serve_feed(server, {**links, "/new.html": "/new.html"})
    assert run_cli("--feeds", str(tmp_path / "feeds.txt"), "--output", str(output),
                   *ARGS).returncode == 0
    new = next(r for r in table(output, "articles") if r["url"].endswith("/new.html"))
    assert new["warc_record_id"] is None
    done = page_command(output, new["article_id"])
    assert done.returncode == 1 and b"did not keep pages" in done.stderr
    # compaction rewrites the index, not the WARC files: pages are still found
    compacted = subprocess.run([PYTHON, "-m", "pipeline", "compact", "--output", str(output)],
                               cwd=ROOT, capture_output=True, timeout=300)
    assert compacted.returncode == 0, compacted.stderr
    assert page("gz.html") == gz_html
