"""Capture as received (transforms/web/http.py with keep_pages), WARC records of it, and
reading them back byte for byte (transforms/web/warc.py)."""
import gzip
import io
import types
import zlib

import pytest
from warcio.checker import Checker

from tests.conftest import Route
from tests.web.test_frontier import run
from transforms.web.http import FetchError, FetchPolicy, decode_content
from transforms.web.warc import exchange_records, read_response, record_id

KEEP = FetchPolicy(allow_private_hosts=True, retries=0, keep_pages=True, host_delay=0,
                   total_timeout=5)
LATIN1 = "<html><body><p>Caf\u00e9 cr\u00e8me, Stra\u00dfe und Gr\u00fc\u00dfe.</p></body></html>"


def kept(server, *paths, policy=KEEP):
    done, _ = run(policy, [server.url(p) for p in paths])
    return [done[server.url(p)] for p in paths]


def test_the_bytes_as_received_are_kept_and_the_body_decoded(server):
    html = b"<html><body><p>hello, gzip</p></body></html>"
    wire = gzip.compress(html)
    server.routes["/gz"] = Route(wire, headers={"Content-Encoding": "gzip"})
    server.routes["/latin1"] = Route(LATIN1.encode("latin-1"),
                                     content_type="text/html; charset=iso-8859-1")
    gz, latin = kept(server, "/gz", "/latin1")
    (exchange,) = gz.exchanges
    assert exchange.payload == wire and gz.response.body == html
    assert ("Content-Encoding", "gzip") in exchange.response_headers
    assert exchange.status == 200 and exchange.version == "HTTP/1.1" and exchange.ip
    assert dict(exchange.request_headers)["Host"] == server.base.split("//")[1]
    assert latin.exchanges[0].payload == LATIN1.encode("latin-1")


def test_every_hop_and_an_error_body_are_kept(server):
    server.routes["/old"] = Route(b"moved", 301, headers={"Location": "/new"})
    server.routes["/new"] = Route(b"<p>here</p>")
    server.routes["/gone"] = Route(b"<p>no such page</p>", 404)
    moved, gone = kept(server, "/old", "/gone")
    assert [(e.url.rsplit("/", 1)[1], e.status, e.payload) for e in moved.exchanges] == [
        ("old", 301, b"moved"), ("new", 200, b"<p>here</p>")]
    assert gone.error.reason == "http_404" and gone.exchanges[0].payload == b"<p>no such page</p>"


def test_without_keep_pages_nothing_is_kept(server):
    server.routes["/a"] = Route(b"<p>a</p>")
    (done,) = kept(server, "/a", policy=FetchPolicy(allow_private_hosts=True, host_delay=0))
    assert done.exchanges == () and done.response.exchange is None


def test_a_gzip_bomb_is_stopped_by_the_decoded_size_when_kept_too(server):
    server.routes["/bomb"] = Route(gzip.compress(b"\0" * 5_000_000),
                                   headers={"Content-Encoding": "gzip"})
    (done,) = kept(server, "/bomb", policy=FetchPolicy(allow_private_hosts=True, host_delay=0,
                                                       keep_pages=True, max_body_bytes=100_000))
    assert done.error.reason == "too_large"


def test_records_read_back_byte_for_byte_and_pass_warcio_check(server, tmp_path):
    wire = gzip.compress(b"<p>stored</p>")
    server.routes["/old"] = Route(b"", 302, headers={"Location": "/gz"})
    server.routes["/gz"] = Route(wire, headers={"Content-Encoding": "gzip"})
    server.routes["/latin1"] = Route(LATIN1.encode("latin-1"),
                                     content_type="text/html; charset=iso-8859-1")
    moved, latin = kept(server, "/old", "/latin1")
    records = [r for d in (moved, latin) for e in d.exchanges for r in exchange_records(e)]
    assert [r.kind for r in records] == ["request", "response"] * 3
    data, offsets = b"", {}
    for r in records:
        offsets[r.record_id] = len(data)
        data += r.data
    path = tmp_path / "pages.warc.gz"
    path.write_bytes(data)

    final = moved.exchanges[-1]
    page = read_response(io.BytesIO(data), offsets[record_id(final)])
    assert (page.status, page.payload, page.body) == (200, wire, b"<p>stored</p>")
    assert ("Content-Encoding", "gzip") in page.headers and page.url.endswith("/gz")
    page = read_response(io.BytesIO(data), offsets[record_id(latin.exchanges[0])])
    assert page.body == LATIN1.encode("latin-1")
    with pytest.raises(ValueError):
        read_response(io.BytesIO(data), 0)                 # a request record
    checker = Checker(types.SimpleNamespace(inputs=[str(path)], verbose=False))
    assert checker.process_all() == 0                       # digests and framing


def test_record_ids_are_the_same_wherever_they_are_made(server):
    server.routes["/a"] = Route(b"<p>a</p>")
    (done,) = kept(server, "/a")
    (exchange,) = done.exchanges
    ids = [r.record_id for r in exchange_records(exchange)]
    assert ids == [record_id(exchange, "request"), record_id(exchange)]
    assert ids[0] != ids[1] and ids[1].startswith("<urn:uuid:")


@pytest.mark.parametrize("body, encoding", [
    (gzip.compress(b"text"), "gzip"),
    (zlib.compress(b"text"), "deflate"),                     # zlib-wrapped, as RFC 9110 says
    (zlib.compress(b"text")[2:-4], "deflate"),               # raw deflate, as some servers send
    (gzip.compress(gzip.compress(b"text")), "gzip, gzip"),
    (b"text", ""), (b"text", "identity"), (b"text", "br-unknown"),
])
def test_content_encodings_are_undone(body, encoding):
    assert decode_content(body, encoding, 1000) == b"text"


def test_decoding_is_bounded_and_garbage_is_an_error():
    with pytest.raises(FetchError) as raised:
        decode_content(gzip.compress(b"x" * 10_000), "gzip", 1000)
    assert raised.value.reason == "too_large"
    with pytest.raises(FetchError) as raised:
        decode_content(b"not gzip", "gzip", 1000)
    assert raised.value.reason == "connection_error"


def test_a_bundle_writes_a_file_per_publish_unit_and_its_index(server, tmp_path):
    from apache_beam.transforms.window import GlobalWindow

    from dataset.publish import StagedFile
    from schemas.records import Capture, FeedEntry
    from transforms.pages import KeepPages, PagesWriter

    server.routes["/a"] = Route(b"<p>a</p>")
    server.routes["/b"] = Route(b"<p>b</p>")
    a, b = kept(server, "/a", "/b")
    writer = PagesWriter(KeepPages(str(tmp_path), "run1", window=10))
    entry = FeedEntry("http://f/", server.url("/a"), "k", title="A")
    writer.add(Capture("page", a.exchanges, "http://f/", entry), 1.0, GlobalWindow())
    writer.add(Capture("feed", b.exchanges, "http://f/"), 15.0, GlobalWindow())   # next unit
    out = writer.close()
    files = [kept_ for _, _, kept_ in out if isinstance(kept_, StagedFile)]
    rows = [kept_ for _, _, kept_ in out if not isinstance(kept_, StagedFile)]
    assert len(files) == 2 and {f.table for f in files} == {"pages"}
    assert sorted(f.final_relpath.split("/")[-1].split("-w")[1][:15] for f in files) == [
        "19700101T000000", "19700101T000010"]                  # the unit's window start
    assert [(r["kind"], r["entry_length"] is not None) for r in rows] == [("page", True),
                                                                         ("feed", False)]
    for file, row in zip(files, rows):
        with open(file.staged_path, "rb") as fh:
            page = read_response(fh, row["warc_offset"])
        assert page.url == row["url"] and row["warc_file"] == file.final_relpath
