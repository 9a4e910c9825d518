"""Where things live under the dataset root, and listing a table's files on any Beam
filesystem. Folders come from the table registry (schemas/tables.py)."""
from datetime import date, datetime, timedelta, timezone

import pyarrow.compute as pc
from apache_beam.io.filesystems import FileSystems

from dataset.parquet import read_table
from schemas.tables import TABLES, Table

STAGING = "_staging"   # a run's files before they are published
RUNS = "_runs"         # manifests and reports
PAGES = "_pages"       # WARC files of the pages runs kept (--keep_pages)


def staging_dir(output: str, run_id: str) -> str:
    return FileSystems.join(output, STAGING, run_id)


def manifest_path(output: str, unit: str) -> str:
    return FileSystems.join(output, RUNS, f"{unit}.json")


def partition_of(table: Table, row: dict) -> str:
    """`date=YYYY-MM-DD` of the first of the table's partition columns the row has a value in
    (a UTC timestamp or a date); "" for an unpartitioned table."""
    if not table.partition_by:
        return ""
    when = next(row[c] for c in table.partition_by if row.get(c) is not None)
    if isinstance(when, datetime):
        when = when.astimezone(timezone.utc).date()
    return "date=" + when.isoformat()


def day_partition_patterns(output: str, table: Table, day: str, days: int) -> list:
    """File patterns of a date-partitioned table's partitions within `days` of one day."""
    start = date.fromisoformat(day)
    return [FileSystems.join(output, table.folder,
                             f"date={(start + timedelta(d)).isoformat()}", "*.parquet")
            for d in range(-days, days + 1)]


def table_files(output: str, table: str, partitions=None) -> dict:
    """{partition folder ("" when unpartitioned): [FileMetadata (path, size_in_bytes)]}.

    partitions: only these `date=YYYY-MM-DD` folders (None: all).
    """
    spec = TABLES[table]
    root = FileSystems.join(output, spec.folder)
    if spec.partition_by:
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


def run_partitions(manifest: dict, table: str) -> list:
    """The `date=` folders a run published files of `table` into, from its manifest."""
    marker = "/" + TABLES[table].folder + "/"
    found = set()
    for path in manifest.get("files", []):
        if marker in path:
            rest = path.split(marker, 1)[1]
            if "/" in rest:
                found.add(rest.split("/", 1)[0])
    return sorted(found)


def read_run_rows(output: str, manifest: dict, table: str, columns) -> list:
    """The rows one run wrote to `table` (wherever compaction has since moved them)."""
    partitions = run_partitions(manifest, table)
    if not partitions:
        return []
    paths = [m.path for group in table_files(output, table, partitions).values() for m in group]
    data = read_table(paths, columns=sorted(set(columns) | {"run_id"}))
    if data is None:
        return []
    return data.filter(pc.equal(data["run_id"], manifest["run_id"])).to_pylist()
