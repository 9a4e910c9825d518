"""Combine page and feed evidence into one article row: ids, source, title, authors, dates."""
from datetime import datetime, timezone

import apache_beam as beam

from schemas.records import Reject
from transforms.bylines import choose_bylines
from transforms.dates import date_from_url, page_zone, parse_datetime, plausible
from transforms.titles import choose_source, choose_title
from transforms.urls import UrlError, canonicalize_url, registered_domain, same_site, stable_id

REJECTS = "rejects"

# Where published_at may come from, strongest first (DESIGN.md section 6).
DATE_PRECEDENCE = ("jsonld", "meta", "feed", "url", "text")


def choose_published(candidates, now, zone=None):
    """Pick the publication date by precedence among plausible candidates.

    A candidate with a time beats a higher-precedence one with only a day (a time is kept
    whenever any source has one). A time without a zone takes the page's own zone (`zone`, from
    its other dates) and is otherwise read as UTC with precision "local".
    Returns (published_at UTC or None, published_date, source, precision); published_at stays
    None for a day-only date, never a fake midnight.
    """
    best_day = None
    for source in DATE_PRECEDENCE:
        dt, precision = parse_datetime(candidates.get(source))
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


def canonical_url_for(final_url, page_url):
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


def build_article(entry, final_url, fetched_at, page, run_id, now=None):
    """One article row (dict keyed by ARTICLE_SCHEMA column names; `_` keys are internal).

    Page and feed evidence are combined by explicit precedence, and the winning source of the
    date and the title is recorded (date_source, title_source).
    """
    now = now or fetched_at
    canonical = canonical_url_for(final_url, page.get("page_url"))
    domain = registered_domain(final_url)
    site_names = [n for n in [*page.get("site_names", []), page.get("sitename"),
                              entry.source_name, entry.feed_title, domain.split(".")[0]] if n]
    source = entry.source_name or choose_source(page.get("site_names", []), page.get("sitename"),
                                                entry.feed_title, domain)

    title, title_source = choose_title({**page.get("titles", {}), "feed": entry.title},
                                       site_names)
    if title is None and page.get("title"):
        title, title_source = page["title"], "page"

    dates = page.get("dates", {})
    zone = page_zone([v for pair in dates.values() for v in pair if v])
    candidates = {
        "jsonld": (dates.get("jsonld") or (None, None))[0],
        "meta": (dates.get("meta") or (None, None))[0],
        "feed": entry.published or entry.updated,  # RSS 1.0 dc:date arrives as `updated`
        "url": date_from_url(canonical),
        "text": (dates.get("text") or (None, None))[0] or page.get("day"),
    }
    published_at, published_date, date_source, precision = choose_published(candidates, now, zone)
    updated_raw = next((d[1] for k in ("jsonld", "meta") if (d := dates.get(k)) and d[1]), None)
    updated_at = _utc_or_none(updated_raw, now, zone) or _utc_or_none(entry.updated, now)

    authors, agencies, _ = choose_bylines(page.get("people", {}), page.get("byline"),
                                          entry.authors, site_names)
    text = page["text"]
    tags = list(dict.fromkeys((page.get("tags") or []) + (entry.tags or [])))
    article_id = stable_id(canonical)
    return {
        "article_id": article_id,
        "url": final_url,
        "canonical_url": canonical,
        "feed_url": entry.feed_url,
        "source": source,
        "source_domain": domain,
        "title": title,
        "title_source": title_source,
        "description": page.get("description") or entry.summary,
        "text": text,
        "language": page.get("language"),
        "language_score": page.get("language_score"),
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
        "image_url": page.get("image") or entry.image_url,
        "dup_id": article_id,
        "story_id": article_id,
        "run_id": run_id,
        "_url_key": entry.url_key,
    }


class _BuildArticleFn(beam.DoFn):
    def __init__(self, run_id):
        self.run_id = run_id

    def process(self, element):
        entry, final_url, fetched_at, page = element
        try:
            yield build_article(entry, final_url, fetched_at, page, self.run_id)
        except Exception as exc:  # noqa: BLE001 - one bad page is one reject, never the run
            yield beam.pvalue.TaggedOutput(REJECTS, Reject(
                "normalise", "normalise_error", final_url, entry.feed_url,
                f"{type(exc).__name__}: {exc}"[:500], None, datetime.now(timezone.utc),
                entry.url_key))


class NormaliseMetadata(beam.PTransform):
    """(entry, final_url, fetched_at, extracted) -> article row dict; `rejects` on failure."""

    def __init__(self, run_id):
        super().__init__()
        self.run_id = run_id

    def expand(self, extracted):
        return extracted | "BuildArticle" >> beam.ParDo(_BuildArticleFn(self.run_id)).with_outputs(
            REJECTS, main="articles")
