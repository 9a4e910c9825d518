"""Parsing real feeds into entries and entry rejects (transforms/content/feed.py)."""
from datetime import datetime, timezone

import pytest

from schemas.records import Level, Stage
from tests.conftest import DEMO_CORPUS, FIXTURES
from transforms.content.feed import FeedParseError, parse_feed, strip_html


FEEDS = FIXTURES / "feeds"


def test_real_rss20_with_offset_date():
    entries, rejects = parse_feed((FEEDS / "rss_2.0_spiegel.xml").read_bytes(),
                                  "https://www.spiegel.de/feed.rss", "application/rss+xml")
    assert rejects == [] and len(entries) == 1
    entry = entries[0]
    assert entry.link.startswith("https://omny.fm/shows/spiegel-update")
    assert entry.published == datetime(2021, 2, 6, 23, 1, tzinfo=timezone.utc)
    assert entry.feed_language == "de" and entry.feed_title


def test_real_atom_with_author_and_media():
    entries, _ = parse_feed((FEEDS / "atom_mediarss_newscred_1.xml").read_bytes(),
                            "http://www.example.com/feed")
    assert entries[0].link == "http://www.example.com/the-day-off-tampa"
    assert entries[0].authors == ["Some author"]


@pytest.mark.parametrize("outlet, feed", [("meridian", "feed.xml"), ("northwind", "feed.atom"),
                                          ("harbor", "feed.rdf")])
def test_demo_feeds_in_all_three_formats(outlet, feed):
    body = (DEMO_CORPUS / outlet / feed).read_bytes().replace(b"%%BASE%%", b"http://h.example")
    body = body.replace(b"%%BASE:meridian%%", b"http://m.example")
    entries, rejects = parse_feed(body, f"http://h.example/{feed}")
    assert len(entries) == 13 and rejects == []
    assert all(e.published or e.updated for e in entries)
    assert all(e.link.startswith("http://") for e in entries)


def test_entries_without_usable_links_become_rejects():
    body = b"""<rss version="2.0"><channel><title>t</title>
      <item><title>no link</title></item>
      <item><title>js</title><link>javascript:alert(1)</link></item>
      <item><title>relative</title><link>/news/1.html?utm_source=rss</link></item>
    </channel></rss>"""
    entries, rejects = parse_feed(body, "https://example.com/rss.xml")
    assert [e.link for e in entries] == ["https://example.com/news/1.html"]
    assert sorted(r.reason for r in rejects) == ["bad_url", "no_link"]
    assert all(r.stage is Stage.ENTRY and r.level is Level.ENTRY for r in rejects)


def test_html_is_not_a_feed():
    with pytest.raises(FeedParseError) as err:
        parse_feed(b"<html><body><p>Hello</p></body></html>", "https://example.com/")
    assert err.value.reason == "not_a_feed"


def test_strip_html():
    assert strip_html("<p>A &amp; <b>B</b></p>\n") == "A & B"
    assert strip_html("") is None


def test_portuguese_dates_and_undeclared_latin1():
    entries, _ = parse_feed((FEEDS / "uolNoticias.rss").read_bytes(), "https://uol.example/feed")
    assert len(entries) == 15 and all(e.published for e in entries)
    # "Seg, 24 Set 2018 19:42:40 -0300"
    assert entries[0].published == datetime(2018, 9, 24, 22, 42, 40, tzinfo=timezone.utc)
    assert any("inquérito" in e.title for e in entries)


def test_month_first_dates_keep_pm():
    entries, _ = parse_feed((FEEDS / "rss_2.0_nbcny.xml").read_bytes(), "https://nbc.example/rss")
    assert entries[0].published.hour == 14          # "Sat, Dec 16 2023 02:02:33 PM"


@pytest.mark.parametrize("name, expected", [
    ("Rss20YandexRussia.xml", "В Москве из-за сильных морозов"),
    ("Rss20JapanToday.xml", "National \u203a Publisher ordered"),
])
def test_mojibake_is_repaired(name, expected):
    entries, _ = parse_feed((FEEDS / name).read_bytes(), "https://example.com/feed")
    assert entries[0].title.startswith(expected)
    assert all(e.published for e in entries)


def test_a_json_feed_gives_entries_with_their_fields():
    # feedparser's JSON Feed test case (BSD-2-Clause, tests/fixtures/feedparser-cases/LICENSE.txt)
    body = (FIXTURES / "feedparser-cases" / "json" / "example.json").read_bytes()
    entries, rejects = parse_feed(body, "https://example.org/feed.json")
    assert [(e.link, e.feed_title) for e in entries] == [
        ("https://example.org/second-item", "My Example Feed"),
        ("https://example.org/initial-post", "My Example Feed")]
    assert entries[0].summary == "This is a second item." and entries[0].tags == ["test", "JSON"]
    assert entries[0].authors == ["me"] and entries[1].authors == ["you"]   # feed's, then item's
    assert entries[1].summary == "Hello, world!" and not rejects           # its <script> dropped


def test_real_json_feeds_of_both_versions():
    # jsonfeed.org's own feed (1.0: a feed-level `author`) and Daring Fireball's (1.1: items'
    # `authors`), tests/fixtures/feeds/README.md
    (entry,), rejects = parse_feed((FEEDS / "jsonfeed-1.0-jsonfeed-org.json").read_bytes(),
                                   "https://jsonfeed.org/feed.json")
    assert (entry.link, entry.title, entry.feed_title) == (
        "https://jsonfeed.org/2017/05/17/announcing_json_feed", "Announcing JSON Feed",
        "JSON Feed")
    assert entry.published == datetime(2017, 5, 17, 15, 2, 12, tzinfo=timezone.utc)
    assert entry.authors == ["Brent Simmons and Manton Reece"] and not rejects
    assert entry.summary.startswith("We — Manton Reece and Brent Simmons — have noticed")
    entries, rejects = parse_feed((FEEDS / "jsonfeed-1.1-daringfireball.json").read_bytes(),
                                  "https://daringfireball.net/feeds/json")
    assert [e.title for e in entries] == [
        "MailTrackerBlocker for Apple Mail on MacOS", "Spoonbill",
        "Mailcoach: Another Self-Hosted Newsletter Service"]
    assert entries[0].link == "https://daringfireball.net/linked/2021/02/26/mailtrackerblocker"
    assert entries[0].published == datetime(2021, 2, 27, 1, 6, 30, tzinfo=timezone.utc)
    assert entries[0].updated == datetime(2021, 2, 27, 1, 9, 39, tzinfo=timezone.utc)
    assert all(e.authors == ["John Gruber"] for e in entries) and not rejects


@pytest.mark.parametrize("body", [
    b'{"version": "https://jsonfeed.org/version/1", "items": [',        # cut short
    b'{"title": "just JSON", "items": []}',                             # no jsonfeed.org version
    b'{"version": "https://jsonfeed.org/version/1.1", "items": {"a": 1}}',
    b'{"a":' * 200000 + b"1" + b"}" * 200000,                           # nesting bomb
])
def test_json_that_is_no_json_feed_is_not_a_feed(body):
    with pytest.raises(FeedParseError) as raised:
        parse_feed(body, "https://example.org/feed.json")
    assert raised.value.reason == "not_a_feed"


def test_json_feed_items_of_the_wrong_shape_are_rejects_not_errors():
    body = (b'{"version": "https://jsonfeed.org/version/1.1", "items": ['
            b'{"url": 7, "title": ["x"]}, "not an item", null,'
            b'{"url": "https://example.org/ok", "date_published": 5, "tags": "x", "authors": 3}]}')
    entries, rejects = parse_feed(body, "https://example.org/feed.json")
    assert [e.link for e in entries] == ["https://example.org/ok"]
    assert entries[0].published is None and entries[0].tags == [] and entries[0].authors == []
    assert [r.reason for r in rejects] == ["no_link"] * 3
