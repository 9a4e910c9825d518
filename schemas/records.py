"""Typed records passed between stages. Small on purpose: a page's HTML lives only in the
fetch-and-extract stage (FetchedPage), and everything after it carries text and metadata."""
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Optional


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Level(str, Enum):
    """What a reject accounts for: one feed entry, or a whole feed (which had no entries)."""
    FEED = "feed"
    ENTRY = "entry"

    def __str__(self) -> str:
        return self.value


class Stage(str, Enum):
    """Where something failed: the rejects table's `stage` column. Users filter on these."""
    FEED_FETCH = "feed_fetch"
    FEED_PARSE = "feed_parse"
    ENTRY = "entry"
    ARTICLE_FETCH = "article_fetch"
    EXTRACT = "extract"
    NORMALISE = "normalise"

    def __str__(self) -> str:
        return self.value

    @property
    def level(self) -> Level:
        return _LEVELS[self]


_LEVELS = {Stage.FEED_FETCH: Level.FEED, Stage.FEED_PARSE: Level.FEED, Stage.ENTRY: Level.ENTRY,
           Stage.ARTICLE_FETCH: Level.ENTRY, Stage.EXTRACT: Level.ENTRY,
           Stage.NORMALISE: Level.ENTRY}


@dataclass(frozen=True)
class FeedSpec:
    """One source to read: a line of the feed list, or a source found from one (a home page's
    feed, a robots.txt, an index's sitemap)."""
    url: str
    name: Optional[str] = None  # source display name given by the operator
    line: int = 0
    via: tuple = ()             # the sources it was found from, the listed line first
    expect: Optional[str] = None   # "robots" for a robots.txt; else told by content
    after: Optional[float] = None  # when (epoch s) its host served the source it came from

    @property
    def found_from(self) -> Optional[str]:
        return self.via[-1] if self.via else None


@dataclass
class FeedEntry:
    """One entry of a parsed feed: the evidence the feed gives about an article."""
    feed_url: str
    link: str                      # canonicalised entry link
    url_key: str                   # hash of `link`: the seen-state key
    position: int = 0              # order in the feed (deterministic tie-breaks)
    source_name: Optional[str] = None
    feed_title: Optional[str] = None
    feed_language: Optional[str] = None
    title: Optional[str] = None
    summary: Optional[str] = None
    authors: list = field(default_factory=list)
    published: Optional[datetime] = None   # parsed from the feed, offset kept where given
    updated: Optional[datetime] = None
    tags: list = field(default_factory=list)
    image_url: Optional[str] = None
    feed_fetched_at: Optional[datetime] = None   # a request its feed's host already had

    _TIMES = ("published", "updated", "feed_fetched_at")

    def to_json(self) -> dict:
        """The entry as JSON values (datetimes in ISO 8601 with their offset), as a kept
        page's WARC metadata record stores it."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return {k: v.isoformat() if k in self._TIMES and v is not None else v
                for k, v in out.items()}

    @classmethod
    def from_json(cls, data: dict) -> "FeedEntry":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for k in cls._TIMES:
            if known.get(k):
                known[k] = datetime.fromisoformat(known[k])
        return cls(**known)


@dataclass
class FeedState:
    """A polled feed's validators, for the next run's conditional GET: one row of
    `_state/feeds/`."""
    feed_url: str
    status: str                    # ok, not_modified (304) or unchanged (same body hash)
    entries: int                   # entries the feed listed this run (0 unless ok)
    run_id: str
    etag: Optional[str] = None
    last_modified: Optional[str] = None
    content_hash: Optional[str] = None
    at: datetime = field(default_factory=utc_now)
    kind: str = "feed"             # feed, sitemap, sitemap_index, home_page or robots


@dataclass
class Discovery:
    """What a home page, robots.txt or sitemap index led to: the manifest's `discovered`, so
    an operator can see it and pin it in the feed list."""
    url: str
    kind: str                      # home_page, robots or sitemap_index
    found_from: Optional[str]      # the source it was found from; None for a listed line
    found: tuple = ()              # the sources it led to
    skipped_old: int = 0           # index children older than --recent_days, not requested

    def merge(self, other: "Discovery") -> "Discovery":
        """One source's records from several windows of a streaming job."""
        found = tuple(dict.fromkeys(self.found + other.found))
        return Discovery(self.url, self.kind, self.found_from or other.found_from, found,
                         max(self.skipped_old, other.skipped_old))

    def as_dict(self) -> dict:
        return {"kind": self.kind, "found_from": self.found_from, "found": list(self.found),
                "skipped_old": self.skipped_old}


@dataclass
class FetchedPage:
    """An entry's page as fetched: the only record that carries HTML."""
    entry: FeedEntry
    url: str                       # final URL after redirects
    html: str
    fetched_at: datetime
    http_status: int
    warc_record_id: Optional[str] = None   # its response record, with --keep_pages


@dataclass(frozen=True)
class Capture:
    """What one fetch sent and received (--keep_pages): every exchange, redirect hops and
    retries included, for the run's WARC files (transforms/pages.py)."""
    kind: str                      # page, or feed (any source of the feed list)
    exchanges: tuple               # of transforms.web.http.Exchange, in order
    feed_url: Optional[str] = None
    entry: Optional[FeedEntry] = None   # a page's: stored beside it, for re-extraction


@dataclass
class PageContent:
    """What extraction found on a page: the body text and every metadata candidate the page
    declares, for NormaliseMetadata to choose among."""
    text: str
    title: Optional[str] = None    # trafilatura's choice (the fallback title)
    byline: Optional[str] = None
    sitename: Optional[str] = None
    description: Optional[str] = None
    page_url: Optional[str] = None  # rel=canonical / og:url, as trafilatura found it
    day: Optional[str] = None      # htmldate's guess, day precision; only without a date
    tags: list = field(default_factory=list)
    image: Optional[str] = None
    titles: dict = field(default_factory=dict)        # {og, jsonld, twitter, h1, title}
    site_names: list = field(default_factory=list)    # declared names, in precedence order
    people: dict = field(default_factory=dict)        # {jsonld, meta, links}
    dates: dict = field(default_factory=dict)         # {jsonld|meta|text: (published, updated)}
    declared_language: list = field(default_factory=list)
    language: Optional[str] = None                    # set by DetectLanguage
    language_score: Optional[float] = None


@dataclass
class ExtractedPage:
    """A page after extraction: no HTML any more."""
    entry: FeedEntry
    url: str                       # final URL after redirects
    fetched_at: datetime
    content: PageContent
    warc_record_id: Optional[str] = None


@dataclass(frozen=True)
class TextSignature:
    """What copy and story grouping compares: see transforms/dedup/fingerprints.py."""
    fingerprints: tuple
    quoted: tuple
    quoted_shingles: tuple
    terms: tuple          # ((bucket, count), ...), most frequent first
    embedding: Optional[bytes] = None   # --semantic_stories: see transforms/dedup/semantic.py


# One row of the articles table: ARTICLE_SCHEMA's columns (schemas/tables.py) by name.
ArticleRow = dict[str, Any]


@dataclass
class Article:
    """An article on its way to the articles table, with what the stages after normalisation
    need besides its row."""
    row: ArticleRow
    url_key: str                   # the entry link's seen-state key
    signature: Optional[TextSignature] = None   # set by SignTexts, dropped by grouping

    @property
    def article_id(self) -> str:
        return self.row["article_id"]

    @property
    def feed_url(self) -> str:
        return self.row["feed_url"]


@dataclass
class HostReport:
    """What the fetcher did to one host beyond the configured pacing (the manifest's
    `hosts_slowed`)."""
    host: str
    slowed: tuple = ()             # http_429, http_503, crawl_delay
    delay: float = 0.0             # seconds between request starts it ended with
    backed_off: bool = False       # its remaining entries were rejected as host_backed_off

    def merge(self, other: "HostReport") -> "HostReport":
        """One host's reports from several bundles or windows."""
        return HostReport(self.host, tuple(sorted(set(self.slowed) | set(other.slowed))),
                          max(self.delay, other.delay), self.backed_off or other.backed_off)

    def as_dict(self) -> dict:
        return {"slowed": list(self.slowed), "delay": round(self.delay, 3),
                "backed_off": self.backed_off}


@dataclass
class Reject:
    """Something that could not become an article. Becomes one row of rejects/."""
    stage: Stage
    reason: str                    # a code of schemas/reasons.py
    url: Optional[str]
    feed_url: Optional[str]
    detail: str = ""
    http_status: Optional[int] = None
    url_key: Optional[str] = None   # entry-level rejects: lets permanent failures enter _state
    at: datetime = field(default_factory=utc_now)

    @property
    def level(self) -> Level:
        return self.stage.level


@dataclass
class Skip:
    """An entry not processed because it was already handled: counted, not written."""
    reason: str      # seen, duplicate_in_run, seen_article, duplicate_article, too_old
    url: str
    url_key: str
    article_id: Optional[str] = None
    feed_url: Optional[str] = None
