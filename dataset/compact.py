"""`newsbeam compact`: merge the small files that runs leave in each partition into few.

Every run adds one file per date partition per table (and one per state table), so a loop
running every few minutes leaves partitions of hundreds of small files, which readers open one
by one. Compaction rewrites a partition's files as few large ones, sorted like a run's files,
with the same rows: it checks the row count and the multiset of rows (an order-free digest)
before it replaces anything. It publishes like a run (write to staging, then a plan of moves
and deletions that a killed compaction's successor finishes), so no row is ever lost or left
twice once it is done. One run or compaction per output at a time, as for runs.
"""
import hashlib
import json
import math
import secrets
from datetime import datetime, timezone

import pyarrow as pa
from apache_beam.io.filesystems import FileSystems

from dataset.layout import staging_dir, table_files
from dataset.parquet import for_readers, read_file, to_parquet_bytes
from dataset.publish import StagedFile, publish, recover, write_bytes
from schemas.tables import SCHEMA_VERSION, TABLES

DEFAULT_TARGET_MB = 256


class CompactionError(RuntimeError):
    """The rewritten files would not hold the same rows: nothing was replaced."""


def row_digest(data):
    """An order-free digest of a table's rows: the sum (mod 2**64) of per-row SHA-256 prefixes.

    Equal for the same multiset of rows whatever their order or file layout.
    """
    total = 0
    for row in data.to_pylist():
        encoded = json.dumps(row, sort_keys=True, default=str).encode()
        total += int.from_bytes(hashlib.sha256(encoded).digest()[:8], "big")
    return total % (1 << 64)


def is_current(data):
    """A file written with the pinned schema of this version (older files are left alone)."""
    meta = data.schema.metadata or {}
    return meta.get(b"newsbeam.schema_version") == SCHEMA_VERSION.encode()


def split_evenly(data, parts):
    """`parts` consecutive slices of nearly equal row counts."""
    size = math.ceil(data.num_rows / parts) if data.num_rows else 0
    return [data.slice(i * size, size) for i in range(parts)] if size else [data]


def small_files(files, target_bytes):
    """The files worth merging: under half the target size (big ones are left as they are)."""
    return [m for m in files if m.size_in_bytes < target_bytes / 2]


def compact_partition(table, files, staging, name, target_bytes):
    """Rewrite one partition's small files into staging. Returns ([(staged path, index,
    bytes)], replaced paths, rows) or None when fewer than two can be merged."""
    spec = TABLES[table]
    current, sizes = [], 0
    for meta in small_files(files, target_bytes):
        data = read_file(meta.path)
        if is_current(data):
            current.append((meta.path, data))
            sizes += meta.size_in_bytes
    if len(current) < 2:
        return None
    merged = pa.concat_tables([d.cast(spec.schema) for _, d in current])
    merged = for_readers(merged, spec)
    parts = split_evenly(merged, max(1, math.ceil(sizes / target_bytes)))
    written = []
    for index, part in enumerate(parts):
        body = to_parquet_bytes(part, spec)
        staged = FileSystems.join(staging, f"{name}-{index:05d}.parquet")
        write_bytes(staged, body)
        written.append((staged, index, len(body)))
    check = pa.concat_tables([read_file(p) for p, _, _ in written])
    if check.num_rows != merged.num_rows or row_digest(check) != row_digest(merged):
        raise CompactionError(f"rewritten files of {name} do not hold the same rows; "
                              "nothing was replaced")
    return written, [p for p, _ in current], merged.num_rows


def compact(output, tables=tuple(TABLES), target_mb=DEFAULT_TARGET_MB, dry_run=False,
            now=None):
    """Compact every partition of `tables` holding two or more current files.

    Returns the compaction manifest (also written to _runs/compactions/<id>.json).
    """
    now = now or datetime.now(timezone.utc)
    compact_id = "compact-" + now.strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)
    target_bytes = target_mb * 1024 * 1024
    output = output.rstrip("/")
    if not dry_run:
        recover(output)
    staging = staging_dir(output, compact_id)
    staged, replaced, report = [], [], []
    for table in tables:
        folder = TABLES[table].folder
        for partition, files in table_files(output, table).items():
            if len(small_files(files, target_bytes)) < 2:
                continue
            entry = {"table": table, "partition": partition, "files_before": len(files)}
            report.append(entry)
            if dry_run:
                continue
            name = f"{table}.{partition.replace('=', '-') or 'all'}"
            done = compact_partition(table, files, staging, name, target_bytes)
            if done is None:
                entry["files_after"] = len(files)
                continue
            written, old, rows = done
            relative = "/".join(p for p in (folder, partition) if p)
            for path, index, _ in written:
                staged.append(StagedFile(table, path,
                                         f"{relative}/part-{compact_id}-{index:05d}.parquet"))
            replaced.extend(old)
            entry.update(files_after=len(files) - len(old) + len(written), rows=rows,
                         bytes_after=sum(size for _, _, size in written))
    manifest = {"compaction_id": compact_id, "started_at": now.isoformat(),
                "partitions": report, "dry_run": dry_run,
                "files_before": sum(e["files_before"] for e in report),
                "files_after": sum(e.get("files_after", e["files_before"]) for e in report)}
    if dry_run:
        return manifest
    if not staged:
        if FileSystems.exists(staging):
            FileSystems.delete([staging])
        return manifest
    return publish(output, compact_id, "compactions/" + compact_id, staged, manifest,
                   deletes=replaced)
