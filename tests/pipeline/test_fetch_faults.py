"""Every fetch fault of a hostile web, served on loopback and driven through the CLI."""
import json

import pyarrow.dataset as ds

from tests.conftest import Route
from tests.conftest import run_cli

WORDS = ("The harbour authority confirmed on Tuesday that the new ferry terminal will open "
         "next spring after two years of construction and several delays. ")


def article(title, body=WORDS * 4, charset_meta=""):
    return (f"<html><head>{charset_meta}<title>{title}</title></head><body><article>"
            f"<h1>{title}</h1><p>{body}</p><p>{body}</p></article></body></html>")


RUSSIAN = ("Городской совет во вторник утвердил новый бюджет порта и пообещал открыть "
           "паромный терминал следующей весной после двух лет строительства. ") * 4
FRENCH = ("Le conseil municipal a approuvé mardi le nouveau budget du port et promis "
          "d'ouvrir le terminal des ferries au printemps prochain, après deux années de travaux. ") * 4


def faults(server, other):
    """path -> (Route or callable, expected outcome: 'article' or a reject reason)."""
    return {
        "/ok.html": (Route(article("A plain article")), "article"),
        "/gone.html": (Route(b"gone", 404), "http_404"),
        "/broken.html": (Route(b"err", 500), "http_5xx"),
        "/limited.html": (lambda h, n: Route(b"", 429, {"Retry-After": "1"}) if n == 1
                          else Route(article("After a 429")), "article"),
        "/flaky.html": (lambda h, n: Route(b"", 503) if n <= 2 else Route(article("After 503s")),
                        "article"),
        "/hang.html": (Route(article("Too late"), delay=4), "timeout"),
        "/drip.html": (Route(article("Dripping"), drip=1.0), "timeout"),
        "/huge.html": (Route(article("Huge", WORDS * 3000)), "too_large"),
        "/loop1.html": (Route(b"", 302, {"Location": "/loop2.html"}), "too_many_redirects"),
        "/loop2.html": (Route(b"", 302, {"Location": "/loop1.html"}), None),
        "/moved.html": (Route(b"", 301, {"Location": other.url("/landed.html")}), "article"),
        "/inside.html": (Route(b"", 302, {"Location": "http://10.255.255.1/admin"}),
                         "private_address"),
        "/report.pdf": (Route(b"%PDF-1.4 binary", content_type="application/pdf"), "not_html"),
        "/binary.html": (Route(bytes(range(256)) * 40), "not_html"),
        "/cyrillic.html": (Route(article("Бюджет порта", RUSSIAN,
                                         '<meta charset="windows-1251">').encode("cp1251"),
                                 content_type="text/html"), "article"),
        "/latin1.html": (Route(article("Le budget du port", FRENCH).encode("latin-1"),
                               content_type="text/html; charset=utf-8"), "article"),
        "/empty.html": (Route(b""), "no_text"),
        "/private/secret.html": (Route(article("Disallowed")), "robots_disallowed"),
    }


def feed(server, paths):
    items = "".join(f"<item><title>{p}</title><link>{server.url(p)}</link></item>" for p in paths)
    return f'<rss version="2.0"><channel><title>Faults</title>{items}</channel></rss>'


def test_each_fault_ends_as_the_right_article_or_reject(server, other_server, tmp_path):
    cases = faults(server, other_server)
    for path, (route, _) in cases.items():
        server.routes[path] = route
    other_server.routes["/landed.html"] = Route(article("Landed on another host"))
    server.routes["/robots.txt"] = Route("User-agent: *\nDisallow: /private/\n",
                                         content_type="text/plain")
    listed = [p for p, (_, outcome) in cases.items() if outcome]
    server.routes["/feed.xml"] = Route(feed(server, listed), content_type="application/rss+xml",
                                       headers={"ETag": '"v1"'})
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(server.url("/feed.xml") + " Faults\n")
    output = tmp_path / "news"
    args = ["--feeds", str(feeds), "--output", str(output), "--allow_networks", "127.0.0.0/8",
            "--read_timeout", "1", "--total_timeout", "2.5", "--retries", "2",
            "--retry_backoff", "0.1", "--max_body_bytes", "200000", "--max_per_host", "8",
            "--host_delay", "0",
            # every fault lives on this one host: giving up on it after five failures in a
            # row would hide the reasons (tests/pipeline/test_politeness.py tests that)
            "--max_host_failures", "0"]
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr

    got = {}
    table = ds.dataset(str(output / "articles"), format="parquet", partitioning="hive").to_table()
    for row in table.to_pylist():
        got[row["url"].replace(other_server.base, "").replace(server.base, "")] = ("article", row)
    rejects = ds.dataset(str(output / "rejects"), format="parquet", partitioning="hive").to_table()
    for row in rejects.to_pylist():
        path = row["url"].replace(server.base, "")
        if path.startswith("http://10."):
            path = "/inside.html"
        if path in ("/loop1.html", "/loop2.html"):
            path = "/loop1.html"
        got[path] = (row["reason"], row)
    expected = {p: outcome for p, (_, outcome) in cases.items() if outcome}
    expected["/landed.html"] = expected.pop("/moved.html")   # the final URL is recorded
    assert {p: g[0] for p, g in got.items()} == expected

    texts = {p: g[1]["text"] for p, g in got.items() if g[0] == "article"}
    assert "Городской совет" in texts["/cyrillic.html"]
    assert "approuvé mardi" in texts["/latin1.html"]
    assert got["/broken.html"][1]["http_status"] == 500
    assert server.hits["/broken.html"] == 3 and server.hits["/flaky.html"] == 3
    assert server.hits["/robots.txt"] == 1

    counts = json.loads(next((output / "_runs").glob("*.json")).read_text())["counts"]
    assert counts["accounting_balanced"] and counts["entries"] == len(listed)

    # The feed answers 304 to its ETag: no entries, nothing fetched again.
    server.routes["/feed.xml"] = lambda h, n: (
        Route(b"", 304) if h.headers.get("If-None-Match") == '"v1"' else Route(b"stale", 500))
    assert run_cli(*args).returncode == 0
    runs = sorted((output / "_runs").glob("*.json"))
    second = json.loads(runs[-1].read_text())["counts"]
    assert second["feeds_not_modified"] == 1 and second["entries"] == 0
