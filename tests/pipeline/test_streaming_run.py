"""A bounded local streaming run: feeds that grow between polls, each new article once."""
import json
import threading
import types

import pyarrow.dataset as ds
from warcio.checker import Checker

from tests.conftest import DEMO_CORPUS, Route, demo_page
from tests.conftest import run_cli

SLUGS = sorted(p.name[:-len(".html.gz")] for p in
               (DEMO_CORPUS / "northwind" / "articles").glob("story-*.html.gz"))


def test_streaming_run_writes_each_new_article_once(server, tmp_path):
    listed, lock = [], threading.Lock()

    def feed(handler, n):
        # The local runner fetches its polls when the run ends, two at a time: the n-th
        # request sees the feed as it was at the n-th poll.
        with lock:
            for i in range(len(listed), 3 * n):          # three more entries at every poll
                path = f"/s/{i}.html"
                server.routes[path] = Route(demo_page("northwind", SLUGS[i % len(SLUGS)]))
                listed.append(server.url(path))
            shown = listed[:3 * n]
        items = "".join(f"<item><title>{u}</title><link>{u}</link></item>" for u in shown)
        items += "<item><title>A story without a link</title></item>"     # at every poll
        return Route(f'<rss version="2.0"><channel><title>Live</title>{items}</channel></rss>',
                     content_type="application/rss+xml")

    server.routes["/live.xml"] = feed
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(server.url("/live.xml") + " Live\n")
    output = tmp_path / "news"
    result = run_cli("--feeds", str(feeds), "--output", str(output), "--streaming",
                     "--run_duration", "20", "--poll_interval", "5", "--window", "10",
                     "--allow_networks", "127.0.0.0/8", "--host_delay", "0", "--keep_pages",
                     timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    polls = server.hits["/live.xml"]
    assert polls >= 3, "the feed was polled again and again"

    urls = ds.dataset(str(output / "articles"), format="parquet", partitioning="hive") \
        .to_table(columns=["url"]).column("url").to_pylist()
    assert len(urls) == len(set(urls)), "an article was written twice"
    assert sorted(urls) == sorted(listed)
    windows = [json.loads(p.read_text()) for p in (output / "_runs").glob("*-w*.json")]
    assert windows and all(w["counts"]["accounting_balanced"] for w in windows)
    assert sum(w["counts"]["articles"] for w in windows) == len(listed)
    assert sum(w["counts"]["skipped_by_reason"].get("duplicate_in_run", 0) for w in windows) > 0
    # the entry without a link is rejected once, then skipped at every later poll
    rejects = ds.dataset(str(output / "rejects"), format="parquet", partitioning="hive") \
        .to_table(columns=["reason"]).column("reason").to_pylist()
    assert rejects == ["no_link"]
    assert not (output / "_staging").exists() or not list((output / "_staging").iterdir())
    assert "windows)" in result.stdout
    # --keep_pages: each window's WARC files, and every article's page in the pages table
    kept = {r["record_id"]: r for r in ds.dataset(str(output / "pages"), format="parquet",
                                                  partitioning="hive").to_table().to_pylist()}
    ids = ds.dataset(str(output / "articles"), format="parquet", partitioning="hive") \
        .to_table(columns=["warc_record_id"]).column(0).to_pylist()
    assert ids and all(i in kept and kept[i]["kind"] == "page" for i in ids)
    assert sum(r["kind"] == "feed" for r in kept.values()) == polls
    warcs = sorted((output / "_pages").glob("date=*/*-w*.warc.gz"))
    assert warcs and {r["warc_file"] for r in kept.values()} == {
        str(w.relative_to(output)) for w in warcs}
    assert Checker(types.SimpleNamespace(inputs=[str(w) for w in warcs],
                                         verbose=False)).process_all() == 0
