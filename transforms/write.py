"""WriteTable: rows as Parquet into the run's staging folder; publishing (dataset/publish.py)
moves them where readers look.

fileio.WriteToFiles renames its temp files into `path` and silently skips a rename whose target
folder does not exist, so files are written flat into one staging folder that we create, and the
publish step puts each into its partition and checks that it is there.
"""
import apache_beam as beam
import pyarrow as pa
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.value_provider import StaticValueProvider
from apache_beam.transforms.window import GlobalWindow

from dataset.layout import partition_of
from dataset.parquet import for_readers, to_parquet_bytes
from dataset.publish import StagedFile
from schemas.tables import Table


class ParquetSink(fileio.FileSink):
    """Buffers one file's rows and writes them as one Parquet file on flush.

    The whole file is built in memory and written in one call, so a half-written file can only
    exist in staging, and object stores (gs://, s3://) get one plain sequential write. Rows are
    held as Arrow record batches of BATCH_ROWS rather than as Python dicts, which take several
    times the memory of their values.
    """

    BATCH_ROWS = 1000

    def __init__(self, table: Table):
        self.table = table
        self._rows, self._batches = [], []
        self._fh = None

    def open(self, fh):
        self._fh = fh
        self._rows, self._batches = [], []

    def write(self, record):
        self._rows.append(record)
        if len(self._rows) >= self.BATCH_ROWS:
            self._batches.append(pa.RecordBatch.from_pylist(self._rows, schema=self.table.schema))
            self._rows = []

    def flush(self):
        if self._fh is None:
            return
        schema = self.table.schema
        batches = self._batches + [pa.RecordBatch.from_pylist(self._rows, schema=schema)]
        data = for_readers(pa.Table.from_batches(batches, schema=schema), self.table)
        self._fh.write(to_parquet_bytes(data, self.table))
        self._rows, self._batches = [], []


def window_token(window) -> str:
    """"" for the global window (batch), else "-w<start>" (a streaming window's files)."""
    if window is None or isinstance(window, GlobalWindow):
        return ""
    return "-w" + window.start.to_utc_datetime().strftime("%Y%m%dT%H%M%S")


class WriteTable(beam.PTransform):
    """rows -> StagedFile records, one Parquet file per partition and shard (data tables) or
    one per run (state tables)."""

    def __init__(self, table: Table, staging_dir: str, run_id: str, shards: int = 1):
        super().__init__()
        self.table = table
        self.staging_dir = staging_dir
        self.run_id = run_id
        self.shards = shards if not table.state else 1

    def expand(self, rows):
        table, run_id, staging_dir = self.table, self.run_id, self.staging_dir

        def staged_name(window, pane, shard_index, total_shards, compression, destination):
            return (f"{table.name}.{destination or 'all'}{window_token(window)}"
                    f".{shard_index:05d}.parquet")

        def to_staged(result):
            parts = [table.folder] + ([result.destination] if result.destination else [])
            name = f"part-{run_id}{window_token(result.window)}-{result.shard_index:05d}.parquet"
            return StagedFile(table.name, FileSystems.join(staging_dir, result.file_name),
                              "/".join(parts + [name]))

        return (rows
                | "WriteParquet" >> fileio.WriteToFiles(
                    path=staging_dir,
                    file_naming=staged_name,
                    destination=lambda row: partition_of(table, row),
                    sink=lambda _dest: ParquetSink(table),
                    shards=self.shards,
                    max_writers_per_bundle=0,
                    temp_directory=StaticValueProvider(
                        str, FileSystems.join(staging_dir, f".tmp-{table.name}")))
                | "Staged" >> beam.Map(to_staged))
