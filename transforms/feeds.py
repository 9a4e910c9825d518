"""Fetch feeds and parse their entries (feedparser: RSS 0.9x/1.0/2.0, Atom)."""
import hashlib
import html
import re
from datetime import timezone, datetime

import apache_beam as beam
import feedparser
from ftfy import fix_encoding
from apache_beam.metrics import Metrics

from schemas.records import FeedEntry, Reject
from transforms.dates import parse_datetime
from transforms.http import FetchError, Fetcher
from transforms.urls import UrlError, canonicalize_url, same_site, stable_id

REJECTS = "rejects"
STATES = "states"

_TAG = re.compile(r"<[^>]+>")


class FeedParseError(Exception):
    def __init__(self, reason, detail):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def strip_html(text):
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


def parse_feed(body, feed_url, content_type="", source_name=None, same_site_links=False):
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
            rejects.append(Reject("entry", "no_link", None, feed_url,
                                  f"entry {position} ({title or 'untitled'}) has no link"))
            continue
        try:
            link = canonicalize_url(link, base=feed_url)
        except UrlError as exc:
            rejects.append(Reject("entry", "bad_url", str(link)[:2000], feed_url, str(exc)))
            continue
        if same_site_links and not same_site(link, feed_url):
            rejects.append(Reject("entry", "offsite_link", link, feed_url,
                                  "link is not on the feed's site (--same_site_links)",
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


def conditional_headers(known):
    """If-None-Match / If-Modified-Since from the validators an earlier run stored."""
    headers = {}
    if known and known.get("etag"):
        headers["If-None-Match"] = known["etag"]
    if known and known.get("last_modified"):
        headers["If-Modified-Since"] = known["last_modified"]
    return headers


def body_hash(body):
    return hashlib.sha256(body).hexdigest()[:32]


def feed_state(spec, response, known, status, entries, run_id):
    """The feed's row for `_state/feeds/`: a 304 keeps the validators it answered to."""
    if status == "not_modified":
        etag, modified, digest = (known or {}).get("etag"), (known or {}).get("last_modified"), \
            (known or {}).get("content_hash")
    else:
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        digest = body_hash(response.body)
    return {"feed_url": spec.url, "etag": etag, "last_modified": modified,
            "content_hash": digest, "status": status, "entries": entries, "run_id": run_id,
            "at": datetime.now(timezone.utc)}


class _FetchAndParseFeedFn(beam.DoFn):
    def __init__(self, policy, run_id, same_site_links=False):
        self.policy = policy
        self.run_id = run_id
        self.same_site_links = same_site_links
        self.feeds_ok = Metrics.counter("feeds", "feeds_fetched")
        self.feeds_failed = Metrics.counter("feeds", "feeds_failed")
        self.not_modified = Metrics.counter("feeds", "feeds_not_modified")
        self.entries_found = Metrics.counter("feeds", "entries_found")

    def setup(self):
        self.fetcher = Fetcher(self.policy)

    def teardown(self):
        self.fetcher.close()

    def process(self, spec, known_feeds):
        known = known_feeds.get(spec.url)
        try:
            response = self.fetcher.get(spec.url, {
                "Accept": "application/rss+xml, application/atom+xml, application/xml, "
                          "text/xml, */*", **conditional_headers(known)})
            if response.status == 304 or (known and response.status == 200 and
                                           known.get("content_hash") == body_hash(response.body)):
                status = "not_modified" if response.status == 304 else "unchanged"
                self.not_modified.inc()
                yield beam.pvalue.TaggedOutput(STATES, feed_state(spec, response, known, status, 0,
                                                                  self.run_id))
                return
            entries, rejects = parse_feed(response.body, spec.url,
                                          response.headers.get("content-type", ""), spec.name,
                                          self.same_site_links)
        except FetchError as exc:
            self.feeds_failed.inc()
            reason = "feed_http_error" if exc.reason.startswith("http_") else exc.reason
            yield beam.pvalue.TaggedOutput(REJECTS, Reject(
                "feed_fetch", reason, spec.url, spec.url, exc.detail, exc.http_status,
                datetime.now(timezone.utc)))
            return
        except FeedParseError as exc:
            self.feeds_failed.inc()
            yield beam.pvalue.TaggedOutput(REJECTS, Reject(
                "feed_parse", exc.reason, spec.url, spec.url, exc.detail, None,
                datetime.now(timezone.utc)))
            return
        self.feeds_ok.inc()
        self.entries_found.inc(len(entries) + len(rejects))
        yield beam.pvalue.TaggedOutput(STATES, feed_state(
            spec, response, known, "ok", len(entries) + len(rejects), self.run_id))
        for reject in rejects:
            reject.at = datetime.now(timezone.utc)
            yield beam.pvalue.TaggedOutput(REJECTS, reject)
        yield from entries


class ReadFeeds(beam.PTransform):
    """FeedSpec -> FeedEntry; feed- and entry-level rejects on `rejects`, and each fetched
    feed's validators on `states`.

    known_feeds: (feed_url, validators row) from earlier runs, for conditional GET.
    """

    def __init__(self, policy, run_id, known_feeds=None, same_site_links=False):
        super().__init__()
        self.policy = policy
        self.run_id = run_id
        self.known_feeds = known_feeds
        self.same_site_links = same_site_links

    def expand(self, specs):
        known = self.known_feeds
        if known is None:
            known = specs.pipeline | "NoKnownFeeds" >> beam.Create([])
        return (specs
                | "SpreadFeeds" >> beam.Reshuffle()
                | "FetchAndParse" >> beam.ParDo(_FetchAndParseFeedFn(self.policy, self.run_id,
                                                                     self.same_site_links),
                                                known_feeds=beam.pvalue.AsDict(known))
                .with_outputs(REJECTS, STATES, main="entries"))
