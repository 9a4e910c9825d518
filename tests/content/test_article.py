"""One article row from page and feed evidence (transforms/content/article.py)."""
from datetime import date, datetime, timezone

from schemas.records import FeedEntry, PageContent
from transforms.content.article import build_article, canonical_url_for, choose_published
from transforms.content.dates import page_zone

NOW = datetime(2024, 8, 2, tzinfo=timezone.utc)


def test_published_precedence_and_source():
    # JSON-LD +02:00 wins over a Z in a meta tag (a known cause of wrong times elsewhere)
    candidates = {"jsonld": "2024-08-01T10:15:00+02:00", "meta": "2024-08-01T10:15:00Z",
                  "feed": datetime(2024, 8, 1, 15, tzinfo=timezone.utc)}
    assert choose_published(candidates, NOW) == (
        datetime(2024, 8, 1, 8, 15, tzinfo=timezone.utc), date(2024, 8, 1), "jsonld", "time")
    candidates["jsonld"] = "2031-01-01T00:00:00Z"        # future: the next source wins
    assert choose_published(candidates, NOW)[2] == "meta"
    assert choose_published({}, NOW) == (None, None, "none", None)


def test_a_time_beats_a_day_and_a_day_is_never_a_fake_midnight():
    assert choose_published({"jsonld": "2024-08-01", "feed": "Thu, 01 Aug 2024 09:00:00 +0200"},
                            NOW)[2:] == ("feed", "time")
    assert choose_published({"url": datetime(2024, 8, 1, tzinfo=timezone.utc).date().isoformat()},
                            NOW) == (None, date(2024, 8, 1), "url", "day")


def test_a_time_without_zone_takes_the_pages_zone():
    # n-tv writes JSON-LD datePublished without a zone but dateModified with one
    zone = page_zone(["2023-04-28T18:11:01", "2023-04-28T19:02:00+02:00"])
    published = choose_published({"jsonld": "2023-04-28T18:11:01"}, NOW, zone)
    assert published[0] == datetime(2023, 4, 28, 16, 11, 1, tzinfo=timezone.utc)
    assert published[3] == "time"
    unplaced = choose_published({"jsonld": "2023-04-28T18:11:01"}, NOW)
    assert unplaced[0] == datetime(2023, 4, 28, 18, 11, 1, tzinfo=timezone.utc)
    assert unplaced[3] == "local"


def test_canonical_url_only_from_the_same_site():
    final = "https://www.example.com/news/1?utm_source=rss"
    assert canonical_url_for(final, "https://example.com/news/1") == "https://example.com/news/1"
    assert canonical_url_for(final, "https://aggregator.example.org/x") == \
        "https://www.example.com/news/1"


def test_build_article_combines_feed_and_page():
    entry = FeedEntry(feed_url="https://example.com/rss", link="https://example.com/a",
                      url_key="k", title="Feed title", summary="Feed summary",
                      authors=["By Jane Doe and AP"], feed_title="Example News - World",
                      published=datetime(2024, 8, 1, 12, tzinfo=timezone.utc), tags=["world"])
    page = PageContent(text="Body text of the story " * 10, sitename="Example News",
                       tags=["politics"], site_names=["Example News"], language="en",
                       language_score=0.99)
    article = build_article(entry, "https://example.com/a", NOW, page, "run1")
    assert article.url_key == "k" and article.signature is None
    row = article.row
    assert (row["title"], row["title_source"]) == ("Feed title", "feed")
    assert row["source"] == "Example News" and row["source_domain"] == "example.com"
    assert row["authors"] == ["Jane Doe"] and row["agencies"] == ["AP"]
    assert (row["published_at"], row["date_source"]) == (entry.published, "feed")
    assert row["published_date"] == date(2024, 8, 1) and row["date_precision"] == "time"
    assert row["tags"] == ["politics", "world"] and row["word_count"] == 50
    assert row["dup_id"] == row["story_id"] == row["article_id"]


def test_an_ambiguous_numeric_date_follows_the_pages_locale_and_a_guess_is_marked():
    def page(**kw):
        base = dict(text="Body text of the page. " * 5, title="A story", byline=None,
                    sitename=None, description=None, page_url=None, day=None, tags=[],
                    image=None, titles={}, site_names=[], people={}, dates={},
                    declared_language=[])
        return PageContent(**{**base, **kw})
    entry = FeedEntry(feed_url="https://x.example/feed", link="https://x.example/a",
                      url_key="x.example/a")
    now = datetime(2026, 12, 2, tzinfo=timezone.utc)
    meta = {"meta": ("01/06/2026", None)}
    german = build_article(entry, "https://x.example/a", now, page(
        dates=meta, declared_language=["de-DE"]), "r1").row
    assert (german["published_date"], german["date_source"]) == (date(2026, 6, 1), "meta")
    american = build_article(entry, "https://x.example/a", now, page(
        dates=meta, declared_language=["en-US"]), "r1").row
    assert american["published_date"] == date(2026, 1, 6)
    unknown = build_article(entry, "https://x.example/a", now, page(
        dates=meta, declared_language=["en"]), "r1").row
    assert (unknown["published_date"], unknown["date_source"]) == (None, "none")
    guessed = build_article(entry, "https://x.example/a", now, page(day="2026-11-30"), "r1").row
    assert (guessed["published_date"], guessed["date_source"]) == (date(2026, 11, 30), "guess")
