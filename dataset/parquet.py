"""Parquet as newsbeam writes and reads it: the pinned schema with its version in the file
metadata, rows sorted by the table's sort keys, zstd, dictionary encoding where values repeat."""
import io

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from schemas.tables import SCHEMA_VERSION, Table

ROW_GROUP_ROWS = 64 * 1024


def rows_to_table(rows: list, table: Table) -> pa.Table:
    """A pyarrow Table in the pinned schema (keys outside it dropped), sorted for readers."""
    return for_readers(pa.Table.from_pylist(rows, schema=table.schema), table)


def for_readers(data: pa.Table, table: Table) -> pa.Table:
    """Rows sorted by the table's sort keys, with newsbeam's schema metadata."""
    if table.sort_keys and data.num_rows:
        data = data.sort_by(list(table.sort_keys))
    metadata = {b"newsbeam.schema_version": SCHEMA_VERSION.encode(),
                b"newsbeam.table": table.name.encode()}
    return data.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})


def to_parquet_bytes(data: pa.Table, table: Table) -> bytes:
    sink = pa.BufferOutputStream()
    dictionary = set(table.dictionary_columns)
    pq.write_table(data, sink, compression="zstd", write_statistics=True,
                   row_group_size=ROW_GROUP_ROWS,
                   use_dictionary=[c for c in data.column_names if c in dictionary])
    return sink.getvalue().to_pybytes()


class UnreadableFile(OSError):
    """A dataset file that is not readable Parquet; the message names it."""


def decode(body: bytes, columns=None) -> pa.Table:
    """A file's table; of `columns` only, those a file written before they were added lacks
    read as nulls (a minor schema version only adds columns)."""
    # One thread: files are small, and Arrow's reader pool torn down at interpreter exit can
    # abort the process (apache/arrow#34314), which a CLI must not risk after its work is done.
    source = io.BytesIO(body)
    if columns is None:
        return pq.read_table(source, use_threads=False)
    present = set(pq.read_schema(source).names)
    source.seek(0)
    data = pq.read_table(source, columns=[c for c in columns if c in present],
                         use_threads=False)
    for column in columns:
        if column not in present:
            data = data.append_column(column, pa.nulls(data.num_rows))
    return data


def read_file(path: str, columns=None) -> pa.Table:
    with FileSystems.open(path) as fh:
        body = fh.read()
    try:
        return decode(body, columns)
    except pa.ArrowException as exc:
        raise UnreadableFile(f"cannot read {path} as Parquet: {exc}") from exc


def read_table(paths, columns=None, partition_column=None):
    """One pyarrow Table from Parquet files of one table (None if there are none).

    partition_column: add the `date=` folder of each file as this column (a string).
    """
    parts = []
    for path in paths:
        data = read_file(path, columns)
        if partition_column:
            folder = path.rsplit("/", 2)[-2]
            value = folder.split("=", 1)[1] if "=" in folder else None
            data = data.append_column(partition_column, pa.array([value] * data.num_rows,
                                                                 pa.string()))
        parts.append(data)
    if not parts:
        return None
    return pa.concat_tables(parts, promote_options="default")
