"""Combine page and feed evidence into one article row: ids, source, title, authors, dates."""
import re
import unicodedata
from datetime import datetime, timezone

import apache_beam as beam

from schemas.records import Reject

from transforms.dates import date_from_url, parse_datetime, plausible
from transforms.urls import UrlError, canonicalize_url, registered_domain, same_site, stable_id

REJECTS = "rejects"

# Where published_at may come from, strongest first (DESIGN.md section 6).
DATE_PRECEDENCE = ("jsonld", "meta", "feed", "url", "text")

_BY = re.compile(r"^\s*(by|von|par|por|di|door|av|af|od|przez)\s+", re.I)
_SPLIT = re.compile(r"\s*(?:[,;|/]|\band\b|\bund\b|\bet\b|\by\b|&)\s*", re.I)
_EMAIL = re.compile(r"\S+@\S+")
_URLISH = re.compile(r"(https?://\S+|www\.\S+)", re.I)
_HANDLE = re.compile(r"(^|\s)@\w+")
_GENERIC = {"staff", "editor", "editors", "newsroom", "admin", "redaktion", "rédaction",
            "redacción", "team", "staff writer", "staff reporter", "editorial", "web desk",
            "news desk", "desk", "reporter", "correspondent", "contributor", "guest"}
_ROLE_SUFFIX = re.compile(r"\s*[,(-]\s*(staff writer|reporter|correspondent|editor|"
                          r"senior writer|contributor|columnist)\)?\s*$", re.I)


def clean_authors(raw_names, publisher=None):
    """Person names from raw byline strings: split, strip prefixes, roles, e-mails, handles,
    URLs and the publisher's own name; keep the source's spelling and diacritics; no repeats."""
    publisher_key = (publisher or "").strip().lower()
    names, seen = [], set()
    for raw in raw_names or []:
        if not raw:
            continue
        text = unicodedata.normalize("NFC", str(raw))
        text = _URLISH.sub(" ", _EMAIL.sub(" ", text))
        for part in _SPLIT.split(text):
            part = _ROLE_SUFFIX.sub("", _BY.sub("", part))
            part = _HANDLE.sub(" ", part)
            part = re.sub(r"\s+", " ", part).strip(" .,:-–—\t")
            key = part.lower()
            if (not part or key in _GENERIC or key == publisher_key or len(part) > 60
                    or not any(ch.isalpha() for ch in part) or key in seen):
                continue
            seen.add(key)
            names.append(part)
    return names


def choose_published(candidates, now):
    """Pick published_at by precedence among plausible candidates.

    candidates: {source: value}; returns (utc datetime or None, source or "none").
    """
    for source in DATE_PRECEDENCE:
        value = candidates.get(source)
        dt, _ = parse_datetime(value) if not isinstance(value, datetime) else (value, "time")
        if dt is not None and dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        if plausible(dt, now):
            return dt.astimezone(timezone.utc), source
    return None, "none"


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


def _utc_or_none(value, now):
    dt, _ = parse_datetime(value)
    return dt.astimezone(timezone.utc) if plausible(dt, now) else None


def build_article(entry, final_url, fetched_at, page, run_id, now=None):
    """One article row (dict keyed by ARTICLE_SCHEMA column names; `_` keys are internal)."""
    now = now or fetched_at
    canonical = canonical_url_for(final_url, page.get("page_url"))
    source = entry.source_name or page.get("sitename") or entry.feed_title
    dates = page.get("dates", {})
    candidates = {
        "jsonld": (dates.get("jsonld") or (None, None))[0],
        "meta": (dates.get("meta") or (None, None))[0],
        "feed": entry.published or entry.updated,  # RSS 1.0 dc:date arrives as `updated`
        "url": date_from_url(canonical),
        "text": (dates.get("text") or (None, None))[0] or page.get("day"),
    }
    published_at, date_source = choose_published(candidates, now)
    updated_raw = next((d[1] for k in ("jsonld", "meta") if (d := dates.get(k)) and d[1]), None)
    updated_at = _utc_or_none(updated_raw, now) or (entry.updated if plausible(entry.updated, now)
                                                    else None)
    if updated_at is not None:
        updated_at = updated_at.astimezone(timezone.utc)
    byline = [page["byline"]] if page.get("byline") else entry.authors
    text = page["text"]
    tags = list(dict.fromkeys((page.get("tags") or []) + (entry.tags or [])))
    article_id = stable_id(canonical)
    return {
        "article_id": article_id,
        "url": final_url,
        "canonical_url": canonical,
        "feed_url": entry.feed_url,
        "source": source,
        "source_domain": registered_domain(final_url),
        "title": page.get("title") or entry.title,
        "description": page.get("description") or entry.summary,
        "text": text,
        "language": page.get("language"),
        "language_score": page.get("language_score"),
        "authors": clean_authors(byline, publisher=source),
        "published_at": published_at,
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
