"""WARC records (ISO 28500) of what was fetched, written and read with warcio.

Each HTTP exchange becomes a request record and a response record, each its own gzip member,
so records can be serialised where the page was fetched and concatenated into files later: a
record's offset is where its member starts. Record ids are derived from the exchange (URL,
time, status), so a row can name its page's record before any file is written.
"""
import io
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Optional

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from transforms.web.http import Exchange, decode_content

# The body is stored as received but de-chunked; its Transfer-Encoding header is kept under
# the name web archives use for headers that no longer describe the stored bytes.
_ORIGINAL = "X-Archive-Orig-"
_DECHUNKED = ("transfer-encoding",)


@dataclass(frozen=True)
class SerialisedRecord:
    """One WARC record as bytes (a gzip member), with what an index needs about it."""
    record_id: str
    kind: str                      # request or response
    url: str
    status: Optional[int]          # the HTTP status (response records)
    content_type: Optional[str]
    fetched_at: datetime
    data: bytes


def _urn(name: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}>"


def record_id(exchange: Exchange, kind: str = "response") -> str:
    """<urn:uuid:...> of an exchange's request or response record, the same on every worker."""
    return _urn(f"{kind} {exchange.url} {exchange.fetched_at.isoformat()} {exchange.status}")


def _warc_date(when) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _serialise(record) -> bytes:
    out = io.BytesIO()
    WARCWriter(out, gzip=True).write_record(record)
    return out.getvalue()


def exchange_records(exchange: Exchange) -> list:
    """[request, response] SerialisedRecords of one exchange."""
    writer = WARCWriter(io.BytesIO(), gzip=True)
    request_id, response_id = record_id(exchange, "request"), record_id(exchange)
    path = exchange.path or "/"
    request = writer.create_warc_record(
        exchange.url, "request", payload=io.BytesIO(b""),
        http_headers=StatusAndHeaders(f"GET {path} HTTP/1.1", list(exchange.request_headers),
                                      is_http_request=True),
        warc_headers_dict={"WARC-Record-ID": request_id,
                           "WARC-Date": _warc_date(exchange.fetched_at),
                           "WARC-Concurrent-To": response_id})
    headers = [(_ORIGINAL + name if name.lower() in _DECHUNKED else name, value)
               for name, value in exchange.response_headers]
    warc_headers = {"WARC-Record-ID": response_id, "WARC-Date": _warc_date(exchange.fetched_at)}
    if exchange.ip:
        warc_headers["WARC-IP-Address"] = exchange.ip
    response = writer.create_warc_record(
        exchange.url, "response", payload=io.BytesIO(exchange.payload),
        http_headers=StatusAndHeaders(f"{exchange.status} {exchange.reason}".strip(), headers,
                                      protocol=exchange.version),
        warc_headers_dict=warc_headers)
    content_type = next((v for n, v in exchange.response_headers
                         if n.lower() == "content-type"), None)
    return [SerialisedRecord(request_id, "request", exchange.url, None, None,
                             exchange.fetched_at, _serialise(request)),
            SerialisedRecord(response_id, "response", exchange.url, exchange.status,
                             content_type, exchange.fetched_at, _serialise(response))]


def entry_record(response: SerialisedRecord, entry: dict) -> SerialisedRecord:
    """A metadata record beside a page's response record: the feed entry's evidence (title,
    dates, authors, ...) as JSON, which re-extraction needs and the page does not hold."""
    writer = WARCWriter(io.BytesIO(), gzip=True)
    body = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode("utf-8")
    record_id_ = _urn(f"metadata {response.record_id}")
    record = writer.create_warc_record(
        response.url, "metadata", payload=io.BytesIO(body), length=len(body),
        warc_content_type="application/json",
        warc_headers_dict={"WARC-Record-ID": record_id_,
                           "WARC-Date": _warc_date(response.fetched_at),
                           "WARC-Concurrent-To": response.record_id})
    return SerialisedRecord(record_id_, "metadata", response.url, None, "application/json",
                            response.fetched_at, _serialise(record))


def read_metadata(stream, offset: int) -> dict:
    """The JSON of the metadata record whose gzip member starts at `offset`."""
    stream.seek(offset)
    record = next(iter(ArchiveIterator(stream)))
    if record.rec_type != "metadata":
        raise ValueError(f"the record at offset {offset} is a {record.rec_type} record")
    return json.loads(record.content_stream().read().decode("utf-8"))


def warcinfo_record(filename: str, fields: dict) -> bytes:
    """The warcinfo record that opens a file: who wrote it, and how."""
    writer = WARCWriter(io.BytesIO(), gzip=True)
    return _serialise(writer.create_warcinfo_record(filename, fields))


@dataclass(frozen=True)
class StoredPage:
    """A response record read back."""
    url: str
    status: int
    headers: list                  # [(name, value)] as received
    payload: bytes                 # the body as received (content-encoded)
    body: bytes                    # the body decoded (gzip, deflate undone)
    date: str


def read_response(stream, offset: int) -> StoredPage:
    """The response record whose gzip member starts at `offset` of a seekable binary stream."""
    stream.seek(offset)
    record = next(iter(ArchiveIterator(stream)))
    if record.rec_type != "response":
        raise ValueError(f"the record at offset {offset} is a {record.rec_type} record")
    raw = record.raw_stream.read()
    headers = [(n[len(_ORIGINAL):] if n.startswith(_ORIGINAL) else n, v)
               for n, v in record.http_headers.headers]
    encoding = next((v for n, v in headers if n.lower() == "content-encoding"), "")
    return StoredPage(record.rec_headers.get_header("WARC-Target-URI"),
                      int(record.http_headers.get_statuscode()), headers, raw,
                      decode_content(raw, encoding, limit=None),
                      record.rec_headers.get_header("WARC-Date"))


def records_of(exchanges: Iterable[Exchange]) -> list:
    return [r for exchange in exchanges for r in exchange_records(exchange)]
