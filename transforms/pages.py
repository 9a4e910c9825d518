"""WritePages: what a run fetched (--keep_pages), as WARC files with an index table, staged
like every other file and published with the run; ReadKeptPages: those pages again, for
`newsbeam reprocess`.

Records are serialised where they were fetched (transforms/web/warc.py); here they are grouped
by day and shard and each group becomes one file, `_pages/date=YYYY-MM-DD/<unit>-<shard>.warc.gz`.
The writer knows where each record starts, so the `pages` table gives every record's file,
offset and length: a reader seeks there and reads one gzip member, as CDX indexes do.
"""
import io
from datetime import timezone
from typing import NamedTuple

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from dataset.layout import PAGES
from dataset.pages import read_member
from dataset.publish import PublishError, StagedFile
from schemas.records import Capture, FeedEntry, FetchedPage, Reject, Stage
from transforms.web.urls import stable_id
from transforms.web.http import decode_html
from transforms.web.warc import (entry_record, read_metadata, read_response, records_of,
                                 warcinfo_record)
from transforms.write import window_token

ROWS = "rows"
REJECTS = "rejects"


def file_key(capture: Capture, shards: int) -> tuple:
    """(day, shard) of the file a capture goes to: the day it was fetched (UTC), and a shard
    from its URL, so one page's requests, redirects and retries stay in one file."""
    first = capture.exchanges[0]
    day = first.fetched_at.astimezone(timezone.utc).date().isoformat()
    return day, int(stable_id(capture.exchanges[-1].url)[:8], 16) % max(1, shards)


def pages_file(day: str, unit: str, shard: int) -> str:
    """A WARC file's path under the output root."""
    return f"{PAGES}/date={day}/{unit}-{shard:05d}.warc.gz"


class _WriteWarcFn(beam.DoFn):
    def __init__(self, staging, run_id, run_info):
        self.staging = staging
        self.run_id = run_id
        self.run_info = run_info

    def process(self, element, window=beam.DoFn.WindowParam):
        (day, shard), captures = element
        unit = self.run_id + window_token(window)
        relpath = pages_file(day, unit, shard)
        staged = FileSystems.join(self.staging, f"pages.{day}.{shard:05d}{window_token(window)}"
                                                ".warc.gz")
        name = relpath.rsplit("/", 1)[1]
        offset, rows = 0, []
        try:
            # the records are gzip members already: the filesystem must not compress again
            with FileSystems.create(staged, compression_type=CompressionTypes.UNCOMPRESSED) as fh:
                info = warcinfo_record(name, {"software": "newsbeam",
                                              "format": "WARC File Format 1.1",
                                              "run_id": self.run_id,
                                              **{k: str(v) for k, v in self.run_info.items()
                                                 if k in ("version", "command")}})
                fh.write(info)
                offset += len(info)
                for capture in sorted(captures, key=lambda c: (c.exchanges[0].fetched_at,
                                                                c.exchanges[0].url)):
                    records = records_of(capture.exchanges)
                    if capture.entry is not None:      # right after the page's response
                        records.append(entry_record(records[-1], capture.entry.to_json()))
                    for record in records:
                        fh.write(record.data)
                        if record.kind == "response":
                            rows.append({
                                "record_id": record.record_id, "url": record.url,
                                "kind": capture.kind, "status": record.status,
                                "content_type": record.content_type,
                                "fetched_at": record.fetched_at.astimezone(timezone.utc),
                                "warc_file": relpath, "warc_offset": offset,
                                "warc_length": len(record.data), "entry_length": None,
                                "feed_url": capture.feed_url, "run_id": self.run_id})
                        elif record.kind == "metadata":
                            rows[-1]["entry_length"] = len(record.data)
                        offset += len(record.data)
        except Exception as exc:  # noqa: BLE001 - every filesystem raises its own kinds
            raise PublishError(f"cannot write {staged}: {exc}") from exc
        yield StagedFile("pages", staged, relpath)
        for row in rows:
            yield beam.pvalue.TaggedOutput(ROWS, row)


class Pages(NamedTuple):
    staged: beam.PCollection    # StagedFile of each WARC file
    rows: beam.PCollection      # rows of the pages table


class WritePages(beam.PTransform):
    """Capture -> Pages(staged WARC files, index rows): one file per day and shard (and per
    window in a streaming job)."""

    def __init__(self, staging: str, run_id: str, run_info: dict, shards: int = 1):
        super().__init__()
        self.staging = staging
        self.run_id = run_id
        self.run_info = run_info
        self.shards = shards

    def expand(self, captures):
        written = (captures
                   | "ByFile" >> beam.Map(lambda c, n: (file_key(c, n), c), self.shards)
                   | "GroupByFile" >> beam.GroupByKey()
                   | "WriteWarc" >> beam.ParDo(_WriteWarcFn(self.staging, self.run_id,
                                                            self.run_info))
                   .with_outputs(ROWS, main="staged"))
        return Pages(written.staged, written[ROWS])


def page_from_members(row: dict, data: bytes) -> FetchedPage:
    """A kept page as FetchedPage again, from its index row and the bytes of its response
    and metadata records (adjacent in the file)."""
    stream = io.BytesIO(data)
    stored = read_response(stream, 0)
    entry = FeedEntry.from_json(read_metadata(stream, row["warc_length"]))
    content_type = next((v for n, v in stored.headers if n.lower() == "content-type"), "")
    return FetchedPage(entry, stored.url, decode_html(stored.body, content_type),
                       row["fetched_at"], stored.status, row["record_id"])


class _ReadKeptFn(beam.DoFn):
    def __init__(self, output):
        self.output = output

    def process(self, row):
        try:
            data = read_member(self.output, row["warc_file"], row["warc_offset"],
                               row["warc_length"] + row["entry_length"])
            yield page_from_members(row, data)
        except Exception as exc:  # noqa: BLE001 - a damaged record is a reject, not a crash
            yield beam.pvalue.TaggedOutput(REJECTS, Reject(
                stage=Stage.ARTICLE_FETCH, reason="parse_error", url=row["url"],
                feed_url=row.get("feed_url"), detail=f"kept page {row['record_id']} in "
                f"{row['warc_file']} could not be read: {exc}"[:500]))


class ReadKeptPages(beam.PTransform):
    """Index rows of the pages table -> the kept pages as FetchedPage (with the feed entry
    they were fetched for), and Rejects for records that cannot be read."""

    def __init__(self, output: str):
        super().__init__()
        self.output = output

    def expand(self, rows):
        read = rows | "Read" >> beam.ParDo(_ReadKeptFn(self.output)).with_outputs(
            REJECTS, main="pages")
        return read.pages, read[REJECTS]
