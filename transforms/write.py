"""Write rows as Parquet into the run's staging folder; `publish` moves them where readers look.

fileio.WriteToFiles renames its temp files into `path` and silently skips a rename whose target
folder does not exist, so files are written flat into one staging folder that we create, and the
publish step (transforms/publish.py) puts each into its partition and checks that it is there.
"""
from dataclasses import dataclass
from datetime import datetime, timezone

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.value_provider import StaticValueProvider
from apache_beam.transforms.window import GlobalWindow

from schemas.tables import SCHEMA_VERSION

# Sort keys within a file so that readers' predicate pushdown on source and time works.
SORT_KEYS = {"articles": [("source", "ascending"), ("published_at", "ascending")],
             "rejects": [("stage", "ascending"), ("reason", "ascending")]}


@dataclass(frozen=True)
class StagedFile:
    """A file written to staging, and where publishing puts it (relative to the output root)."""
    table: str
    staged_path: str
    final_relpath: str


def rows_to_table(rows, schema, table):
    """A pyarrow Table in the pinned schema (internal `_` keys dropped), sorted for readers."""
    return for_readers(pa.Table.from_pylist(rows, schema=schema), schema, table)


def for_readers(data, schema, table):
    """Rows sorted by the table's sort keys, with newsbeam's schema metadata."""
    if table in SORT_KEYS and data.num_rows:
        data = data.sort_by(SORT_KEYS[table])
    metadata = {b"newsbeam.schema_version": SCHEMA_VERSION.encode(),
                b"newsbeam.table": table.encode()}
    return data.replace_schema_metadata({**(schema.metadata or {}), **metadata})


# Columns with few distinct values: dictionary-encoded (a few bits a row, and readers can filter
# on the dictionary). Ids, URLs and text are near-unique: a dictionary would only be overhead.
DICTIONARY_COLUMNS = {"feed_url", "source", "source_domain", "title_source", "language",
                      "date_precision", "date_source", "run_id", "stage", "reason", "status"}


def table_to_parquet_bytes(data):
    sink = pa.BufferOutputStream()
    pq.write_table(data, sink, compression="zstd", write_statistics=True,
                   row_group_size=64 * 1024,
                   use_dictionary=[c for c in data.column_names if c in DICTIONARY_COLUMNS])
    return sink.getvalue().to_pybytes()


class ParquetSink(fileio.FileSink):
    """Buffers one file's rows and writes them as one Parquet file on flush.

    The whole file is built in memory and written in one call, so a half-written file can only
    exist in staging, and object stores (gs://, s3://) get one plain sequential write. Rows are
    held as Arrow record batches of BATCH_ROWS rather than as Python dicts, which take several
    times the memory of their values (a 20,000-article run's peak lies in grouping, and did
    not change with this).
    """

    BATCH_ROWS = 1000

    def __init__(self, schema, table):
        self.schema = schema
        self.table = table
        self._rows, self._batches = [], []
        self._fh = None

    def open(self, fh):
        self._fh = fh
        self._rows, self._batches = [], []

    def write(self, record):
        self._rows.append(record)
        if len(self._rows) >= self.BATCH_ROWS:
            self._batches.append(pa.RecordBatch.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def flush(self):
        if self._fh is None:
            return
        batches = self._batches + [pa.RecordBatch.from_pylist(self._rows, schema=self.schema)]
        data = for_readers(pa.Table.from_batches(batches, schema=self.schema), self.schema,
                           self.table)
        self._fh.write(table_to_parquet_bytes(data))
        self._rows, self._batches = [], []


def window_token(window):
    """"" for the global window (batch), else "-w<start>" (a streaming window's files)."""
    if window is None or isinstance(window, GlobalWindow):
        return ""
    return "-w" + window.start.to_utc_datetime().strftime("%Y%m%dT%H%M%S")


def date_partition(*columns):
    """Destination function: `date=YYYY-MM-DD` of the first of `columns` the row has (a UTC
    timestamp, or a date)."""
    def destination(row):
        when = next(row[c] for c in columns if row.get(c) is not None)
        if isinstance(when, datetime):
            when = when.astimezone(timezone.utc).date()
        return "date=" + when.isoformat()
    return destination


def no_partition(_row):
    return ""


class WriteTable(beam.PTransform):
    """rows -> StagedFile records, one Parquet file per destination and shard.

    final_dir: where the table lives under the output root (`articles`, `_state/seen`).
    """

    def __init__(self, table, schema, staging_dir, final_dir, run_id, partition=no_partition,
                 shards=1):
        super().__init__()
        self.table = table
        self.schema = schema
        self.staging_dir = staging_dir
        self.final_dir = final_dir
        self.run_id = run_id
        self.partition = partition
        self.shards = shards

    def expand(self, rows):
        table, run_id, final_dir = self.table, self.run_id, self.final_dir
        schema, staging_dir = self.schema, self.staging_dir

        def staged_name(window, pane, shard_index, total_shards, compression, destination):
            return f"{table}.{destination or 'all'}{window_token(window)}.{shard_index:05d}.parquet"

        def to_staged(result):
            parts = [final_dir] + ([result.destination] if result.destination else [])
            name = f"part-{run_id}{window_token(result.window)}-{result.shard_index:05d}.parquet"
            return StagedFile(table, FileSystems.join(staging_dir, result.file_name),
                              "/".join(parts + [name]))

        return (rows
                | "WriteParquet" >> fileio.WriteToFiles(
                    path=staging_dir,
                    file_naming=staged_name,
                    destination=self.partition,
                    sink=lambda _dest: ParquetSink(schema, table),
                    shards=self.shards,
                    max_writers_per_bundle=0,
                    temp_directory=StaticValueProvider(
                        str, FileSystems.join(staging_dir, f".tmp-{table}")))
                | "Staged" >> beam.Map(to_staged))
