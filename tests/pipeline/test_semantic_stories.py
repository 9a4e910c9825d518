"""--semantic_stories from the command line: a rewrite written by a later run joins the story
an earlier run wrote, through the embeddings kept in _state/signatures."""
import html

import pyarrow.dataset as ds

from tests.conftest import Route, run_cli, story_fixtures

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="article:published_time" content="{published}"></head>
<body><nav>Home | World | Sport</nav><article><h1>{title}</h1>{paragraphs}</article>
<footer>Copyright Example Media</footer></body></html>"""
RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>
<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate></item>
</channel></rss>"""


def serve(server, name, fixture, title, published, date):
    text = story_fixtures()[fixture]["text"]
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    server.routes[f"/{name}/story.html"] = Route(PAGE.format(
        title=html.escape(title), published=published, paragraphs=paragraphs))
    server.routes[f"/{name}/rss"] = Route(RSS.format(
        name=name, title=html.escape(title), link=server.url(f"/{name}/story.html"), date=date),
        content_type="application/rss+xml")
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
