"""What a site's home page and robots.txt say about its feeds and sitemaps."""
import re
from typing import Optional
from urllib.parse import urljoin

import lxml.html
from lxml.etree import ParserError

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/json", "application/rdf+xml")
# a comments feed lists readers' comments, not articles: WordPress adds one for the site and
# one for each post, Blogger one per post, titled in the site's language
_COMMENTS = re.compile(r"comments\b|commenti\b|comentários|comentarios|commentaires|kommentare|"
                       r"komentar|reacties|yorumlar|コメント|评论|評論|댓글|комментари", re.I)
_COMMENTS_URL = re.compile(r"/comments/(feed|default)\b", re.I)
MAX_FOUND = 100


def looks_like_html(body: bytes) -> bool:
    """An HTML (or XHTML) document: its first markup after any XML declaration and comments
    is an HTML doctype or <html>."""
    head = re.sub(rb"<\?xml[^>]*>|<!--.*?-->", b"", body[:4096], flags=re.S)
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith((b"<!doctype html", b"<html"))


def feed_links(html: str, page_url: str) -> list:
    """The feeds a page advertises (`<link rel="alternate" type="application/rss+xml" ...>` and
    the Atom and JSON Feed types), resolved against the page (and its <base href>), comment
    feeds left out, in page order, at most MAX_FOUND."""
    try:
        doc = lxml.html.document_fromstring(html)
    except (ParserError, ValueError):
        return []
    base = next((b.get("href") for b in doc.iter("base") if b.get("href")), None)
    base = urljoin(page_url, base) if base else page_url
    found = []
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" not in rel or kind not in FEED_TYPES or not href:
            continue
        if _COMMENTS.search(link.get("title") or "") or _COMMENTS_URL.search(href):
            continue
        url = urljoin(base, href)
        if url not in found:
            found.append(url)
    return found[:MAX_FOUND]


def robots_sitemaps(text: str, robots_url: str) -> list:
    """The `Sitemap:` lines of a robots.txt (any group, any case), resolved, at most MAX_FOUND."""
    found = []
    for line in text.splitlines():
        name, _, value = line.partition(":")
        value = value.split("#", 1)[0].strip()
        if name.strip().lower() == "sitemap" and value:
            url = urljoin(robots_url, value)
            if url not in found:
                found.append(url)
    return found[:MAX_FOUND]


def robots_url_of(url: str) -> Optional[str]:
    return urljoin(url, "/robots.txt")
