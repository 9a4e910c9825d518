"""What a run fetched (--keep_pages), as WARC files with an index table, staged like every
other file and published with the run; ReadKeptPages: those pages again, for `newsbeam
reprocess`.

Records are serialised where they were fetched (transforms/web/warc.py) and appended there, by
the fetching DoFn, to a file per bundle, publish unit and day:
`_pages/date=YYYY-MM-DD/<unit>-<id>.warc.gz`. Nothing waits in memory for a shuffle: a bundle
holds its open files only. The writer knows where each record starts, so the `pages` table
gives every record's file, offset and length: a reader seeks there and reads one gzip member,
as CDX indexes do.
"""
import io
import uuid
from dataclasses import dataclass
from datetime import timezone
from typing import Optional

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import GlobalWindow, IntervalWindow
from apache_beam.utils.timestamp import Duration, Timestamp

from dataset.layout import PAGES
from dataset.pages import read_member
from dataset.publish import PublishError, StagedFile
from schemas.records import Capture, FeedEntry, FetchedPage, Reject, Stage
from transforms.web.http import decode_html
from transforms.web.warc import (entry_record, read_metadata, read_response, records_of,
                                 warcinfo_record)
from transforms.write import window_token

REJECTS = "rejects"


@dataclass(frozen=True)
class KeepPages:
    """Where the fetching stages keep what they fetch: the run's staging folder, its id, and
    its publish unit (seconds per window in a streaming job; None in batch)."""
    staging: str
    run_id: str
    window: Optional[float] = None

    def unit_of(self, timestamp):
        """The publish unit (window) a record of this event time belongs to."""
        if self.window is None:
            return GlobalWindow()
        size = int(self.window * 1_000_000)
        start = Timestamp(micros=Timestamp.of(timestamp).micros // size * size)
        return IntervalWindow(start, start + Duration(micros=size))


class _OpenFile:
    def __init__(self, keep: KeepPages, unit, day: str, timestamp, window):
        self.name = f"{keep.run_id}{window_token(unit)}-{uuid.uuid4().hex[:12]}"
        self.relpath = f"{PAGES}/date={day}/{self.name}.warc.gz"
        self.staged = FileSystems.join(keep.staging, "pages", self.name + ".warc.gz")
        self.at = (timestamp, window)   # where its outputs go: a unit's time, a record's window
        self.rows = []
        # the records are gzip members already: the filesystem must not compress again
        self.fh = FileSystems.create(self.staged, compression_type=CompressionTypes.UNCOMPRESSED)
        self.offset = 0
        self.write(warcinfo_record(self.name + ".warc.gz", {
            "software": "newsbeam", "format": "WARC File Format 1.1", "run_id": keep.run_id}))

    def write(self, data: bytes) -> None:
        self.fh.write(data)
        self.offset += len(data)


class PagesWriter:
    """Appends captures' records to WARC files in the run's staging, one per publish unit and
    day, and makes the index rows; one per bundle of a fetching DoFn."""

    def __init__(self, keep: KeepPages):
        self.keep = keep
        self.files = {}

    def add(self, capture: Capture, timestamp, window) -> None:
        unit = self.keep.unit_of(timestamp)
        day = capture.exchanges[0].fetched_at.astimezone(timezone.utc).date().isoformat()
        try:
            file = self.files.get((unit, day))
            if file is None:
                file = self.files[(unit, day)] = _OpenFile(self.keep, unit, day, timestamp,
                                                           window)
            records = records_of(capture.exchanges)
            if capture.entry is not None:          # right after the page's response
                records.append(entry_record(records[-1], capture.entry.to_json()))
            for record in records:
                if record.kind == "response":
                    file.rows.append({
                        "record_id": record.record_id, "url": record.url, "kind": capture.kind,
                        "status": record.status, "content_type": record.content_type,
                        "fetched_at": record.fetched_at.astimezone(timezone.utc),
                        "warc_file": file.relpath, "warc_offset": file.offset,
                        "warc_length": len(record.data), "entry_length": None,
                        "feed_url": capture.feed_url, "run_id": self.keep.run_id})
                elif record.kind == "metadata":
                    file.rows[-1]["entry_length"] = len(record.data)
                file.write(record.data)
        except PublishError:
            raise
        except Exception as exc:  # noqa: BLE001 - every filesystem raises its own kinds
            raise PublishError(f"cannot write kept pages to {self.keep.staging}: {exc}") from exc

    def close(self):
        """[(timestamp, window, StagedFile or index row)] of every file, now complete."""
        out = []
        for file in self.files.values():
            try:
                file.fh.close()
            except Exception as exc:  # noqa: BLE001
                raise PublishError(f"cannot write {file.staged}: {exc}") from exc
            timestamp, window = file.at
            out.append((timestamp, window, StagedFile("pages", file.staged, file.relpath)))
            out += [(timestamp, window, row) for row in file.rows]
        self.files = {}
        return out


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
