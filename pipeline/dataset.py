"""The published dataset as files: where each table lives, and reading its Parquet on any Beam
filesystem (local, gs://, s3://, memfs:// in tests). Used by report, stats and compact."""
import io

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from transforms.grouping import INDEX_DIR
from transforms.state import FEEDS_DIR, SEEN_DIR

# table -> (folder under the output root, partitioned by date=)
TABLE_DIRS = {"articles": ("articles", True), "rejects": ("rejects", True),
              "seen": (SEEN_DIR, False), "feeds": (FEEDS_DIR, False),
              "signatures": (INDEX_DIR, True)}


def table_files(output, table, partitions=None):
    """{partition folder ("" when unpartitioned): [FileMetadata (path, size_in_bytes)]}.

    partitions: only these `date=YYYY-MM-DD` folders (None: all).
    """
    folder, partitioned = TABLE_DIRS[table]
    root = FileSystems.join(output, folder)
    if partitioned:
        patterns = [FileSystems.join(root, p, "*.parquet") for p in partitions] if partitions \
            else [FileSystems.join(root, "*", "*.parquet")]
    else:
        patterns = [FileSystems.join(root, "*.parquet")]
    files = {}
    for result in FileSystems.match(patterns):
        for meta in result.metadata_list:
            relative = meta.path[len(root):].lstrip("/")
            partition = relative.rsplit("/", 1)[0] if "/" in relative else ""
            files.setdefault(partition, []).append(meta)
    return {partition: sorted(metas, key=lambda m: m.path)
            for partition, metas in sorted(files.items())}


class UnreadableFile(OSError):
    """A dataset file that is not readable Parquet; the message names it."""


def read_file(path, columns=None):
    # One thread: files are small, and Arrow's reader pool torn down at interpreter exit can
    # abort the process (apache/arrow#34314), which a CLI must not risk after its work is done.
    with FileSystems.open(path) as fh:
        body = fh.read()
    try:
        return pq.read_table(io.BytesIO(body), columns=columns, use_threads=False)
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


def run_partitions(manifest, table):
    """The `date=` folders a run published files of `table` into, from its manifest."""
    folder, _ = TABLE_DIRS[table]
    found = set()
    for path in manifest.get("files", []):
        marker = "/" + folder + "/"
        if marker in path:
            rest = path.split(marker, 1)[1]
            if "/" in rest:
                found.add(rest.split("/", 1)[0])
    return sorted(found)


def read_run_rows(output, manifest, table, columns):
    """The rows one run wrote to `table` (wherever compaction has since moved them)."""
    partitions = run_partitions(manifest, table)
    if not partitions:
        return []
    paths = [m.path for group in table_files(output, table, partitions).values() for m in group]
    data = read_table(paths, columns=sorted(set(columns) | {"run_id"}))
    if data is None:
        return []
    return data.filter(pc.equal(data["run_id"], manifest["run_id"])).to_pylist()
