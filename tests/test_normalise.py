from datetime import datetime, timezone

import pytest

from schemas.records import FeedEntry
from transforms.dates import date_from_url, parse_datetime, plausible
from transforms.normalise import build_article, canonical_url_for, choose_published, clean_authors

NOW = datetime(2024, 8, 2, tzinfo=timezone.utc)


@pytest.mark.parametrize("raw, expected", [
    (["By Jane Doe and John Smith"], ["Jane Doe", "John Smith"]),
    (["Anna Müller, Jörg Weiß & Zoë Ångström"], ["Anna Müller", "Jörg Weiß", "Zoë Ångström"]),
    (["Von Max Mustermann"], ["Max Mustermann"]),
    (["jane@example.com; Jane Doe | https://example.com/jane"], ["Jane Doe"]),
    (["Staff", "Daily Meridian"], []),
    (["Jane Doe, Staff Writer"], ["Jane Doe"]),
    (["@janedoe Jane Doe"], ["Jane Doe"]),
])
def test_clean_authors(raw, expected):
    assert clean_authors(raw, publisher="Daily Meridian") == expected


def test_parse_datetime_keeps_the_offset():
    dt, precision = parse_datetime("2024-08-01T10:15:00-04:00")
    assert dt.utcoffset().total_seconds() == -4 * 3600 and precision == "time"
    assert parse_datetime("Thu, 01 Aug 2024 14:15:00 +0000")[0] == \
        datetime(2024, 8, 1, 14, 15, tzinfo=timezone.utc)
    assert parse_datetime("2024-08-01") == (datetime(2024, 8, 1, tzinfo=timezone.utc), "day")
    assert parse_datetime("not a date") == (None, None)


def test_implausible_dates_are_refused():
    assert not plausible(datetime(2030, 1, 1, tzinfo=timezone.utc), NOW)
    assert not plausible(datetime(1970, 1, 1, tzinfo=timezone.utc), NOW)
    assert plausible(datetime(2024, 8, 1, tzinfo=timezone.utc), NOW)


def test_published_precedence_and_source():
    candidates = {"jsonld": "2024-08-01T10:15:00-04:00", "meta": "2024-08-01T00:00:00Z",
                  "feed": datetime(2024, 8, 1, 15, tzinfo=timezone.utc)}
    assert choose_published(candidates, NOW) == (
        datetime(2024, 8, 1, 14, 15, tzinfo=timezone.utc), "jsonld")
    # A future JSON-LD date is skipped in favour of the next source.
    candidates["jsonld"] = "2031-01-01T00:00:00Z"
    assert choose_published(candidates, NOW)[1] == "meta"
    assert choose_published({}, NOW) == (None, "none")


def test_date_from_url():
    assert date_from_url("https://x.example/2024/08/01/story.html") == \
        datetime(2024, 8, 1, tzinfo=timezone.utc)
    assert date_from_url("https://x.example/2024/13/01/story.html") is None


def test_canonical_url_only_from_the_same_site():
    final = "https://www.example.com/news/1?utm_source=rss"
    assert canonical_url_for(final, "https://example.com/news/1") == "https://example.com/news/1"
    assert canonical_url_for(final, "https://aggregator.example.org/x") == \
        "https://www.example.com/news/1"
    assert canonical_url_for(final, None) == "https://www.example.com/news/1"


def test_build_article_combines_feed_and_page():
    entry = FeedEntry(feed_url="https://example.com/rss", link="https://example.com/a",
                      url_key="k", title="Feed title", summary="Feed summary",
                      authors=["By Jane Doe"], feed_title="Example News - World",
                      published=datetime(2024, 8, 1, 12, tzinfo=timezone.utc), tags=["world"])
    page = {"text": "Body text of the story " * 10, "title": None, "byline": None,
            "sitename": "Example News", "description": None, "page_url": None, "day": None,
            "tags": ["politics"], "image": None, "html_lang": "en", "dates": {},
            "language": "en", "language_score": 0.99}
    row = build_article(entry, "https://example.com/a", NOW, page, "run1")
    assert row["title"] == "Feed title" and row["description"] == "Feed summary"
    assert row["source"] == "Example News" and row["source_domain"] == "example.com"
    assert row["authors"] == ["Jane Doe"]
    assert (row["published_at"], row["date_source"]) == (entry.published, "feed")
    assert row["tags"] == ["politics", "world"] and row["word_count"] == 50
    assert row["dup_id"] == row["story_id"] == row["article_id"]
