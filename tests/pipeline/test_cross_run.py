"""Copies and stories across runs: later runs attach to what earlier runs wrote."""
import json
from pathlib import Path

import pyarrow.dataset as ds

from tests.conftest import Route, demo_page
from tests.conftest import run_cli

ATOM = """<feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>{entries}</feed>"""
ENTRY = "<entry><title>{t}</title><link href=\"{base}{path}\"/><updated>{d}</updated></entry>"


def serve_feed(server, feed_path, title, pages):
    entries = ""
    for path, (outlet, slug, published) in pages.items():
        html = demo_page(outlet, slug).replace("%%BASE%%", server.base)
        server.routes[path] = Route(html)
        entries += ENTRY.format(t=slug, base=server.base, path=path, d=published)
    server.routes[feed_path] = Route(ATOM.format(title=title, entries=entries),
                                     content_type="application/atom+xml")


def rows(output):
    table = ds.dataset(str(output / "articles"), format="parquet", partitioning="hive").to_table()
    return {r["url"].rsplit("/", 1)[-1]: r for r in table.to_pylist()}


def test_later_copies_and_rewrites_join_earlier_groups(server, tmp_path):
    output = tmp_path / "news"
    serve_feed(server, "/a.atom", "Outlet A", {
        "/toi.html": ("northwind", "blinken-calls-on-all-parties", "2024-08-01T06:30:00Z")})
    serve_feed(server, "/b.atom", "Outlet B", {
        "/copy.html": ("harbor", "us-top-diplomat-ceasefire-call", "2024-08-01T14:05:00Z"),
        "/jns.html": ("meridian", "blinken-urges-restraint", "2024-08-01T14:15:00Z")})
    one = tmp_path / "one.txt"
    one.write_text(server.url("/a.atom") + "\n")
    both = tmp_path / "both.txt"
    both.write_text(server.url("/a.atom") + "\n" + server.url("/b.atom") + "\n")

    first = run_cli("--feeds", str(one), "--output", str(output), "--allow_private_hosts")
    assert first.returncode == 0, first.stderr
    toi = rows(output)["toi.html"]
    second = run_cli("--feeds", str(both), "--output", str(output), "--allow_private_hosts")
    assert second.returncode == 0, second.stderr
    after = rows(output)
    assert after["toi.html"] == toi                         # written rows never change
    assert after["copy.html"]["dup_id"] == toi["article_id"]
    assert after["jns.html"]["dup_id"] == after["jns.html"]["article_id"]
    assert after["jns.html"]["story_id"] == toi["article_id"]
    assert after["copy.html"]["story_id"] == toi["article_id"]
    # the summary says what joined earlier groups (this run alone has no copy group)
    assert "copy groups       0 (0 articles); 1 copies of earlier articles" in second.stdout
    assert "; 2 joined earlier stories" in second.stdout

    third = run_cli("--feeds", str(both), "--output", str(output), "--allow_private_hosts")
    assert third.returncode == 0 and rows(output) == after   # re-running changes nothing
    index = ds.dataset(str(output / "_state" / "signatures"), format="parquet",
                       partitioning="hive").to_table()
    assert sorted(index.column("article_id").to_pylist()) == sorted(r["article_id"]
                                                                    for r in after.values())
    manifests = sorted((output / "_runs").glob("*.json"))
    assert json.loads(Path(manifests[-1]).read_text())["counts"]["feeds_not_modified"] == 2
