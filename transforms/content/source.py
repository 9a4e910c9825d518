"""One line of the feed list, whatever it points at, told apart by content rather than URL:
a feed (RSS, Atom, RDF, JSON Feed), a sitemap (XML, Google News, plain text, gzip or not), a
sitemap index, a site's home page, or (found from a home page) its robots.txt.

A feed or sitemap gives entries; an index, a home page and a robots.txt give more sources to
read (`found`), which ReadFeeds fetches in its next round, to a bounded depth.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Optional

from schemas.records import Skip
from transforms.content.dates import parse_datetime
from transforms.content.discovery import feed_links, looks_like_html, robots_sitemaps
from transforms.content.feed import FeedParseError, entries_of, feed_items, strip_html
from transforms.content.sitemap import (GZIP_MAGIC, SitemapError, gunzip, is_sitemap,
                                        read_text_sitemap, read_xml_sitemap)
from transforms.web.http import decode_html

FEED, SITEMAP, SITEMAP_INDEX, HOME_PAGE, ROBOTS = (
    "feed", "sitemap", "sitemap_index", "home_page", "robots")
DISCOVERING = frozenset({SITEMAP_INDEX, HOME_PAGE, ROBOTS})   # read in full every time


@dataclass
class SourceRead:
    """What one fetched source gave."""
    kind: str
    entries: list = field(default_factory=list)     # FeedEntry
    rejects: list = field(default_factory=list)     # entry-level Reject
    skips: list = field(default_factory=list)       # Skip: sitemap entries past the window
    found: list = field(default_factory=list)       # URLs of sources to read next
    skipped_old: int = 0                            # index children past the window


def _aware(when: Optional[datetime]) -> Optional[datetime]:
    return when.replace(tzinfo=timezone.utc) if when and when.tzinfo is None else when


def _when(value: Optional[str]) -> Optional[datetime]:
    return parse_datetime(value)[0] if value else None


def read_source(body: bytes, url: str, content_type: str = "", name: Optional[str] = None,
                same_site_links: bool = False, expect: Optional[str] = None,
                discover: bool = True, recent: timedelta = timedelta(days=3),
                now: Optional[datetime] = None) -> SourceRead:
    """Read a fetched source. Raises FeedParseError (with a stable reason) if it is none.

    discover: a home page may be read for its feed links (only a line of the feed list is
    taken for one, not a link found elsewhere). recent: sitemap entries and index children
    dated before now - recent are skipped without a request.
    """
    cutoff = (now or datetime.now(timezone.utc)) - recent
    if expect == ROBOTS:
        text = body.decode("utf-8", errors="replace")
        return SourceRead(ROBOTS, found=robots_sitemaps(text, url))
    try:
        if body[:2] == GZIP_MAGIC:
            body = gunzip(body)
        if is_sitemap(body):
            return _sitemap(read_xml_sitemap(body), url, name, same_site_links, cutoff)
        if discover and looks_like_html(body):
            return SourceRead(HOME_PAGE, found=feed_links(decode_html(body, content_type), url))
        if content_type.split(";")[0].strip().lower() == "text/plain":
            text_map = read_text_sitemap(body.decode("utf-8", errors="replace"))
            if text_map is not None:
                return _sitemap(text_map, url, name, same_site_links, cutoff)
    except SitemapError as exc:
        raise FeedParseError(exc.reason, exc.detail) from None
    raw_title, language, items = feed_items(body, url, content_type)
    entries, rejects = entries_of(items, url, strip_html(raw_title), language, name,
                                  same_site_links)
    return SourceRead(FEED, entries, rejects)


def _sitemap(sitemap, url, name, same_site_links, cutoff) -> SourceRead:
    if sitemap.is_index:
        found, old = [], 0
        for child in sitemap.urls:
            when = _aware(_when(child.lastmod))
            if when is not None and when < cutoff:
                old += 1
            elif child.loc not in found:
                found.append(child.loc)
        return SourceRead(SITEMAP_INDEX, found=found, skipped_old=old)
    items = [{"link": u.loc, "title": u.title, "summary": None, "authors": [],
              "published": _when(u.published), "updated": _when(u.lastmod),
              "tags": u.keywords, "image": u.image, "language": u.language}
             for u in sitemap.urls]
    title = next((u.publication for u in sitemap.urls if u.publication), None)
    entries, rejects = entries_of(items, url, title, None, name, same_site_links)
    fresh, skips = [], []
    for entry in entries:
        when = _aware(entry.published or entry.updated)
        if when is not None and when < cutoff:
            skips.append(Skip(reason="too_old", url=entry.link, url_key=entry.url_key,
                              feed_url=url))
        else:
            fresh.append(entry)
    return SourceRead(SITEMAP, fresh, rejects, skips)


def entry_count(read: SourceRead) -> int:
    """The entries a source listed, as its FeedState counts them (each ends as one article,
    reject or skip)."""
    return len(read.entries) + len(read.rejects) + len(read.skips)

