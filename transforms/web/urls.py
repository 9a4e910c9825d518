"""URL canonicalisation and the ids derived from it."""
import hashlib
from urllib.parse import urljoin, urlsplit, urlunsplit

from courlan import normalize_url

import tldextract

_TLD = tldextract.TLDExtract(suffix_list_urls=())  # bundled Public Suffix List: no download


class UrlError(ValueError):
    """Not an absolute http(s) URL."""


def canonicalize_url(url, base=None):
    """Canonical form: http(s) only, lower-case scheme and host, no default port, no fragment,
    tracking parameters (utm_*, fbclid, gclid, ref...) removed, query sorted (courlan)."""
    if url is None or not str(url).strip():
        raise UrlError("empty URL")
    url = str(url).strip()
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise UrlError(f"only http and https URLs are allowed (got {parts.scheme or 'no'} scheme)")
    if not parts.hostname:
        raise UrlError("URL has no host")
    try:
        normalized = normalize_url(url, strict=False)
    except (ValueError, TypeError) as exc:
        raise UrlError(f"malformed URL: {exc}") from None
    parts = urlsplit(normalized)
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def stable_id(text):
    """32 hex digits of SHA-256: stable across processes, machines and Python versions."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def registered_domain(url):
    """Registered domain (bbc.co.uk for news.bbc.co.uk); the bare host for IPs and localhost."""
    host = urlsplit(url).hostname or ""
    parts = _TLD(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    return host


def same_site(url_a, url_b):
    return registered_domain(url_a) == registered_domain(url_b)
