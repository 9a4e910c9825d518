"""XML sitemaps (https://www.sitemaps.org/protocol.html), sitemap indexes, Google News
sitemaps and plain-text sitemaps, read in bounded memory and time.

The protocol's own limits are the caps: 50,000 URLs and 50 MB uncompressed per file; a file past
them is refused whole (it breaks the protocol, and a truncated list would look complete). XML
goes through defusedxml, so a DOCTYPE, entity expansion or an external entity is refused before
anything is expanded or fetched.
"""
import re
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from typing import Optional
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

MAX_URLS = 50_000
MAX_BYTES = 50 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
KINDS = ("urlset", "sitemapindex")

_ROOT = re.compile(rb"<(?!\?|!)([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


class SitemapError(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class SitemapUrl:
    """One <url> (or <sitemap> of an index): the fields an entry can use."""
    loc: str
    lastmod: Optional[str] = None
    title: Optional[str] = None             # news:title
    published: Optional[str] = None         # news:publication_date
    language: Optional[str] = None          # news:publication/news:language
    publication: Optional[str] = None       # news:publication/news:name
    keywords: list = field(default_factory=list)
    image: Optional[str] = None             # image:image/image:loc


@dataclass
class Sitemap:
    kind: str                               # urlset, sitemapindex or text
    urls: list                              # SitemapUrl: pages, or an index's sitemaps

    @property
    def is_index(self) -> bool:
        return self.kind == "sitemapindex"


def gunzip(body: bytes, limit: int = MAX_BYTES) -> bytes:
    """A gzip body decompressed, refusing one that would expand past `limit` (a gzip bomb
    costs at most `limit` bytes of memory, never its whole expansion)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise SitemapError("parse_error", f"not valid gzip: {exc}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise SitemapError("too_large", f"gzip data expands past {limit // 2**20} MB "
                           "(the sitemap protocol's limit)")
    return out


def root_name(body: bytes) -> Optional[str]:
    """The local name of an XML document's root element, lower-cased, from its first bytes."""
    head = re.sub(rb"<!--.*?-->", b"", body[:4096], flags=re.S)
    match = _ROOT.search(head)
    return match.group(2).decode("ascii").lower() if match else None


def is_sitemap(body: bytes) -> bool:
    return root_name(body) in KINDS


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _text(element) -> Optional[str]:
    value = (element.text or "").strip()
    return value or None


def _read_url(element) -> Optional[SitemapUrl]:
    """One <url> or <sitemap> element, namespaces ignored (sitemaps in the wild use the 0.9
    namespace, Google's old one, or none); None without a <loc>."""
    found = SitemapUrl(loc="")
    for child in element:
        name = _local(child.tag)
        if name == "loc":
            found.loc = found.loc or _text(child) or ""
        elif name == "lastmod":
            found.lastmod = _text(child)
        elif name == "news":
            for part in child.iter():
                _read_news(found, _local(part.tag), _text(part))
        elif name == "image" and found.image is None:
            found.image = next((_text(c) for c in child if _local(c.tag) == "loc"), None)
    return found if found.loc else None


def _read_news(found: SitemapUrl, name: str, value: Optional[str]) -> None:
    if value is None:
        return
    if name == "publication_date":
        found.published = value
    elif name == "title":
        found.title = value
    elif name == "language":
        found.language = value
    elif name == "name":
        found.publication = value
    elif name == "keywords":
        found.keywords = [k.strip() for k in value.split(",") if k.strip()]


def read_xml_sitemap(body: bytes) -> Sitemap:
    """A <urlset> or <sitemapindex>, element by element (memory bounded by one <url>)."""
    kind, urls = None, []
    try:
        for event, element in iterparse(BytesIO(body), events=("start", "end"),
                                        forbid_dtd=True):
            name = _local(element.tag)
            if event == "start":
                if kind is None:
                    kind = name
                    if kind not in KINDS:
                        raise SitemapError("not_a_feed", f"root element <{name}> is no sitemap")
                continue
            if name in ("url", "sitemap"):
                if len(urls) >= MAX_URLS:
                    raise SitemapError("too_many_urls", f"more than {MAX_URLS:,} URLs in one "
                                       "sitemap (the protocol's limit)")
                url = _read_url(element)
                if url is not None:
                    urls.append(url)
                element.clear()
    except DefusedXmlException as exc:
        raise SitemapError("unsafe_xml", f"XML with a DOCTYPE or entities is refused ({exc!r})"
                           ) from None
    except ParseError as exc:
        raise SitemapError("parse_error", f"not well-formed XML: {exc}") from None
    return Sitemap(kind, urls)


def read_text_sitemap(text: str) -> Optional[Sitemap]:
    """A plain-text sitemap (one URL per line), or None when the text is not one."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not all(re.match(r"https?://\S+$", line, re.I) for line in lines[:100]):
        return None
    if len(lines) > MAX_URLS:
        raise SitemapError("too_many_urls", f"more than {MAX_URLS:,} URLs in one sitemap "
                           "(the protocol's limit)")
    return Sitemap("text", [SitemapUrl(loc=line) for line in lines
                            if re.match(r"https?://\S+$", line, re.I)])
