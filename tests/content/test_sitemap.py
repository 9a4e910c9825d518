"""Sitemaps, home pages and robots.txt as sources (transforms/content/sitemap.py, discovery.py,
source.py), on real samples (tests/fixtures/sources/README.md) and hostile input."""
import gzip
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import FIXTURES
from transforms.content.discovery import feed_links, robots_sitemaps
from transforms.content.feed import FeedParseError
from transforms.content.source import HOME_PAGE, SITEMAP, SITEMAP_INDEX, read_source

SOURCES = FIXTURES / "sources"
CAPTURED = datetime(2026, 9, 24, tzinfo=timezone.utc)


def page(name):
    return gzip.decompress((SOURCES / name).read_bytes())


def test_a_real_google_news_sitemap_gives_entries_with_its_evidence():
    body = (SOURCES / "news-sitemap-rijksoverheid.xml").read_bytes()
    read = read_source(body, "https://www.rijksoverheid.nl/news/sitemap.xml", now=CAPTURED)
    assert read.kind == SITEMAP and len(read.entries) == 2 and not read.skips
    first = read.entries[0]
    assert first.title == "Nederlandse Staat neemt aandelen kerncentrale Borssele over"
    assert first.published == datetime(2026, 9, 23, 14, 47, 46, 215000, tzinfo=timezone.utc)
    assert first.feed_language == "nl" and first.feed_title == "Rijksoverheid.nl"
    assert read.entries[1].title.startswith("Europese toeslag van € 2")


def test_entries_past_the_recency_window_are_skipped_unrequested():
    body = (SOURCES / "news-sitemap-rijksoverheid.xml").read_bytes()
    read = read_source(body, "https://www.rijksoverheid.nl/news/sitemap.xml",
                       now=CAPTURED + timedelta(days=10))
    assert read.entries == [] and [s.reason for s in read.skips] == ["too_old", "too_old"]


def test_an_index_of_gzip_children_old_ones_left_out():
    fresh = (CAPTURED - timedelta(hours=3)).isoformat()
    index = ('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f'<sitemap><loc>https://ex.org/news.xml.gz</loc><lastmod>{fresh}</lastmod></sitemap>'
             '<sitemap><loc>https://ex.org/2019.xml.gz</loc><lastmod>2019-01-01</lastmod>'
             '</sitemap><sitemap><loc>https://ex.org/undated.xml</loc></sitemap>'
             '</sitemapindex>').encode()
    read = read_source(gzip.compress(index), "https://ex.org/index.xml.gz", now=CAPTURED)
    assert read.kind == SITEMAP_INDEX and read.skipped_old == 1
    assert read.found == ["https://ex.org/news.xml.gz", "https://ex.org/undated.xml"]


def test_plain_text_sitemaps_and_sitemaps_without_a_namespace():
    read = read_source(b"https://ex.org/a\nhttps://ex.org/b\n", "https://ex.org/s.txt",
                       "text/plain")
    assert [e.link for e in read.entries] == ["https://ex.org/a", "https://ex.org/b"]
    read = read_source(b"<urlset><url><loc>https://ex.org/c</loc></url></urlset>",
                       "https://ex.org/s.xml")
    assert [e.link for e in read.entries] == ["https://ex.org/c"]


@pytest.mark.parametrize("body, reason", [
    (b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
     b"<urlset><url><loc>https://ex.org/&b;</loc></url></urlset>", "unsafe_xml"),
    (b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b"<urlset><url><loc>&x;</loc></url></urlset>", "unsafe_xml"),
    (gzip.compress(b"<urlset>" + b" " * (51 * 2**20) + b"</urlset>"), "too_large"),
    (b"<urlset>" + b"<url><loc>https://ex.org/p</loc></url>" * 50_001 + b"</urlset>",
     "too_many_urls"),
    (b"<urlset><url><loc>https://ex.org/a</loc>", "parse_error"),
    (b"\x1f\x8bnot gzip at all", "parse_error"),
])
def test_hostile_sitemaps_end_as_a_reason(body, reason):
    with pytest.raises(FeedParseError) as raised:
        read_source(body, "https://ex.org/sitemap.xml")
    assert raised.value.reason == reason


def test_a_real_page_advertises_its_feeds_comment_feeds_left_out():
    # WordPress: the site's feed, its comments feed and the post's comments feed
    found = feed_links(page("page-slashgear.html.gz").decode(), "https://www.slashgear.com/x/")
    assert found == ["https://www.slashgear.com/feed/"]
    # a Japanese comments feed ("のコメントのフィード") beside the site's RSS
    found = feed_links(page("page-lhpat-tm.html.gz").decode(),
                       "https://www.lhpat-tm.com/blog/decision-info/index-2726.html")
    assert found == ["https://www.lhpat-tm.com/rss.xml"]


def test_a_listed_home_page_is_read_for_feeds_a_found_one_is_not():
    body = page("page-slashgear.html.gz")
    assert read_source(body, "https://www.slashgear.com/").kind == HOME_PAGE
    with pytest.raises(FeedParseError) as raised:
        read_source(body, "https://www.slashgear.com/", discover=False)
    assert raised.value.reason == "not_a_feed"
    read = read_source(page("page-sciencealert.html.gz"), "https://www.sciencealert.com/")
    assert read.kind == HOME_PAGE and read.found == []


def test_robots_sitemap_lines_in_any_group_and_case():
    text = ("User-agent: *\nDisallow: /search\nSitemap: https://ex.org/news-sitemap.xml\n\n"
            "User-agent: Googlebot-News\nsitemap: /sitemap-index.xml # all sections\n"
            "SITEMAP: https://ex.org/news-sitemap.xml\n")
    assert robots_sitemaps(text, "https://ex.org/robots.txt") == [
        "https://ex.org/news-sitemap.xml", "https://ex.org/sitemap-index.xml"]
