"""Extract body text and page metadata (trafilatura), plus the structured dates it drops.

trafilatura keeps only the day of a date; JSON-LD and meta tags usually carry time and offset,
so they are read here from the same parsed tree before trafilatura consumes it.
"""
import json
from datetime import datetime, timezone

import apache_beam as beam
from apache_beam.metrics import Metrics
from trafilatura import bare_extraction
from trafilatura.utils import load_html

from schemas.records import Reject

REJECTS = "rejects"
MIN_WORDS = 10  # below this, what trafilatura found is navigation, not an article

_META_PUBLISHED = ("article:published_time", "og:article:published_time", "datepublished",
                   "pubdate", "publishdate", "publish-date", "dc.date.issued", "dc.date",
                   "sailthru.date", "parsely-pub-date", "date")
_META_UPDATED = ("article:modified_time", "og:updated_time", "datemodified", "lastmod",
                 "dc.date.modified")
_JSONLD_TYPES = ("article", "newsarticle", "reportagenewsarticle", "blogposting", "webpage",
                 "analysisnewsarticle", "opinionnewsarticle", "liveblogposting", "report")


def _jsonld_objects(tree):
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                if "@graph" in item:
                    stack.append(item["@graph"])


def structured_dates(tree):
    """Date strings from JSON-LD and meta tags: {"jsonld": (published, updated), "meta": (...)}."""
    found = {}
    for obj in _jsonld_objects(tree):
        kinds = obj.get("@type", "")
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if any(str(k).lower() in _JSONLD_TYPES for k in kinds) and obj.get("datePublished"):
            found["jsonld"] = (obj.get("datePublished"), obj.get("dateModified"))
            break
    meta = {}
    for node in tree.xpath("//meta[@content]"):
        name = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        if name and name not in meta:
            meta[name] = node.get("content")
    published = next((meta[n] for n in _META_PUBLISHED if meta.get(n)), None)
    updated = next((meta[n] for n in _META_UPDATED if meta.get(n)), None)
    if published or updated:
        found["meta"] = (published, updated)
    times = tree.xpath("//time[@datetime]/@datetime")
    if times:
        found["text"] = (times[0], None)
    return found


def _without_headline(text, title):
    """trafilatura's text starts with the <h1> when it is inside the article: the headline is
    in `title` already, and copies under another headline should not differ by it."""
    first, _, rest = text.partition("\n")
    if title and first.strip().casefold() == title.strip().casefold():
        return rest.strip()
    return text


def extract_page(html, url):
    """Body text and metadata of one page as a plain dict, or None when there is no text."""
    tree = load_html(html)
    if tree is None:
        return None
    html_lang = (tree.get("lang") or "").split("-")[0].strip().lower() or None
    dates = structured_dates(tree)
    doc = bare_extraction(tree, url=url, with_metadata=True, include_comments=False,
                          include_tables=False, favor_precision=False)
    text = _without_headline((doc.text or "").strip() if doc else "", doc.title if doc else None)
    if len(text.split()) < MIN_WORDS:
        return None
    return {
        "text": text,
        "title": doc.title,
        "byline": doc.author,
        "sitename": doc.sitename,
        "description": doc.description,
        "page_url": doc.url,           # rel=canonical / og:url, as trafilatura found it
        "day": doc.date,               # htmldate's guess, day precision
        "tags": [t.strip() for t in (doc.tags or []) + (doc.categories or []) if t and t.strip()],
        "image": doc.image,
        "html_lang": html_lang,
        "dates": dates,
    }


class _ExtractFn(beam.DoFn):
    def __init__(self):
        self.no_text = Metrics.counter("articles", "no_text")
        self.extract_ms = Metrics.distribution("articles", "extract_ms")

    def process(self, page):
        started = datetime.now(timezone.utc)
        try:
            extracted = extract_page(page.html, page.url)
        except Exception as exc:  # noqa: BLE001 - any extractor failure is one reject, not a crash
            yield beam.pvalue.TaggedOutput(REJECTS, Reject(
                "extract", "extract_error", page.url, page.entry.feed_url,
                f"{type(exc).__name__}: {exc}"[:500], page.http_status,
                datetime.now(timezone.utc), page.entry.url_key))
            return
        elapsed = datetime.now(timezone.utc) - started
        self.extract_ms.update(int(elapsed.total_seconds() * 1000))
        if extracted is None:
            self.no_text.inc()
            yield beam.pvalue.TaggedOutput(REJECTS, Reject(
                "extract", "no_text", page.url, page.entry.feed_url,
                "no article text found on the page", page.http_status,
                datetime.now(timezone.utc), page.entry.url_key))
            return
        yield page.entry, page.url, page.fetched_at, extracted


class ExtractText(beam.PTransform):
    """FetchedPage -> (entry, final_url, fetched_at, extracted dict); `rejects` for no text."""

    def expand(self, pages):
        return pages | "Extract" >> beam.ParDo(_ExtractFn()).with_outputs(REJECTS, main="extracted")
