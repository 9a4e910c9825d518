"""A feed's entries (feedparser: RSS 0.9x/1.0/2.0, Atom; our own reader: JSON Feed 1.0 and
1.1) and its validators for the next conditional GET."""
import hashlib
import html
import json
import re
from datetime import datetime, timezone
from typing import Optional

import feedparser
from ftfy import fix_encoding

from schemas.records import FeedEntry, FeedSpec, FeedState, Reject, Stage
from transforms.content.dates import parse_datetime
from transforms.web.urls import UrlError, canonicalize_url, same_site, stable_id

_TAG = re.compile(r"<[^>]+>")
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)   # code, not text


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
    plain = fix_encoding(html.unescape(_TAG.sub(" ", _SCRIPT.sub(" ", text))))
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


def _text(value) -> Optional[str]:
    """A JSON Feed string field, or None when it is absent, empty or of another type."""
    return value if isinstance(value, str) and value.strip() else None


def _json_names(holder) -> list:
    """Author names of a JSON Feed item or feed: `authors` (1.1) or `author` (1.0)."""
    people = holder.get("authors")
    people = people if isinstance(people, list) else [holder.get("author")]
    return [p["name"] for p in people if isinstance(p, dict) and _text(p.get("name"))]


def json_feed(body: bytes):
    """(title, language, items) of a JSON Feed (https://jsonfeed.org, 1.0 and 1.1), each item
    as the fields an entry needs; None when the body is not JSON at all. feedparser 6 reads no
    JSON. Fields of the wrong type are treated as absent, so a bad item becomes a reject
    (no link) rather than an error; JSON that is no JSON Feed is not_a_feed."""
    text = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{"):
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:          # a nesting bomb is a RecursionError
        raise FeedParseError("not_a_feed", f"not a JSON Feed: invalid JSON ({exc})"[:300]) \
            from None
    version = data.get("version") if isinstance(data, dict) else None
    if not (_text(version) or "").startswith("https://jsonfeed.org/version/"):
        raise FeedParseError("not_a_feed", "JSON, but not a JSON Feed (no jsonfeed.org version)")
    if not isinstance(data.get("items"), list):
        raise FeedParseError("not_a_feed", "a JSON Feed without an items list")
    feed_authors = _json_names(data)
    items = []
    for item in data["items"]:
        item = item if isinstance(item, dict) else {}
        tags = item.get("tags") if isinstance(item.get("tags"), list) else []
        items.append({
            "link": _text(item.get("url")) or _text(item.get("external_url")),
            "title": _text(item.get("title")),
            "summary": _text(item.get("summary")) or _text(item.get("content_text"))
            or _text(item.get("content_html")),
            "authors": _json_names(item) or feed_authors,
            "published": _text(item.get("date_published")),
            "updated": _text(item.get("date_modified")),
            "tags": [t for t in tags if _text(t)],
            "image": _text(item.get("image")) or _text(item.get("banner_image")),
        })
    return _text(data.get("title")), _text(data.get("language")), items


def _feedparser_items(parsed, language):
    """The entries feedparser found, as the fields an entry needs."""
    for item in parsed.entries:
        yield {
            "link": item.get("link") or next(
                (l.get("href") for l in item.get("links", []) if l.get("href")), None),
            "title": item.get("title"), "summary": item.get("summary"),
            "authors": _entry_authors(item),
            "published": _entry_date(item, "published", language),
            "updated": _entry_date(item, "updated", language),
            "tags": [t.get("term") for t in item.get("tags", []) if t.get("term")],
            "image": _entry_image(item),
        }


def _entry_image(entry):
    for media in entry.get("media_content", []) + entry.get("media_thumbnail", []):
        if media.get("url"):
            return media["url"]
    for link in entry.get("links", []):
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            return link.get("href")
    return None


def feed_items(body: bytes, feed_url: str, content_type: str = "") -> tuple:
    """(title, language, items) of a feed; raises FeedParseError if it is not one.

    RSS, Atom and RDF go to feedparser, a JSON Feed (told apart by its content) to json_feed.
    """
    found = json_feed(body)
    if found is not None:
        raw_title, raw_language, items = found
        for item in items:
            item["published"] = parse_datetime(item["published"])[0]
            item["updated"] = parse_datetime(item["updated"])[0]
        return raw_title, _language(raw_language), items
    parsed = feedparser.parse(body, response_headers={"content-type": content_type or "",
                                                       "content-location": feed_url},
                              resolve_relative_uris=True, sanitize_html=True)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise FeedParseError("not_a_feed",
                             f"not RSS, Atom, RDF or JSON Feed ({problem or 'no feed found'})")
    language = _language(parsed.feed.get("language"))
    return parsed.feed.get("title"), language, list(_feedparser_items(parsed, language))


def _language(declared: Optional[str]) -> Optional[str]:
    return (declared or "").split("-")[0].split("_")[0].lower() or None


def parse_feed(body: bytes, feed_url: str, content_type: str = "",
               source_name: Optional[str] = None, same_site_links: bool = False) -> tuple:
    """Parse feed bytes into (entries, rejects). Raises FeedParseError if it is not a feed."""
    raw_title, language, items = feed_items(body, feed_url, content_type)
    return entries_of(items, feed_url, strip_html(raw_title), language, source_name,
                      same_site_links)


def entries_of(items, feed_url: str, feed_title: Optional[str], language: Optional[str],
               source_name: Optional[str] = None, same_site_links: bool = False) -> tuple:
    """A source's items (dicts of the fields an entry needs) as (entries, rejects).

    Entries without a usable link become entry-level rejects, so they are still accounted for;
    so do links off the feed's own site when same_site_links is set.
    """
    entries, rejects = [], []
    for position, item in enumerate(items):
        link = item["link"]
        title = strip_html(item["title"])
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
            source_name=source_name, feed_title=feed_title,
            feed_language=_language(item.get("language")) or language,
            title=title, summary=strip_html(item["summary"]),
            authors=[fix_encoding(a) for a in item["authors"]],
            published=item["published"], updated=item["updated"], tags=item["tags"],
            image_url=item["image"]))
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
               run_id: str, kind: Optional[str] = None) -> FeedState:
    """The feed's row for `_state/feeds/`: a 304 keeps the validators it answered to."""
    if status == "not_modified":
        etag = known.etag if known else None
        modified = known.last_modified if known else None
        digest = known.content_hash if known else None
    else:
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        digest = body_hash(response.body)
    return FeedState(feed_url=spec.url, status=status, entries=entries, run_id=run_id,
                     etag=etag, last_modified=modified, content_hash=digest,
                     kind=kind or (known.kind if known else None) or "feed")
