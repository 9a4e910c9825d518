"""A feed's entries (feedparser: RSS 0.9x/1.0/2.0, Atom) and its validators for the next
conditional GET."""
import hashlib
import html
import re
from datetime import datetime, timezone
from typing import Optional

import feedparser
from ftfy import fix_encoding

from schemas.records import FeedEntry, FeedSpec, FeedState, Reject, Stage
from transforms.content.dates import parse_datetime
from transforms.web.urls import UrlError, canonicalize_url, same_site, stable_id

_TAG = re.compile(r"<[^>]+>")


class FeedParseError(Exception):
    def __init__(self, reason, detail):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def strip_html(text: Optional[str]) -> Optional[str]:
    """Plain text from an HTML fragment (feed summaries), mojibake repaired.

    Feeds that double-encode UTF-8 ("GÃ¤rten" for "Gärten") are common; ftfy undoes it only
    where the repair is unambiguous, and leaves correct text alone.
    """
    if not text:
        return None
    plain = fix_encoding(html.unescape(_TAG.sub(" ", text)))
    plain = re.sub(r"\s+", " ", plain).strip()
    return plain or None


def _entry_date(entry, name, language=None):
    raw = entry.get(name)
    dt, _ = parse_datetime(raw, [language] if language else None)
    if dt is None and entry.get(f"{name}_parsed"):
        # feedparser understood a format we did not; its struct_time is UTC
        dt = datetime(*entry[f"{name}_parsed"][:6], tzinfo=timezone.utc)
    return dt


def _entry_authors(entry):
    names = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
    if not names and entry.get("author"):
        names = [entry["author"]]
    return names


def _entry_image(entry):
    for media in entry.get("media_content", []) + entry.get("media_thumbnail", []):
        if media.get("url"):
            return media["url"]
    for link in entry.get("links", []):
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            return link.get("href")
    return None


def parse_feed(body: bytes, feed_url: str, content_type: str = "",
               source_name: Optional[str] = None, same_site_links: bool = False) -> tuple:
    """Parse feed bytes into (entries, rejects). Raises FeedParseError if it is not a feed.

    Entries without a usable link become entry-level rejects, so they are still accounted for;
    so do links off the feed's own site when same_site_links is set.
    """
    parsed = feedparser.parse(body, response_headers={"content-type": content_type or "",
                                                       "content-location": feed_url},
                              resolve_relative_uris=True, sanitize_html=True)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise FeedParseError("not_a_feed", f"not RSS, Atom or RDF ({problem or 'no feed found'})")
    feed = parsed.feed
    feed_title = strip_html(feed.get("title"))
    language = (feed.get("language") or "").split("-")[0].lower() or None
    entries, rejects = [], []
    for position, item in enumerate(parsed.entries):
        link = item.get("link") or next(
            (l.get("href") for l in item.get("links", []) if l.get("href")), None)
        title = strip_html(item.get("title"))
        if not link:
            # keyed by its title (its position moves as the feed grows), so that a later poll
            # counts it as seen rather than rejecting it again
            rejects.append(Reject(stage=Stage.ENTRY, reason="no_link", url=None,
                                  feed_url=feed_url,
                                  detail=f"entry {position} ({title or 'untitled'}) has no link",
                                  url_key=stable_id(f"{feed_url} no_link {title or position}")))
            continue
        try:
            link = canonicalize_url(link, base=feed_url)
        except UrlError as exc:
            rejects.append(Reject(stage=Stage.ENTRY, reason="bad_url", url=str(link)[:2000],
                                  feed_url=feed_url, detail=str(exc),
                                  url_key=stable_id(f"{feed_url} bad_url {link}")))
            continue
        if same_site_links and not same_site(link, feed_url):
            rejects.append(Reject(stage=Stage.ENTRY, reason="offsite_link", url=link,
                                  feed_url=feed_url,
                                  detail="link is not on the feed's site (--same_site_links)",
                                  url_key=stable_id(link)))
            continue
        entries.append(FeedEntry(
            feed_url=feed_url, link=link, url_key=stable_id(link), position=position,
            source_name=source_name, feed_title=feed_title, feed_language=language,
            title=title, summary=strip_html(item.get("summary")),
            authors=[fix_encoding(a) for a in _entry_authors(item)],
            published=_entry_date(item, "published", language),
            updated=_entry_date(item, "updated", language),
            tags=[t.get("term") for t in item.get("tags", []) if t.get("term")],
            image_url=_entry_image(item)))
    return entries, rejects


def conditional_headers(known: Optional[FeedState]) -> dict:
    """If-None-Match / If-Modified-Since from the validators an earlier run stored."""
    headers = {}
    if known and known.etag:
        headers["If-None-Match"] = known.etag
    if known and known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    return headers


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def feed_state(spec: FeedSpec, response, known: Optional[FeedState], status: str, entries: int,
               run_id: str) -> FeedState:
    """The feed's row for `_state/feeds/`: a 304 keeps the validators it answered to."""
    if status == "not_modified":
        etag = known.etag if known else None
        modified = known.last_modified if known else None
        digest = known.content_hash if known else None
    else:
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        digest = body_hash(response.body)
    return FeedState(feed_url=spec.url, status=status, entries=entries, run_id=run_id,
                     etag=etag, last_modified=modified, content_hash=digest)
