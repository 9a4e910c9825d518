"""The Parquet schemas, pinned here and never inferred from data, and the registry of tables.

Adding a column bumps the minor version; renaming or retyping one bumps the major version.
Each field carries its meaning in the field metadata, so the data dictionary is generated from
this file (`python -m schemas.dictionary`) and cannot drift from what is written.

`TABLES` says what each table is (folder, partitioning, sort keys, dictionary columns, when it
is published): writing, publishing, state, compaction, stats and the data dictionary all read it.
"""
from dataclasses import dataclass
from typing import Optional

import pyarrow as pa

SCHEMA_VERSION = "1.4"  # 1.1: title_source, agencies, published_date, date_precision;
#                         1.2: _state/feeds kind; 1.3: articles warc_record_id, the pages table;
#                         1.4: _state/signatures embedding

UTC_TS = pa.timestamp("us", tz="UTC")


# One realistic value per column of the published tables, as JSON, for the data dictionary
# (tests/test_docs.py checks that each converts to its column's type).
EXAMPLES = {
    "article_id": '"3f0c9d2b7a4e41c8a1b5e0d6c2f79a10"',
    "url": '"https://www.example-news.com/world/2024/08/01/ceasefire-talks/"',
    "canonical_url": '"https://www.example-news.com/world/2024/08/01/ceasefire-talks/"',
    "feed_url": '"https://www.example-news.com/rss/world.xml"',
    "source": '"The Daily Meridian"', "source_domain": '"example-news.com"',
    "title": '"Blinken calls on all parties to stop escalatory actions"',
    "title_source": '"og"', "description": '"The US secretary of state urged restraint."',
    "text": '"WASHINGTON - Secretary of State Antony Blinken on Thursday..."',
    "language": '"en"', "language_score": "0.99", "authors": '["Matthew Lee", "Ana Ruiz"]',
    "agencies": '["AP"]', "published_at": '"2024-08-01T14:05:00Z"',
    "published_date": '"2024-08-01"', "date_precision": '"time"',
    "updated_at": '"2024-08-01T16:40:00Z"', "date_source": '"jsonld"',
    "fetched_at": '"2024-08-01T15:02:11Z"', "word_count": "612",
    "tags": '["Middle East", "Diplomacy"]', "image_url": '"https://cdn.example-news.com/a.jpg"',
    "dup_id": '"3f0c9d2b7a4e41c8a1b5e0d6c2f79a10"', "story_id": '"9b1e0c55d2aa4f7e8c3d6b2a1f0e4c77"',
    "run_id": '"20240801T150000Z-4c1a9e"', "stage": '"article_fetch"', "reason": '"http_404"',
    "detail": '"HTTP 404 after 0 retries"', "http_status": "404",
    "at": '"2024-08-01T15:02:13Z"',
    "warc_record_id": '"<urn:uuid:6f1c2a0e-93b4-5d0e-8a1f-2b7c4d9e0a31>"',
    "record_id": '"<urn:uuid:6f1c2a0e-93b4-5d0e-8a1f-2b7c4d9e0a31>"', "kind": '"page"',
    "status": "200", "content_type": '"text/html; charset=utf-8"',
    "warc_file": '"_pages/date=2024-08-01/20240801T150000Z-4c1a9e-3f9a0c1b2d4e.warc.gz"',
    "warc_offset": "48213", "warc_length": "18840", "entry_length": "512",
}


def _field(name, type_, doc, nullable=True):
    metadata = {"doc": doc}
    if name in EXAMPLES:
        metadata["example"] = EXAMPLES[name]
    return pa.field(name, type_, nullable=nullable, metadata=metadata)


ARTICLE_SCHEMA = pa.schema([
    _field("article_id", pa.string(), "Stable id: first 32 hex digits of SHA-256 of canonical_url.", False),
    _field("url", pa.string(), "Final URL after redirects.", False),
    _field("canonical_url", pa.string(),
           "Canonical form: rel=canonical or og:url when on the same site, else the final URL; "
           "scheme and host lower-cased, default port, fragment and tracking parameters removed.", False),
    _field("feed_url", pa.string(), "The feed the entry came from.", False),
    _field("source", pa.string(), "Publisher display name: the feed list's name for the feed, else the page's declared name (og:site_name, application-name, JSON-LD publisher; one that looks like the registered domain first, addresses, handles and copyright lines skipped), else trafilatura's guess, else the feed title, without a tagline; else the registered domain."),
    _field("source_domain", pa.string(), "Registered domain of url (Public Suffix aware), or the host for IPs."),
    _field("title", pa.string(), "Headline: og:title, else the JSON-LD headline, <h1>, twitter:title, the feed entry's title, <title>; site name and dates removed from either end, an og:title that carries the site name or a trailing label (a copy of the <title> template) yields to a JSON-LD headline, a short section label before or after a headline that another of the page's sources lacks is cut (\"Opinion | Headline\", \"Headline | Editorial\"), and a kicker the <h1> does not share is left out."),
    _field("title_source", pa.string(), "Which declaration gave the title: og, jsonld, h1, twitter, feed, title, page (trafilatura) or none."),
    _field("description", pa.string(), "Standfirst: page meta description, else the feed entry summary (text only)."),
    _field("text", pa.string(), "Article body extracted by trafilatura (paragraphs separated by newlines), without the paragraphs that speak to the reader about cookies, consent, newsletters or a paywall; a page with nothing else is a no_text reject.", False),
    _field("language", pa.string(), "ISO 639-1: langdetect on the first 400 characters of text (seeded), unless the page declares (<html lang>, og:locale) a language langdetect has no profile for, or the text is too short to tell. Where langdetect contradicts the declared language, py3langid is asked too and a language only it can name wins (Zulu, Xhosa)."),
    _field("language_score", pa.float32(), "The detector's probability for `language` (0-1): langdetect's, or py3langid's where its answer won; null when the language is the declared one."),
    _field("authors", pa.list_(pa.string()), "Person names, one per element, from JSON-LD Person authors, else meta author, else the page byline, else the feed, else the links to author pages in the byline block (which also complete a list that names only some of that block), else the author field of a fact box (\"Autorin/Autor: Name\"); split, without prefixes (By, Von, Par, Текст...), roles and desk credits (\"AP Sports Writer\", \"CNN Business\"), the byline's date, credentials (MS, PhD), author-box link texts (\"View author archive\"), e-mails, URLs, handles, CMS user names, generic words, the publisher's name or agencies; the source's spelling and diacritics kept."),
    _field("agencies", pa.list_(pa.string()), "News agencies credited in the byline (AP, Reuters, AFP, dpa, ...)."),
    _field("published_at", UTC_TS, "Publication instant in UTC, when a source gives a time; null when only a day is known (see published_date) or nothing is (never invented)."),
    _field("published_date", pa.date32(), "Publication day: the UTC date of published_at, or the day a day-only source gives."),
    _field("date_precision", pa.string(), "time (an instant with its zone), local (a wall-clock time whose zone no source gave, read as UTC), day (published_at is null), or null (no date)."),
    _field("updated_at", UTC_TS, "Last modification instant in UTC, when given."),
    _field("date_source", pa.string(), "Where the date came from: jsonld, meta (article:published_time and similar), feed (entry published, else updated), url (a /YYYY/MM/DD/ path), text (<time>), guess (htmldate's reading of the markup, on a page that declares no date; dates it would only find in the free text are refused) or none. Dates more than a day in the future or before 1990 are refused, and so is a numeric date whose day and month order nothing on the page decides."),
    _field("fetched_at", UTC_TS, "When the page was fetched (UTC).", False),
    _field("word_count", pa.int32(), "Whitespace-separated words in text.", False),
    _field("tags", pa.list_(pa.string()), "Keywords and categories from the page and the feed entry."),
    _field("image_url", pa.string(), "Lead image (og:image or the feed's enclosure)."),
    _field("dup_id", pa.string(), "article_id of the canonical copy of this text (itself when canonical).", False),
    _field("story_id", pa.string(), "article_id of the lead article of this story (itself when lead).", False),
    _field("run_id", pa.string(), "The run that wrote this row.", False),
    _field("warc_record_id", pa.string(), "With --keep_pages: the WARC-Record-ID of the page's response record; the pages table gives its file and offset, `newsbeam page` prints it. Null for runs without --keep_pages."),
])

REJECT_SCHEMA = pa.schema([
    _field("run_id", pa.string(), "The run that wrote this row.", False),
    _field("stage", pa.string(),
           "Where it failed: feed_fetch, feed_parse, entry, article_fetch, extract, normalise.", False),
    _field("url", pa.string(), "The feed URL (feed_* stages) or article URL that failed."),
    _field("feed_url", pa.string(), "The feed the entry came from."),
    _field("reason", pa.string(), "Stable reason code (see the README's failure table).", False),
    _field("detail", pa.string(), "Human-readable message."),
    _field("http_status", pa.int32(), "Last HTTP status seen, if any."),
    _field("at", UTC_TS, "When it failed (UTC).", False),
])

SEEN_SCHEMA = pa.schema([
    _field("url_key", pa.string(), "Hash of the canonicalised entry link.", False),
    _field("article_id", pa.string(), "article_id written for it, if any."),
    _field("status", pa.string(), "article, duplicate or rejected.", False),
    _field("reason", pa.string(), "Reject reason for status=rejected."),
    _field("run_id", pa.string(), "The run that recorded it.", False),
])

FEED_STATE_SCHEMA = pa.schema([
    _field("feed_url", pa.string(), "The feed.", False),
    _field("etag", pa.string(), "ETag of the last full response."),
    _field("last_modified", pa.string(), "Last-Modified of the last full response."),
    _field("content_hash", pa.string(), "SHA-256 (32 hex) of the last body parsed."),
    _field("status", pa.string(), "ok, not_modified (304) or unchanged (same body hash).", False),
    _field("entries", pa.int32(), "Entries parsed this run.", False),
    _field("run_id", pa.string(), "The run that fetched it.", False),
    _field("at", UTC_TS, "When it was fetched.", False),
    _field("kind", pa.string(), "feed, sitemap, sitemap_index, home_page or robots."),
])

PAGES_SCHEMA = pa.schema([
    _field("record_id", pa.string(), "WARC-Record-ID of the response record (articles.warc_record_id).", False),
    _field("url", pa.string(), "The URL requested (each redirect hop is a record of its own).", False),
    _field("kind", pa.string(), "page (an article's page), or feed (a line of the feed list, or a source found from one).", False),
    _field("status", pa.int32(), "HTTP status of the response.", False),
    _field("content_type", pa.string(), "Its Content-Type header."),
    _field("fetched_at", UTC_TS, "When the response was received (UTC).", False),
    _field("warc_file", pa.string(), "The WARC file, relative to the dataset root (`_pages/date=YYYY-MM-DD/<run>-<id>.warc.gz`).", False),
    _field("warc_offset", pa.int64(), "Where the record's gzip member starts in the file.", False),
    _field("warc_length", pa.int64(), "The member's length in bytes.", False),
    _field("entry_length", pa.int64(), "For an article's page: the length of the metadata record right after it (the feed entry's evidence as JSON, for re-extraction)."),
    _field("feed_url", pa.string(), "For pages, the feed the entry came from."),
    _field("run_id", pa.string(), "The run that fetched it.", False),
])

SIGNATURE_SCHEMA = pa.schema([
    _field("article_id", pa.string(), "The written article.", False),
    _field("dup_id", pa.string(), "Its dup_id as written.", False),
    _field("story_id", pa.string(), "Its story_id as written.", False),
    _field("source_domain", pa.string(), "Registered domain (per-site boilerplate)."),
    _field("when", UTC_TS, "published_at, else fetched_at (story time window)."),
    _field("word_count", pa.int32(), "Text length (canonical choice).", False),
    _field("fingerprints", pa.list_(pa.int64()), "Winnowed word 8-gram hashes."),
    _field("quoted", pa.list_(pa.int64()), "The fingerprints inside quotations."),
    _field("quoted_shingles", pa.list_(pa.int64()), "Hashes of quoted word 5-grams."),
    _field("term_buckets", pa.list_(pa.int32()), "Hashed content words."),
    _field("term_counts", pa.list_(pa.int32()), "Their counts."),
    _field("embedding", pa.list_(pa.float32()),
           "Unit sentence embedding of title and lead (--semantic_stories, English), else null."),
    _field("run_id", pa.string(), "The run that wrote it.", False),
])


# Columns with few distinct values: dictionary-encoded (a few bits a row, and readers can filter
# on the dictionary). Ids, URLs and text are near-unique: a dictionary would only be overhead.
_FEW_VALUES = ("feed_url", "source", "source_domain", "title_source", "language",
               "date_precision", "date_source", "run_id", "stage", "reason", "status", "kind",
               "content_type", "warc_file")


@dataclass(frozen=True)
class Table:
    """One table of the dataset."""
    name: str
    schema: pa.Schema
    folder: str                    # under the dataset root
    partition_by: tuple = ()       # `date=` from the first of these columns a row has a value in
    sort_keys: tuple = ()          # within a file, so readers' predicate pushdown works
    state: bool = False            # `_state/`: what later runs need; published after the data
    doc: Optional[str] = None      # for the data dictionary (published tables only)

    @property
    def dictionary_columns(self) -> list:
        return [name for name in self.schema.names if name in _FEW_VALUES]

    @property
    def publish_order(self) -> int:
        """Data first, state after it (the manifest comes last of all)."""
        return 1 if self.state else 0


ARTICLES = Table(
    "articles", ARTICLE_SCHEMA, "articles",
    partition_by=("published_at", "published_date", "fetched_at"),
    sort_keys=(("source", "ascending"), ("published_at", "ascending")),
    doc="partition `date=` is the UTC date of `published_at`, else `fetched_at`")
REJECTS = Table(
    "rejects", REJECT_SCHEMA, "rejects", partition_by=("at",),
    sort_keys=(("stage", "ascending"), ("reason", "ascending")),
    doc="partition `date=` is the UTC date of `at`")
PAGES = Table(
    "pages", PAGES_SCHEMA, "pages", partition_by=("fetched_at",),
    sort_keys=(("url", "ascending"), ("fetched_at", "ascending")),
    doc="written with `--keep_pages`: where each fetched response is stored; partition "
        "`date=` is the UTC date of `fetched_at`")
SEEN = Table("seen", SEEN_SCHEMA, "_state/seen", state=True)
FEEDS = Table("feeds", FEED_STATE_SCHEMA, "_state/feeds", state=True)
SIGNATURES = Table("signatures", SIGNATURE_SCHEMA, "_state/signatures", partition_by=("when",),
                   state=True)

TABLES = {table.name: table for table in (ARTICLES, REJECTS, PAGES, SEEN, FEEDS, SIGNATURES)}
