"""Sources beyond feed URLs, through the command line: a home page with feed links, one
without (its robots.txt's sitemaps), an index of gzip children, old entries never requested,
and hostile sitemaps, each ending as a row (transforms/feeds.py)."""
import gzip
import json
import threading
from datetime import datetime, timedelta, timezone

from pipeline.report import collect, render
from tests.conftest import Route, run_cli
from tests.pipeline.test_hostile import manifest, table

ARGS = ["--allow_networks", "127.0.0.0/8", "--host_delay", "0", "--retries", "0",
        "--connect_timeout", "2", "--no_report"]
ARTICLE = ("<html><head><title>{t}</title></head><body><article><h1>{t}</h1>"
           + "<p>{t} is reported here with enough words to be an article body. " * 6
           + "</p></article></body></html>")


def urlset(base, paths, when):
    urls = "".join(f"<url><loc>{base}{p}</loc><lastmod>{when}</lastmod></url>" for p in paths)
    return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


def test_home_pages_robots_sitemaps_and_indexes(server, other_server, tmp_path):
    now = datetime.now(timezone.utc)
    fresh, old = (now - timedelta(hours=2)).isoformat(), (now - timedelta(days=30)).isoformat()
    a, b = server, other_server
    # a home page that links its feed (and a comments feed, not followed)
    a.routes["/"] = Route('<!doctype html><html><head>'
                          '<link rel="alternate" type="application/rss+xml" href="/feed.xml">'
                          '<link rel="alternate" type="application/rss+xml" '
                          'title="Comments Feed" href="/comments/feed/"></head><body></body></html>')
    a.routes["/feed.xml"] = Route(f'<rss version="2.0"><channel><title>A</title><item>'
                                  f'<title>One</title><link>{a.base}/one.html</link></item>'
                                  '</channel></rss>', content_type="application/rss+xml")
    a.routes["/one.html"] = Route(ARTICLE.format(t="Harbour reopens"))
    # a home page without feed links: robots.txt names a news sitemap and an index
    b.routes["/"] = Route("<!doctype html><html><body><p>Welcome</p></body></html>")
    b.routes["/robots.txt"] = Route("User-agent: *\nDisallow:\nSitemap: /news.xml\n"
                                    "Sitemap: /index.xml\nSitemap: /index2.xml\n",
                                    content_type="text/plain")
    b.routes["/news.xml"] = Route(urlset(b.base, ["/two.html"], fresh).replace(
        "</urlset>", f"<url><loc>{b.base}/old.html</loc><lastmod>{old}</lastmod></url></urlset>"),
        content_type="application/xml")
    b.routes["/index.xml"] = Route(
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f'<sitemap><loc>{b.base}/s1.xml.gz</loc><lastmod>{fresh}</lastmod></sitemap>'
        f'<sitemap><loc>{b.base}/2019.xml</loc><lastmod>{old}</lastmod></sitemap>'
        f'<sitemap><loc>{b.base}/index.xml</loc></sitemap>'               # itself
        f'<sitemap><loc>{b.base}/bomb.xml.gz</loc></sitemap>'
        f'<sitemap><loc>{b.base}/xxe.xml</loc></sitemap>'
        f'<sitemap><loc>{b.base}/deep/1.xml</loc></sitemap></sitemapindex>',
        content_type="application/xml")
    b.routes["/index2.xml"] = Route(           # names s1 too: fetched once all the same
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f'<sitemap><loc>{b.base}/s1.xml.gz</loc></sitemap></sitemapindex>',
        content_type="application/xml")
    b.routes["/s1.xml.gz"] = Route(gzip.compress(urlset(b.base, ["/three.html"], fresh)
                                                 .encode()), content_type="application/x-gzip")
    b.routes["/bomb.xml.gz"] = Route(gzip.compress(b"<urlset>" + b" " * 60_000_000),
                                     content_type="application/x-gzip")
    b.routes["/xxe.xml"] = Route('<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM '
                                 f'"{b.base}/secret">]><urlset><url><loc>&x;</loc></url>'
                                 '</urlset>', content_type="application/xml")
    for depth in range(1, 8):                 # an index that nests without end
        b.routes[f"/deep/{depth}.xml"] = Route(
            '<sitemapindex><sitemap><loc>' + f"{b.base}/deep/{depth + 1}.xml"
            + '</loc></sitemap></sitemapindex>', content_type="application/xml")
    for name in ("two", "three", "old"):
        b.routes[f"/{name}.html"] = Route(ARTICLE.format(t=f"Story {name}"))
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"{a.base}/ Outlet A\n{b.base}/ Outlet B\n")
    output = tmp_path / "news"
    result = run_cli("--feeds", str(feeds), "--output", str(output), *ARGS)
    assert result.returncode == 0, result.stderr[-3000:]

    articles = {r["url"].split("/")[-1]: r for r in table(output, "articles")}
    assert sorted(articles) == ["one.html", "three.html", "two.html"]
    assert articles["two.html"]["source"] == "Outlet B"
    assert b.hits.get("/old.html") is None and b.hits.get("/2019.xml") is None
    assert a.hits.get("/comments/feed/") is None and b.hits.get("/secret") is None
    assert b.hits["/index.xml"] == 1                       # the loop is not fetched again
    assert b.hits["/s1.xml.gz"] == 1                       # named by two indexes, fetched once
    rejects = {r["url"].replace(b.base, ""): r for r in table(output, "rejects")}
    reasons = {url: r["reason"] for url, r in rejects.items()}
    assert reasons["/index.xml"] == "source_loop"
    # a child not followed is an entry of its parent: the parent itself read fine
    assert (rejects["/index.xml"]["stage"], rejects["/index.xml"]["feed_url"]) == \
        ("entry", f"{b.base}/index.xml")
    assert reasons["/bomb.xml.gz"] == "too_large" and reasons["/xxe.xml"] == "unsafe_xml"
    # home page, robots.txt, index, deep/1, deep/2: deep/3 would be a fifth step
    assert reasons["/deep/3.xml"] == "too_deep" and b.hits.get("/deep/3.xml") is None

    counts = manifest(output)["counts"]
    assert counts["accounting_balanced"] and counts["skipped_by_reason"] == {"too_old": 1}
    assert counts["by_feed"][f"{b.base}/index.xml"]["status"] == "ok"
    assert counts["by_feed"][f"{b.base}/deep/2.xml"]["status"] == "ok"
    found = counts["discovered"]
    assert found[f"{a.base}/"] == {"kind": "home_page", "found_from": None,
                                   "found": [f"{a.base}/feed.xml"], "skipped_old": 0}
    assert found[f"{b.base}/"]["found"] == [f"{b.base}/robots.txt"]
    assert found[f"{b.base}/robots.txt"]["found"] == [
        f"{b.base}/news.xml", f"{b.base}/index.xml", f"{b.base}/index2.xml"]
    assert found[f"{b.base}/index.xml"]["skipped_old"] == 1
    assert "  discovered  " in result.stdout
    shown = render(collect(str(output), manifest(output)["run_id"]))
    assert "Discovered sources" in shown and f"{b.base}/s1.xml.gz" in shown
    states = {s["feed_url"].replace(b.base, "B").replace(a.base, "A"): s["kind"]
              for s in table(output, "_state/feeds")}
    assert states["A/"] == "home_page" and states["A/feed.xml"] == "feed"
    assert states["B/robots.txt"] == "robots" and states["B/index.xml"] == "sitemap_index"
    assert states["B/s1.xml.gz"] == "sitemap"

    # the next run: the index and home pages are read again, the sitemaps conditionally
    again = run_cli("--feeds", str(feeds), "--output", str(output), *ARGS)
    assert again.returncode == 0, again.stderr[-3000:]
    assert b.hits["/index.xml"] == 2 and b.hits["/s1.xml.gz"] == 2
    runs = sorted((output / "_runs").glob("*.json"), key=lambda f: f.stat().st_mtime)
    later = json.loads(runs[-1].read_text())["counts"]
    # the loop and the fifth step were rejected once: now they are skipped as seen
    assert later["accounting_balanced"] and later["skipped_by_reason"]["seen"] == 2
    assert "source_loop" not in later["rejects_by_reason"]
    assert b.hits.get("/three.html") == 1                 # seen: not fetched again


def test_a_streaming_job_follows_a_home_page_to_its_news_sitemap(server, tmp_path):
    listed, lock = [], threading.Lock()

    def news(handler, n):
        # two more fresh entries at every poll (the local runner fetches polls as it goes)
        with lock:
            for i in range(len(listed), 2 * n):
                server.routes[f"/n/{i}.html"] = Route(ARTICLE.format(t=f"Live story {i}"))
                listed.append(server.url(f"/n/{i}.html"))
            shown = [u.replace(server.base, "") for u in listed[:2 * n]]
        return Route(urlset(server.base, shown, datetime.now(timezone.utc).isoformat()),
                     content_type="application/xml")

    server.routes["/"] = Route("<!doctype html><html><body><p>Welcome</p></body></html>")
    server.routes["/robots.txt"] = Route("User-agent: *\nSitemap: /news.xml\n",
                                         content_type="text/plain")
    server.routes["/news.xml"] = news
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"{server.base}/ Live site\n")
    output = tmp_path / "news"
    result = run_cli("--feeds", str(feeds), "--output", str(output), "--streaming",
                     "--run_duration", "20", "--poll_interval", "5", "--window", "10",
                     *ARGS, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert server.hits["/news.xml"] >= 3 and server.hits["/robots.txt"] >= 3, server.hits

    urls = [r["url"] for r in table(output, "articles")]
    assert sorted(urls) == sorted(listed) and len(urls) == len(set(urls))
    windows = [json.loads(p.read_text()) for p in (output / "_runs").glob("*-w*.json")]
    assert windows and all(w["counts"]["accounting_balanced"] for w in windows)
    assert any(w["counts"]["discovered"].get(f"{server.base}/robots.txt", {}).get("found")
               == [f"{server.base}/news.xml"] for w in windows)
    assert table(output, "rejects") == []
