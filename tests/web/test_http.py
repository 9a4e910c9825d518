"""The HTTP layer against a loopback fixture server (transforms/web/http.py), one GET at a
time through the frontier that follows its redirects and retries."""
import gzip
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from tests.conftest import Route
from transforms.web.frontier import fetch as fetch_one
from transforms.web.http import (FetchError, Fetcher, FetchPolicy, check_address, decode_html,
                                 looks_binary, parse_retry_after)


FAST = FetchPolicy(connect_timeout=2, read_timeout=2, total_timeout=3, retries=2, backoff=0.01,
                   allow_private_hosts=True)


def fetch(server, path, policy=FAST):
    """One GET as a run makes it: redirects and retries are the frontier's."""
    fetcher = Fetcher(policy)
    try:
        return fetch_one(fetcher, server.url(path))
    finally:
        fetcher.close()


def reason_of(server, path, policy=FAST):
    with pytest.raises(FetchError) as err:
        fetch(server, path, policy)
    return err.value


def test_ok_and_gzip(server):
    server.routes["/a"] = Route(gzip.compress(b"<p>hello</p>"), headers={"Content-Encoding": "gzip"})
    response = fetch(server, "/a")
    assert response.status == 200 and response.body == b"<p>hello</p>"


def test_404_is_not_retried(server):
    err = reason_of(server, "/missing")
    assert (err.reason, err.http_status) == ("http_404", 404)
    assert server.hits["/missing"] == 1


def test_503_twice_then_success(server):
    server.routes["/flaky"] = lambda handler, n: Route(b"down", 503) if n <= 2 else Route(b"up")
    assert fetch(server, "/flaky").body == b"up"
    assert server.hits["/flaky"] == 3


def test_500_forever_gives_up_with_the_status(server):
    server.routes["/broken"] = Route(b"err", 500)
    err = reason_of(server, "/broken")
    assert (err.reason, err.http_status) == ("http_5xx", 500)
    assert server.hits["/broken"] == 3


def test_429_honours_retry_after(server):
    server.routes["/limited"] = lambda h, n: (Route(b"slow down", 429, {"Retry-After": "1"})
                                              if n == 1 else Route(b"ok"))
    assert fetch(server, "/limited").body == b"ok"


def test_retry_after_beyond_the_cap_gives_up(server):
    server.routes["/limited"] = Route(b"", 429, {"Retry-After": "3600"})
    assert reason_of(server, "/limited").reason == "http_429"


def test_redirects_are_followed_and_loops_detected(server):
    server.routes["/old"] = Route(b"", 301, {"Location": "/new"})
    server.routes["/new"] = Route(b"<p>moved</p>")
    response = fetch(server, "/old")
    assert response.url == server.url("/new") and response.body == b"<p>moved</p>"
    server.routes["/loop1"] = Route(b"", 302, {"Location": "/loop2"})
    server.routes["/loop2"] = Route(b"", 302, {"Location": "/loop1"})
    assert reason_of(server, "/loop1").reason == "too_many_redirects"


def test_private_addresses_are_refused_without_the_flag(server):
    server.routes["/a"] = Route(b"x")
    err = reason_of(server, "/a", FetchPolicy(allow_private_hosts=False))
    assert err.reason == "private_address" and "--allow_private_hosts" in err.detail


def test_redirect_to_a_private_address_is_refused(server):
    # The policy is checked at every hop: a public-looking first hop cannot lead inside.
    with pytest.raises(FetchError) as err:
        check_address("169.254.169.254", 80, allow_private=False)
    assert err.value.reason == "private_address"


def test_body_limit_is_enforced_while_reading(server):
    server.routes["/big"] = Route(b"x" * 5000)
    policy = FetchPolicy(max_body_bytes=1000, allow_private_hosts=True)
    assert reason_of(server, "/big", policy).reason == "too_large"


def test_gzip_bomb_is_stopped_by_the_decoded_size(server):
    bomb = gzip.compress(b"\0" * 5_000_000)
    server.routes["/bomb"] = Route(bomb, headers={"Content-Encoding": "gzip"})
    policy = FetchPolicy(max_body_bytes=100_000, allow_private_hosts=True)
    assert reason_of(server, "/bomb", policy).reason == "too_large"


def test_hang_longer_than_the_read_timeout(server):
    server.routes["/hang"] = Route(b"late", delay=3)
    policy = FetchPolicy(read_timeout=0.5, total_timeout=1, retries=0, allow_private_hosts=True)
    assert reason_of(server, "/hang", policy).reason == "timeout"


def test_parse_retry_after_seconds_and_date():
    now = datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30)), now) == 30.0
    assert parse_retry_after("soon") is None


@pytest.mark.parametrize("body, header, expected", [
    # no declaration, not UTF-8: read as windows-1252, the web's most common legacy charset
    ("Привет, мир".encode("cp1251"), "text/html", "Ïðèâåò, ìèð"),
    (b'<meta charset="windows-1251"><p>' + "Привет".encode("cp1251"), "text/html", "Привет"),
    ("café".encode("latin-1"), "text/html; charset=utf-8", "café"),  # wrong header
    ("\ufeffnaïve".encode("utf-8"), "text/html; charset=latin-1", "naïve"),  # BOM wins
])
def test_decode_html(body, header, expected):
    assert decode_html(body, header).endswith(expected)


def test_binary_bytes_are_recognised():
    assert looks_binary(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert not looks_binary("<html><body>Grüße</body></html>".encode("utf-8"))
