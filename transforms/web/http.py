"""The one HTTP layer for feeds and pages: bounded, retrying, and refusing private addresses.

Every failure is a FetchError carrying a stable reason code (schemas/reasons.py), so callers turn
it into a reject row without interpreting exceptions themselves.
"""
import codecs
import email.utils
import ipaddress
import re
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (ConnectTimeoutError, HTTPError, NewConnectionError,
                                ProtocolError, ReadTimeoutError, SSLError)


DEFAULT_USER_AGENT = "newsbeam/0.1 (+https://github.com/newsbeam/newsbeam)"


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for one request. Built from the pipeline options (see pipeline/options.py)."""
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    total_timeout: float = 30.0      # whole request incl. body: a 1 byte/s drip cannot hold a worker
    max_body_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 2                 # extra attempts on timeouts, connection errors, 429 and 5xx
    backoff: float = 0.5             # seconds; doubled per attempt, with jitter
    max_retry_wait: float = 30.0     # longer Retry-After values give up instead of waiting
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_hosts: bool = False
    allowed_networks: tuple = ()     # CIDRs allowed even though private (internal feeds, tests)
    max_per_host: int = 2            # requests in flight per host, for the whole job
    host_delay: float = 0.25         # seconds between request starts per host
    max_host_failures: int = 5       # failures in a row that give up on a host (0: never)
    respect_robots: bool = True      # pages only; feeds were chosen by the operator
    max_crawl_delay: float = 30.0
    keep_pages: bool = False         # keep every exchange as received (WARC capture)


@dataclass(frozen=True)
class Exchange:
    """One request and its response as they went over the wire, for WARC capture: the body
    as received (content-encoded; de-chunked), headers in their order and case."""
    url: str
    path: str                        # request target: path and query
    request_headers: tuple           # ((name, value), ...) as sent
    status: int
    reason: str
    version: str                     # "HTTP/1.1"
    response_headers: tuple          # ((name, value), ...) as received
    payload: bytes
    fetched_at: datetime
    ip: str = ""


@dataclass
class Response:
    url: str                         # final URL after redirects
    status: int
    headers: dict = field(default_factory=dict)   # lower-case names
    body: bytes = b""
    fetched_at: datetime = None
    exchange: Exchange = None        # with FetchPolicy.keep_pages

    @property
    def content_type(self):
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class FetchError(Exception):
    def __init__(self, reason, detail, http_status=None, url=None):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.http_status = http_status
        self.url = url


RETRY_STATUSES = {429, 500, 502, 503, 504}
REDIRECTS = {301, 302, 303, 307, 308}


def status_reason(status):
    if status in (404, 410):
        return f"http_{status}"
    if status == 429:
        return "http_429"
    if status >= 500:
        return "http_5xx"
    return "http_4xx"


def check_address(host, port, allow_private, allowed_networks=()):
    """Resolve host and return one acceptable IP, refusing non-public ones unless allowed.

    Connecting to the returned IP (not the name again) means a DNS answer cannot change between
    the check and the connection.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError("connection_error", f"cannot resolve {host}: {exc}") from None
    ips = [info[4][0] for info in infos]
    if not allow_private:
        networks = [ipaddress.ip_network(n, strict=False) for n in allowed_networks]
        for ip in ips:
            addr = ipaddress.ip_address(ip.split("%")[0])
            if any(addr in net for net in networks):
                continue
            if not addr.is_global or addr.is_multicast:
                raise FetchError("private_address",
                                 f"{host} resolves to non-public address {ip}; "
                                 "pass --allow_private_hosts to allow it")
    return ips[0]


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


_SENDING = threading.local()     # the callback of the request this thread is sending


class _Sent:
    """Calls this thread's sending callback once a request's headers are on the wire: the
    moment the host sees it, which is what its pacing counts from."""

    def endheaders(self, *args, **kwargs):
        result = super().endheaders(*args, **kwargs)
        callback = getattr(_SENDING, "callback", None)
        if callback is not None:
            callback()
        return result


class _HTTPConnection(_Sent, HTTPConnection):
    pass


class _HTTPSConnection(_Sent, HTTPSConnection):
    pass


class Fetcher:
    """One request at a time, bounded and checked: the address is resolved and refused if it is
    not public (unless allowed), the connection goes to the address that was checked, and the
    body is limited while it is read. Redirects, retries, robots.txt and pacing are the
    frontier's (transforms/web/frontier.py). Thread-safe; create one per worker in
    DoFn.setup(): it is not picklable."""

    def __init__(self, policy=FetchPolicy()):
        self.policy = policy
        self._pools = {}
        self._lock = threading.Lock()
        self._ssl = ssl.create_default_context()

    def close(self):
        with self._lock:
            for pool in self._pools.values():
                pool.close()
            self._pools.clear()

    def _pool(self, scheme, host, ip, port):
        key = (scheme, host, ip, port)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                timeout = urllib3.Timeout(connect=self.policy.connect_timeout,
                                          read=self.policy.read_timeout)
                if scheme == "https":
                    pool = urllib3.HTTPSConnectionPool(
                        ip, port, timeout=timeout, maxsize=32, block=False, retries=False,
                        server_hostname=host, assert_hostname=host, ssl_context=self._ssl)
                else:
                    pool = urllib3.HTTPConnectionPool(ip, port, timeout=timeout, maxsize=32,
                                                      block=False, retries=False)
                pool.ConnectionCls = _HTTPSConnection if scheme == "https" else _HTTPConnection
                self._pools[key] = pool
            return pool

    def request(self, url: str, headers: dict, on_send=None) -> Response:
        """One GET, no redirect followed: a Response of any status, or a FetchError.

        on_send: called when the request has left (its headers written to the socket), and
        again if it is sent once more on a fresh connection: the host's pacing counts from
        then, not from when the request was scheduled (a new connection takes a while)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("bad_url", f"not an absolute http(s) URL: {url!r}", url=url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        ip = check_address(parts.hostname, port, self.policy.allow_private_hosts,
                           self.policy.allowed_networks)
        pool = self._pool(parts.scheme, parts.hostname, ip, port)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        send = {"User-Agent": self.policy.user_agent, "Accept-Encoding": "gzip, deflate",
                "Accept": "*/*", "Host": parts.netloc, **headers}
        return self._send(pool, path, send, url, on_send, ip)

    def _send(self, pool, path, send, url, on_send=None, ip=""):
        started = time.monotonic()
        raw = None
        capture = self.policy.keep_pages
        _SENDING.callback = on_send
        try:
            for fresh in (False, True):
                try:
                    raw = pool.urlopen("GET", path, headers=send, redirect=False, retries=False,
                                       preload_content=False, decode_content=not capture,
                                       assert_same_host=False)
                    break
                except NewConnectionError as exc:
                    # refused, unreachable, DNS: urllib3 2 makes this a ConnectTimeoutError too,
                    # so it is told apart first; a connect that timed out says so
                    reason = "timeout" if "timed out" in str(exc) else "connection_error"
                    raise FetchError(reason, str(exc), url=url) from None
                except (ConnectTimeoutError, ReadTimeoutError, socket.timeout) as exc:
                    raise FetchError("timeout", str(exc), url=url) from None
                except ProtocolError as exc:
                    # a kept-alive connection the server had closed: not the server failing, and
                    # not an attempt that counts against --retries; once more on a new connection
                    if "timed out" in str(exc):
                        raise FetchError("timeout", str(exc), url=url) from None
                    if fresh:
                        raise FetchError("connection_error", str(exc), url=url) from None
                except (SSLError, HTTPError, OSError) as exc:
                    if "timed out" in str(exc):
                        raise FetchError("timeout", str(exc), url=url) from None
                    raise FetchError("connection_error", str(exc), url=url) from None
        finally:
            _SENDING.callback = None
        response = Response(url=url, status=raw.status,
                            headers={k.lower(): v for k, v in raw.headers.items()},
                            fetched_at=datetime.now(timezone.utc))
        if raw.status >= 300 and not capture:
            raw.close()  # an unread error body must not be left for the next request
            return response
        try:
            body = self._read_body(raw, started, url)
            if capture:
                response.exchange = Exchange(
                    url, path, tuple(send.items()), raw.status, raw.reason or "",
                    f"HTTP/{raw.version // 10}.{raw.version % 10}" if raw.version else "HTTP/1.1",
                    tuple(raw.headers.items()), body, response.fetched_at, ip)
                body = decode_content(body, raw.headers.get("content-encoding", ""),
                                      self.policy.max_body_bytes, raw.status, url)
            if raw.status < 300:
                response.body = body
        except FetchError:
            raw.close()
            raise
        raw.release_conn()
        return response

    def _read_body(self, raw, started, url):
        limit = self.policy.max_body_bytes
        declared = raw.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise FetchError("too_large", f"Content-Length {declared} > {limit} bytes",
                             raw.status, url)
        chunks, size = [], 0
        try:
            while True:
                # read1 returns what one recv gives, so the total deadline is checked often
                chunk = raw.read1(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise FetchError("too_large", f"body exceeds {limit} bytes", raw.status, url)
                if time.monotonic() - started > self.policy.total_timeout:
                    raise FetchError("timeout", f"total deadline {self.policy.total_timeout}s "
                                     "exceeded while reading the body", raw.status, url)
                chunks.append(chunk)
        except (ReadTimeoutError, socket.timeout) as exc:
            raise FetchError("timeout", str(exc), raw.status, url) from None
        except (ProtocolError, HTTPError, OSError) as exc:
            raise FetchError("connection_error", f"body read failed: {exc}", raw.status,
                             url) from None
        return b"".join(chunks)


def decode_content(body: bytes, encoding: str, limit, status=None, url=None) -> bytes:
    """A body as received, with its Content-Encoding (gzip, deflate; several in turn) undone,
    at most `limit` bytes of it (None: no limit). Unknown encodings pass as they are, as
    urllib3 passes them."""
    for name in reversed([e.strip().lower() for e in (encoding or "").split(",") if e.strip()]):
        if name not in ("gzip", "x-gzip", "deflate"):
            continue
        # gzip or a zlib stream (32 + 15: either header); "deflate" is sometimes raw deflate
        attempts = (47,) if name != "deflate" else (47, -15)
        for i, wbits in enumerate(attempts):
            try:
                decoder = zlib.decompressobj(wbits)
                out = decoder.decompress(body, limit + 1 if limit else 0)
                break
            except zlib.error as exc:
                if i == len(attempts) - 1:
                    raise FetchError("connection_error", f"body read failed: {name} data "
                                     f"could not be decoded ({exc})", status, url) from None
        if limit is not None and len(out) > limit:
            raise FetchError("too_large", f"body exceeds {limit} bytes once decoded", status,
                             url)
        body = out
    return body


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)


def _known_codec(name):
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except (LookupError, AttributeError):
        return None


def header_charset(content_type_header):
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type_header or "", re.I)
    return _known_codec(match.group(1)) if match else None


def decode_html(body, content_type_header=""):
    """Decode page bytes: BOM, then the HTTP charset, then <meta charset>, then UTF-8, then
    windows-1252. A declared charset that fails to decode cleanly is not trusted."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return body[len(bom):].decode(codec, errors="replace")
    candidates = [header_charset(content_type_header)]
    match = _META_CHARSET.search(body[:8192])
    candidates.append(_known_codec(match.group(1).decode("ascii", "ignore")) if match else None)
    candidates.append("utf-8")
    for codec in candidates:
        if not codec:
            continue
        try:
            return body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("cp1252", errors="replace")


def looks_binary(body):
    """True for bytes that are not text whatever the label says (NULs or many control bytes)."""
    head = body[:4096]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls / len(head) > 0.05
