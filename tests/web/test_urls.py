"""URL canonicalisation and the ids derived from it (transforms/web/urls.py)."""
import pytest

from transforms.web.urls import UrlError, canonicalize_url, registered_domain, same_site, stable_id


@pytest.mark.parametrize("raw, expected", [
    ("HTTPS://Example.COM:443/a/b?utm_source=x&id=3&fbclid=abc#frag", "https://example.com/a/b?id=3"),
    ("http://example.com:80", "http://example.com/"),
    ("https://example.com/a?b=2&a=1&gclid=zz", "https://example.com/a?a=1&b=2"),
    ("https://news.example.co.uk/story.html?ref=rss", "https://news.example.co.uk/story.html"),
])
def test_canonicalize(raw, expected):
    assert canonicalize_url(raw) == expected


def test_relative_links_resolve_against_the_base():
    assert canonicalize_url("/news/1.html", base="https://example.com/feed.xml") == \
        "https://example.com/news/1.html"


@pytest.mark.parametrize("raw", ["javascript:alert(1)", "file:///etc/passwd", "mailto:a@b.c",
                                 "", "   ", "//"])
def test_non_http_urls_are_refused(raw):
    with pytest.raises(UrlError):
        canonicalize_url(raw)


def test_stable_id_is_deterministic_and_short():
    assert stable_id("https://example.com/") == stable_id("https://example.com/")
    assert len(stable_id("x")) == 32


def test_registered_domain_is_public_suffix_aware():
    assert registered_domain("https://news.bbc.co.uk/x") == "bbc.co.uk"
    assert registered_domain("https://www.lemonde.fr/a") == "lemonde.fr"
    assert registered_domain("http://127.0.0.11:8780/a") == "127.0.0.11"
    assert same_site("https://www.example.com/a", "https://amp.example.com/b")
    assert not same_site("https://example.com/a", "https://example.org/a")
