"""FetchArticles on the runner: pages, or rejects with stable reasons (transforms/fetch.py)."""
import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import FeedEntry, Stage
from tests.conftest import Route, beam_pipeline, demo_page
from transforms.fetch import FetchArticles
from transforms.web.http import FetchPolicy

POLICY = FetchPolicy(retries=0, allow_private_hosts=True, total_timeout=5)


def entry(link):
    return FeedEntry(feed_url="http://f.example/rss", link=link, url_key="k-" + link)


def test_fetch_articles(server):
    server.routes["/seed.html"] = Route(demo_page("meridian", "blinken-urges-restraint"))
    server.routes["/doc.pdf"] = Route(b"%PDF-1.4 ...", content_type="application/pdf")
    server.routes["/empty.html"] = Route(b"  \n")
    entries = [entry(server.url(p)) for p in ("/seed.html", "/doc.pdf", "/empty.html", "/404")]
    with beam_pipeline() as p:
        fetched = p | beam.Create(entries) | FetchArticles(POLICY, threads=4)
        assert_that(fetched.pages | beam.Map(lambda page: (page.url, page.http_status,
                                                           "Blinken" in page.html)),
                    equal_to([(server.url("/seed.html"), 200, True)]))
        assert_that(fetched.rejects | "Why" >> beam.Map(
            lambda r: (r.stage, r.reason, r.url_key == "k-" + r.url)),
            equal_to([(Stage.ARTICLE_FETCH, "not_html", True),
                      (Stage.ARTICLE_FETCH, "no_text", True),
                      (Stage.ARTICLE_FETCH, "http_404", True)]), label="Rejects")


def test_a_host_that_asked_to_slow_down_is_reported(server, other_server):
    server.routes["/a.html"] = lambda h, n: (Route("busy", 429, {"Retry-After": "1"}) if n == 1
                                             else Route(demo_page("meridian",
                                                                  "blinken-urges-restraint")))
    other_server.routes["/b.html"] = Route(demo_page("meridian", "blinken-urges-restraint"))
    entries = [entry(server.url("/a.html")), entry(other_server.url("/b.html"))]
    with beam_pipeline() as p:
        fetched = p | beam.Create(entries) | FetchArticles(FetchPolicy(
            retries=1, allow_private_hosts=True, total_timeout=5))
        assert_that(fetched.pages | beam.Map(lambda page: page.url),
                    equal_to([server.url("/a.html"), other_server.url("/b.html")]))
        assert_that(fetched.hosts | "Hosts" >> beam.Map(lambda r: (r.host, r.slowed)),
                    equal_to([(server.base[len("http://"):], ("http_429",))]), label="Hosts")
