"""--semantic_stories from the command line: a rewrite written by a later run joins the story
an earlier run wrote, through the embeddings kept in _state/signatures."""
import html
import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pyarrow.dataset as ds

from tests.conftest import Route, run_cli, story_fixtures

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="article:published_time" content="{published}"></head>
<body><nav>Home | World | Sport</nav><article><h1>{title}</h1>{paragraphs}</article>
<footer>Copyright Example Media</footer></body></html>"""
RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>{items}
</channel></rss>"""
ITEM = "<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate></item>"


def serve_page(server, name, fixture, title, published, date):
    """Serves a fixture's text as a page; returns its feed item."""
    text = story_fixtures()[fixture]["text"]
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    server.routes[f"/{name}/story.html"] = Route(PAGE.format(
        title=html.escape(title), published=published, paragraphs=paragraphs))
    return ITEM.format(title=html.escape(title), link=server.url(f"/{name}/story.html"),
                       date=date)


def serve(server, name, *page):
    """Serves a page and a feed of it at /name/rss; returns the feed list line."""
    server.routes[f"/{name}/rss"] = Route(RSS.format(name=name, items=serve_page(
        server, name, *page)), content_type="application/rss+xml")
    return server.url(f"/{name}/rss") + "\n"


def articles(output):
    table = ds.dataset(str(output / "articles"), format="parquet", partitioning="hive").to_table()
    return {r["feed_url"].rsplit("/", 2)[-2]: r for r in table.to_pylist()}


def test_a_later_rewrite_joins_an_earlier_story_by_its_embedding(server, tmp_path, encoder):
    output = tmp_path / "news"
    first = tmp_path / "first.txt"
    first.write_text(serve(server, "bbc", "assange-bbc",
                           "Julian Assange: Swedish prosecutors drop rape investigation",
                           "2019-11-19T09:00:00Z", "Tue, 19 Nov 2019 09:00:00 GMT"))
    second = tmp_path / "second.txt"
    second.write_text(serve(server, "albawaba", "assange-albawaba",
                            "Sweden Drops Its Investigation Into Rape Allegation Against "
                            "Julian Assange", "2019-11-19T13:00:00Z",
                            "Tue, 19 Nov 2019 13:00:00 GMT"))
    flags = ("--output", str(output), "--allow_private_hosts", "--semantic_stories", "--quiet")
    run = run_cli("--feeds", str(first), *flags)
    assert run.returncode == 0, run.stderr
    run = run_cli("--feeds", str(second), *flags)
    assert run.returncode == 0, run.stderr
    rows = articles(output)
    assert rows["albawaba"]["story_id"] == rows["bbc"]["article_id"]
    assert rows["albawaba"]["dup_id"] == rows["albawaba"]["article_id"]   # not a copy
    index = ds.dataset(str(output / "_state" / "signatures"), format="parquet",
                       partitioning="hive").to_table(columns=["article_id", "embedding"])
    assert [len(v) for v in index.column("embedding").to_pylist()] == [384, 384]


def test_without_the_flag_the_rewrite_is_a_story_of_its_own(server, tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(
        serve(server, "bbc", "assange-bbc", "Swedish prosecutors drop Assange investigation",
              "2019-11-19T09:00:00Z", "Tue, 19 Nov 2019 09:00:00 GMT")
        + serve(server, "albawaba", "assange-albawaba", "Sweden drops Assange investigation",
                "2019-11-19T13:00:00Z", "Tue, 19 Nov 2019 13:00:00 GMT"))
    output = tmp_path / "news"
    run = run_cli("--feeds", str(feeds), "--output", str(output), "--allow_private_hosts",
                  "--quiet")
    assert run.returncode == 0, run.stderr
    rows = articles(output)
    assert rows["albawaba"]["story_id"] == rows["albawaba"]["article_id"]
    index = ds.dataset(str(output / "_state" / "signatures"), format="parquet",
                       partitioning="hive").to_table(columns=["embedding"])
    assert index.column("embedding").to_pylist() == [None, None]


def test_a_streaming_job_links_a_rewrite(server, tmp_path, encoder):
    """The feed gains the rewrite after the first polls; the two are one story (the vectors
    come through the embedding step with their timestamps, into windows and keyed state)."""
    # published within the hour: state keeps signatures for --state_ttl after publication
    now = datetime.now(timezone.utc)
    bbc, albawaba = now - timedelta(hours=1), now - timedelta(minutes=30)
    items = [serve_page(server, "bbc", "assange-bbc",
                        "Swedish prosecutors drop Assange investigation", bbc.isoformat(),
                        format_datetime(bbc, usegmt=True)),
             serve_page(server, "albawaba", "assange-albawaba",
                        "Sweden drops Assange investigation", albawaba.isoformat(),
                        format_datetime(albawaba, usegmt=True))]

    def feed(handler, n):   # the n-th request sees the first story, then both from the 3rd on
        return Route(RSS.format(name="Live", items="".join(items[:1] if n < 3 else items)),
                     content_type="application/rss+xml")

    server.routes["/live.xml"] = feed
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(server.url("/live.xml") + "\n")
    output = tmp_path / "news"
    run = run_cli("--feeds", str(feeds), "--output", str(output), "--streaming",
                  "--run_duration", "20", "--poll_interval", "5", "--window", "10",
                  "--allow_networks", "127.0.0.0/8", "--host_delay", "0", "--semantic_stories",
                  "--quiet", timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    table = ds.dataset(str(output / "articles"), format="parquet", partitioning="hive").to_table()
    by_url = {r["url"].split("/")[-2]: r for r in table.to_pylist()}
    # one story of two texts (whichever window wrote first leads it: written ids never change)
    assert by_url["albawaba"]["story_id"] == by_url["bbc"]["story_id"]
    assert by_url["albawaba"]["dup_id"] != by_url["bbc"]["dup_id"]
    windows = [json.loads(p.read_text()) for p in (output / "_runs").glob("*-w*.json")]
    assert sum(w["counts"]["articles"] for w in windows) == 2
    assert all(w["counts"]["accounting_balanced"] for w in windows)
