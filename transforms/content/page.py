"""A page's body text and metadata (trafilatura), plus the structured dates it drops.

trafilatura keeps only the day of a date; JSON-LD and meta tags usually carry time and offset,
so they are read here from the same parsed tree before trafilatura consumes it.
"""
import json
import re
from html import unescape as html_unescape
from typing import Optional

from htmldate import find_date
from trafilatura import bare_extraction
from trafilatura.metadata import (examine_meta, extract_author, extract_catstags,
                                  extract_meta_json, extract_sitename, extract_title, extract_url)
from trafilatura.settings import set_date_params
from trafilatura.utils import load_html

from schemas.records import PageContent

MIN_CHARS = 60  # below this, what trafilatura found is navigation ("Home"), not an article
# (characters, not words: Chinese and Japanese text has no spaces between words)

# A paragraph addressed to the reader about cookies, consent, sign-ups or a paywall: site
# chrome, never body text, in whatever language (phrases a report would not itself use).
_CHROME = re.compile(
    r"\b(we|this (?:web)?site|our (?:web)?site|our partners) (?:and our partners )?"
    r"(?:use|uses|store|set)s? cookies\b|\baccept (?:all )?cookies\b|\bcookie (?:settings|"
    r"preferences|policy|banner|consent)\b|\bmanage (?:your )?(?:cookie |privacy )?"
    r"(?:preferences|settings|consent)\b|\bby (?:continuing to (?:use|browse)|clicking "
    r"[\"“']?(?:accept|agree|i agree|ok))|\bsign up (?:for|to) (?:our|the) (?:\w+ )?newsletters?\b|"
    r"\bsubscribe to (?:our|the) (?:\w+ )?newsletters?\b|\b(?:delivered|straight) to your inbox\b|"
    r"\balready (?:a subscriber|have an account)\b|\b(?:subscribe|log in|sign in) to "
    r"(?:continue|keep) reading\b|\bto continue reading,? (?:please )?(?:subscribe|log in|sign in)|"
    r"\bwir (?:verwenden|nutzen) cookies\b|\bdiese (?:web)?seite (?:verwendet|nutzt) cookies\b|"
    r"\b(?:alle )?cookies? akzeptieren\b|\bcookie-einstellungen\b|\bnewsletter abonnieren\b|"
    r"\bnous utilisons des cookies\b|\bce site utilise des cookies\b|\babonnez-vous à notre "
    r"newsletter\b|\b(?:utilizamos|usamos) cookies\b|\beste (?:sitio|site|portal)(?: web)? "
    r"(?:utiliza|usa) cookies\b|\b(?:utilizziamo|usiamo) (?:i )?cookie\b|"
    r"\bwij gebruiken cookies\b|\bvi bruker informasjonskapsler\b", re.I)
_CHROME_MAX_CHARS = 600   # a long paragraph that mentions cookies is reporting, not a banner

_META_PUBLISHED = ("article:published_time", "og:article:published_time", "datepublished",
                   "pubdate", "publishdate", "publish-date", "dc.date.issued", "dc.date",
                   "sailthru.date", "parsely-pub-date", "date")
_META_UPDATED = ("article:modified_time", "og:updated_time", "datemodified", "lastmod",
                 "dc.date.modified")


def _meta_key(name: str) -> str:
    """A meta name without separators: "article:published:time" is article:published_time."""
    return re.sub(r"[\s_:.\-]", "", name)


_PUBLISHED_KEYS = tuple(map(_meta_key, _META_PUBLISHED))
_UPDATED_KEYS = tuple(map(_meta_key, _META_UPDATED))
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
                # a graph, and the page's main entity (a WebPage whose mainEntity is the
                # article, as fr.de writes it)
                for key in ("mainEntity", "@graph"):
                    if isinstance(item.get(key), (dict, list)):
                        stack.append(item[key])


def _meta_tags(tree):
    """First content of each meta name/property/itemprop, lower-cased keys."""
    meta = {}
    for node in tree.xpath("//meta[@content]"):
        for key in ("property", "name", "itemprop", "http-equiv"):
            name = (node.get(key) or "").strip().lower()
            if name and name not in meta:
                meta[name] = node.get("content")
    return meta


def _jsonld_article(tree):
    """The first JSON-LD object of an article type (or None)."""
    for obj in _jsonld_objects(tree):
        kinds = obj.get("@type", "")
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if any(str(k).lower() in _JSONLD_TYPES for k in kinds or []):
            if obj.get("datePublished") or obj.get("headline") or obj.get("author"):
                return obj
    return None


def _people(value):
    """[(type, name)] from a JSON-LD author value (object, list, or string)."""
    if isinstance(value, list):
        return [p for item in value for p in _people(item)]
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            name = " ".join(str(n) for n in name)
        return [(str(value.get("@type") or "Person"), str(name))] if name else []
    if isinstance(value, str) and value.strip():
        return [("Text", value)]
    return []


def _links_home(node):
    """Whether an element sits in, or holds, a link to the site's home page: an <h1> that does
    is the site's name in the header (`<a href="/"><h1>Entermedia</h1></a>`), not a headline."""
    for link in node.xpath("ancestor::a[@href] | .//a[@href]"):
        href = link.get("href").strip()
        if re.fullmatch(r"(?:(?:https?:)?//[^/?#]+)?/?", href):
            return True
    return False


def _text(nodes):
    for node in nodes:
        text = " ".join(node.text_content().split()) if hasattr(node, "text_content") else \
            " ".join(str(node).split())
        if text:
            return text
    return None


_AUTHOR_KEYS = ("author", "article:author", "byl", "parsely-author", "sailthru.author",
                "dc.creator", "dcterms.creator", "citation_author", "cxenseparse:author")


def _meta_authors(tree):
    """[(key, value)] of every author-like meta tag, in page order (there may be several)."""
    found = []
    for node in tree.xpath("//meta[@content]"):
        key = (node.get("name") or node.get("property") or "").strip().lower()
        if key in _AUTHOR_KEYS and node.get("content", "").strip():
            found.append((key, node.get("content")))
    return found


# Links to an author's page: rel=author, or a path naming authors in the site's language.
_AUTHOR_PATH = re.compile(r"/(?:authors?|autor|autoren|auteurs?|autores|journalist|"
                          r"signataires)/")


def author_links(tree):
    """Texts of the first author link and the author links right after it (no other link
    between): the byline block. Later ones are usually other articles' teasers."""
    block = []
    for a in tree.iter("a"):
        if a.get("rel") == "author" or _AUTHOR_PATH.search(a.get("href") or ""):
            text = " ".join(a.text_content().split())
            if text:
                block.append(text)
                continue
        if block:
            break
    return block[:6]


# The label of an author field in a page's fact box ("<strong>Autorin/Autor</strong> Name",
# "<dt>Author</dt><dd>Name</dd>"), in the languages of the pages we read.
_AUTHOR_LABEL = re.compile(r"(?:autor(?:in)?(?:\s*/\s*autor(?:in)?)?|autoren|authors?|"
                           r"written by|auteur(?:e|s)?|autore|autori|autor\(?a\)?|"
                           r"forfatter|författare|auteur\(s\)|redakteur(?:in)?)\s*:?", re.I)


def labelled_authors(tree):
    """Names written after an author label in a fact box: the label element's own tail, or
    the element right after it. Only the first such field counts (later ones belong to
    teasers)."""
    for label in tree.xpath("//strong | //b | //dt | //th | //span | //label"):
        if len(label):                    # markup inside: no label of a field
            continue
        own = " ".join((label.text or "").split())
        if len(own) > 40 or not _AUTHOR_LABEL.fullmatch(own):
            continue
        name = " ".join((label.tail or "").split()).lstrip(":").strip()
        if not name:
            following = label.getnext()
            name = " ".join(following.text_content().split()) if following is not None else ""
        if name and len(name) <= 80:
            return [name]
    return []


def structured_dates(tree, meta=None, article=None):
    """Date strings from JSON-LD, meta tags and <time>: {"jsonld": (published, updated), ...}."""
    meta = _meta_tags(tree) if meta is None else meta
    article = _jsonld_article(tree) if article is None else article
    found = {}
    if article and article.get("datePublished"):
        found["jsonld"] = (article.get("datePublished"), article.get("dateModified"))
    spelt = {}                            # names spelt with any separators (Börsen-Zeitung)
    for name, value in meta.items():
        spelt.setdefault(_meta_key(name), value)
    published = next((spelt[k] for k in _PUBLISHED_KEYS if spelt.get(k)), None)
    updated = next((spelt[k] for k in _UPDATED_KEYS if spelt.get(k)), None)
    if published or updated:
        found["meta"] = (published, updated)
    times = tree.xpath("//time[@datetime]/@datetime")
    if times:
        found["text"] = (times[0], None)
    return found


def page_metadata(tree):
    """Every title, site name, author and language candidate the page declares."""
    meta = _meta_tags(tree)
    article = _jsonld_article(tree)
    publisher = article.get("publisher") if article else None
    return {
        "titles": {
            "og": meta.get("og:title"),
            # JSON-LD strings are sometimes HTML-escaped once more ("&quot;", "&#039;")
            "jsonld": html_unescape(article["headline"]) if article and isinstance(
                article.get("headline"), str) else None,
            "twitter": meta.get("twitter:title"),
            "h1": _text([h for h in tree.xpath("//h1") if not _links_home(h)]),
            "title": _text(tree.xpath("//head/title")),
        },
        "site_names": [n for n in (meta.get("og:site_name"), meta.get("application-name"),
                                   publisher.get("name") if isinstance(publisher, dict) else None)
                       if n],
        "people": {
            "jsonld": _people(article.get("author")) if article else [],
            "meta": _meta_authors(tree),
            "links": author_links(tree),
            "labelled": labelled_authors(tree),
        },
        "dates": structured_dates(tree, meta, article),
        "declared_language": [v for v in (tree.get("lang"), meta.get("og:locale"),
                                          meta.get("content-language"), meta.get("language"))
                              if v],
    }


def _without_headline(text, title):
    """trafilatura's text starts with the <h1> when it is inside the article: the headline is
    in `title` already, and copies under another headline should not differ by it."""
    first, _, rest = text.partition("\n")
    if title and first.strip().casefold() == title.strip().casefold():
        return rest.strip()
    return text


def without_chrome(text: str) -> str:
    """The text without the paragraphs that speak to the reader about cookies, consent,
    newsletters or a paywall: a page that is only such chrome has no article text."""
    kept = [line for line in text.split("\n")
            if not (len(line) <= _CHROME_MAX_CHARS and _speaks_to_reader(line))]
    return "\n".join(kept).strip()


def _speaks_to_reader(line: str) -> bool:
    """A chrome phrase outside quotation marks (a report may quote a banner)."""
    for match in _CHROME.finditer(line):
        before = line[:match.start()]
        low, high = ("„", "“") if "„" in before else ("“", "”")    # German „…“, English “…”
        opened = before.count(low) + before.count("«")
        closed = before.count(high) + before.count("»")
        if before.count('"') % 2 == 0 and opened <= closed:
            return True
    return False


def trafilatura_metadata(tree, url, with_date):
    """trafilatura's extract_metadata (2.x), less two searches whose answers we would not use:
    its licence search, and htmldate's guess of the day when the page declares a date of its
    own (the guess is the last fallback). About 1 ms of a page's ~26 (28.0 vs 29.1 ms, mean of
    6 interleaved rounds over 181 pages)."""
    doc = examine_meta(tree)
    if doc.author and " " not in doc.author:
        doc.author = None                       # as trafilatura does: a single word is no name
    try:
        doc = extract_meta_json(tree, doc)
    except Exception:  # noqa: BLE001 - trafilatura's JSON-LD reader has bugs of its own
        pass
    doc.title = doc.title or extract_title(tree)
    doc.author = doc.author or extract_author(tree)
    doc.url = doc.url or extract_url(tree, url)
    # htmldate's guess, from markup it knows (its "extensive" search of the free text picks up
    # any date on the page, a copyright year or an event's, and is refused as too weak)
    doc.date = find_date(tree, url=doc.url, **{**set_date_params(), "extensive_search": False}) \
        if with_date else None
    doc.sitename = (doc.sitename or extract_sitename(tree) or "").lstrip("@") or None
    if doc.sitename and "." not in doc.sitename and not doc.sitename[0].isupper():
        doc.sitename = doc.sitename.title()
    # (trafilatura would fall back to the URL's host here: that is no name, and the registered
    # domain is the source's own last resort, after the feed's title)
    doc.categories = doc.categories or extract_catstags("category", tree)
    doc.tags = doc.tags or extract_catstags("tag", tree)
    doc.clean_and_trim()
    return doc


def _body_text(tree, url, recall, fast=False):
    if tree is None:
        return ""
    doc = bare_extraction(tree, url=url, with_metadata=False, include_comments=False,
                          include_tables=False, favor_recall=recall, fast=fast)
    return (doc.text or "").strip() if doc else ""


def extract_page(html: str, url: str, fast: bool = False) -> Optional[PageContent]:
    """Body text and metadata of one page, or None when there is no text.

    fast: trafilatura without its fallback extractors (readability, jusText), which it
    otherwise runs to compare against its own result."""
    tree = load_html(html)
    if tree is None:
        return None
    declared = page_metadata(tree)
    doc = trafilatura_metadata(tree, url, with_date=not declared["dates"])
    text = _body_text(tree, url, recall=False, fast=fast)
    if len(text) < MIN_CHARS:
        # trafilatura's precise pass finds no body on many pages with little markup or short
        # items; its recall pass rescues them
        text = _body_text(load_html(html), url, recall=True, fast=fast) or text
    text = without_chrome(_without_headline(text, doc.title))
    if len(text) < MIN_CHARS:
        return None
    return PageContent(
        text=text, title=doc.title, byline=doc.author, sitename=doc.sitename,
        description=doc.description, page_url=doc.url, day=doc.date,
        tags=[t.strip() for t in (doc.tags or []) + (doc.categories or []) if t and t.strip()],
        image=doc.image, **declared)
