"""Typed records passed between stages. Small on purpose: HTML never leaves the fetch stage."""
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional


@dataclass(frozen=True)
class FeedSpec:
    """One line of the feed list."""
    url: str
    name: Optional[str] = None  # source display name given by the operator
    line: int = 0


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
    published: Optional[str] = None   # raw date strings, parsed in NormaliseMetadata
    updated: Optional[str] = None
    tags: list = field(default_factory=list)
    image_url: Optional[str] = None


@dataclass
class Reject:
    """Something that could not become an article. Becomes one row of rejects/."""
    stage: str
    reason: str
    url: Optional[str]
    feed_url: Optional[str]
    detail: str = ""
    http_status: Optional[int] = None
    at: Optional[datetime] = None
    url_key: Optional[str] = None   # entry-level rejects: lets permanent failures enter _state

    @property
    def is_entry(self):
        """True when this reject accounts for one feed entry (not a whole feed)."""
        return not self.stage.startswith("feed_")


@dataclass
class Skip:
    """An entry not processed because it was already handled: counted, not written."""
    reason: str                    # seen, duplicate_entry, duplicate_article
    url: str
    url_key: str
    article_id: Optional[str] = None
    feed_url: Optional[str] = None
