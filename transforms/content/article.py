"""Combine page and feed evidence into one article row: ids, source, title, authors, dates."""
from datetime import datetime, timezone
from typing import Optional

from schemas.records import Article, FeedEntry, PageContent
from transforms.content.bylines import choose_bylines
from transforms.content.dates import (date_from_url, day_first_from, page_zone, parse_datetime,
                                      plausible)
from transforms.content.titles import choose_source, choose_title
from transforms.web.urls import UrlError, canonicalize_url, registered_domain, same_site, stable_id

# Where published_at may come from, strongest first: structured data the newsroom declares,
# then the feed, then what can be read off the URL or the page's <time>, then htmldate's guess
# (a page that declares no date of its own), recorded as such.
DATE_PRECEDENCE = ("jsonld", "meta", "feed", "url", "text", "guess")


def choose_published(candidates: dict, now: datetime, zone=None, day_first=None) -> tuple:
    """Pick the publication date by precedence among plausible candidates.

    A candidate with a time beats a higher-precedence one with only a day (a time is kept
    whenever any source has one). A time without a zone takes the page's own zone (`zone`, from
    its other dates) and is otherwise read as UTC with precision "local".
    Returns (published_at UTC or None, published_date, source, precision); published_at stays
    None for a day-only date, never a fake midnight. day_first: the page's order of numeric
    dates (see dates.day_first_from); an ambiguous one is skipped when nothing decides it.
    """
    best_day = None
    for source in DATE_PRECEDENCE:
        dt, precision = parse_datetime(candidates.get(source), day_first=day_first)
        if dt is None:
            continue
        if precision == "day":
            if best_day is None and plausible(dt.replace(tzinfo=timezone.utc), now):
                best_day = (dt.date(), source)
            continue
        if precision == "local":
            dt = dt.replace(tzinfo=zone or timezone.utc)
            precision = "time" if zone else "local"
        if plausible(dt, now):
            return dt.astimezone(timezone.utc), dt.date(), source, precision
    if best_day:
        return None, best_day[0], best_day[1], "day"
    return None, None, "none", None


def canonical_url_for(final_url: str, page_url: Optional[str]) -> str:
    """The page's declared canonical URL when it is on the same site, else the final URL."""
    if page_url:
        try:
            declared = canonicalize_url(page_url, base=final_url)
            if same_site(declared, final_url):
                return declared
        except UrlError:
            pass
    return canonicalize_url(final_url)


def _utc_or_none(value, now, zone=None):
    dt, precision = parse_datetime(value)
    if precision not in ("time", "local"):
        return None
    dt = dt if dt.tzinfo else dt.replace(tzinfo=zone or timezone.utc)
    return dt.astimezone(timezone.utc) if plausible(dt, now) else None


def build_article(entry: FeedEntry, final_url: str, fetched_at: datetime, page: PageContent,
                  run_id: str, now: Optional[datetime] = None,
                  warc_record_id: Optional[str] = None) -> Article:
    """One article (its row keyed by ARTICLE_SCHEMA column names).

    Page and feed evidence are combined by explicit precedence, and the winning source of the
    date and the title is recorded (date_source, title_source).
    """
    now = now or fetched_at
    canonical = canonical_url_for(final_url, page.page_url)
    domain = registered_domain(final_url)
    site_names = [n for n in [*page.site_names, page.sitename, entry.source_name,
                              entry.feed_title, domain.split(".")[0]] if n]
    source = entry.source_name or choose_source(page.site_names, page.sitename,
                                                entry.feed_title, domain)

    title, title_source = choose_title({**page.titles, "feed": entry.title}, site_names)
    if title is None and page.title:
        title, title_source = page.title, "page"

    dates = page.dates
    zone = page_zone([v for pair in dates.values() for v in pair if v])
    candidates = {
        "jsonld": (dates.get("jsonld") or (None, None))[0],
        "meta": (dates.get("meta") or (None, None))[0],
        "feed": entry.published or entry.updated,  # RSS 1.0 dc:date arrives as `updated`
        "url": date_from_url(canonical),
        "text": (dates.get("text") or (None, None))[0],
        "guess": page.day,
    }
    known_days = [d.date() for d in (candidates["url"], parse_datetime(candidates["feed"])[0]) if d]
    day_first = day_first_from(page.declared_language, known_days,
                               [candidates[k] for k in ("jsonld", "meta", "text")], now)
    published_at, published_date, date_source, precision = choose_published(
        candidates, now, zone, day_first)
    updated_raw = next((d[1] for k in ("jsonld", "meta") if (d := dates.get(k)) and d[1]), None)
    updated_at = _utc_or_none(updated_raw, now, zone) or _utc_or_none(entry.updated, now)

    authors, agencies, _ = choose_bylines(page.people, page.byline, entry.authors, site_names)
    text = page.text
    tags = list(dict.fromkeys((page.tags or []) + (entry.tags or [])))
    article_id = stable_id(canonical)
    return Article(url_key=entry.url_key, row={
        "article_id": article_id,
        "url": final_url,
        "canonical_url": canonical,
        "feed_url": entry.feed_url,
        "source": source,
        "source_domain": domain,
        "title": title,
        "title_source": title_source,
        "description": page.description or entry.summary,
        "text": text,
        "language": page.language,
        "language_score": page.language_score,
        "authors": authors,
        "agencies": agencies,
        "published_at": published_at,
        "published_date": published_date,
        "date_precision": precision,
        "updated_at": updated_at,
        "date_source": date_source,
        "fetched_at": fetched_at.astimezone(timezone.utc),
        "word_count": len(text.split()),
        "tags": tags,
        "image_url": page.image or entry.image_url,
        "dup_id": article_id,
        "story_id": article_id,
        "run_id": run_id,
        "warc_record_id": warc_record_id,
    })
