"""What the Parquet layout buys readers: the same rows written as newsbeam writes them (sorted by
source then time, zstd, dictionary, statistics, 64K-row groups) against the same rows shuffled,
and against the many small files a loop leaves before `newsbeam compact`.

Prints, per layout, the row groups a filter on source must read (from the files' statistics)
and DuckDB's time for the same queries, as ratios to the newsbeam layout. Synthetic rows with
the articles schema; no network.

    .venv/bin/python benchmarks/parquet_layout.py [--rows 400000] [--small_files 200]
"""
import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dataset.parquet import for_readers, to_parquet_bytes  # noqa: E402
from schemas.tables import ARTICLES  # noqa: E402

WORDS = ("minister talks ceasefire market shares storm council vote court ruling police "
         "match league energy prices climate report health hospital school budget").split()


def synthetic(rows, sources, seed=7):
    rng = random.Random(seed)
    start = datetime(2026, 10, 1, tzinfo=timezone.utc)
    data = []
    for i in range(rows):
        when = start + timedelta(seconds=rng.randrange(30 * 86400))
        text = " ".join(rng.choice(WORDS) for _ in range(60))
        article_id = f"{i:032x}"
        data.append({"article_id": article_id, "url": f"https://s{i % sources}.example/{i}",
                     "canonical_url": f"https://s{i % sources}.example/{i}",
                     "feed_url": f"https://s{i % sources}.example/feed",
                     "source": f"source-{rng.randrange(sources):03d}",
                     "source_domain": "example", "title": text[:60], "text": text,
                     "language": rng.choice(("en", "en", "en", "de", "fr")),
                     "published_at": when, "published_date": when.date(),
                     "date_precision": "time", "fetched_at": when, "word_count": 60,
                     "dup_id": article_id, "story_id": article_id, "run_id": "bench"})
    return pa.Table.from_pylist(data, schema=ARTICLES.schema)


def write(path, table):
    path.write_bytes(to_parquet_bytes(table, ARTICLES))


def groups_read(paths, column, value):
    """Row groups whose min/max statistics admit `column = value` (the rest are skipped)."""
    read = total = 0
    for path in paths:
        meta = pq.ParquetFile(path).metadata
        index = meta.schema.names.index(column)
        for g in range(meta.num_row_groups):
            stats = meta.row_group(g).column(index).statistics
            total += 1
            if stats is None or not stats.has_min_max or stats.min <= value <= stats.max:
                read += 1
    return read, total


def timed(con, sql, repeat):
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        con.sql(sql).fetchall()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--small_files", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    table = synthetic(args.rows, args.sources)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        layouts = {}
        layouts["newsbeam (sorted)"] = [root / "sorted.parquet"]
        write(layouts["newsbeam (sorted)"][0], for_readers(table, ARTICLES))
        shuffled = table.take(random.Random(1).sample(range(table.num_rows), table.num_rows))
        layouts["same rows unsorted"] = [root / "shuffled.parquet"]
        write(layouts["same rows unsorted"][0], shuffled)
        small = root / "small"
        small.mkdir()
        step = -(-table.num_rows // args.small_files)
        for i in range(args.small_files):      # one file per run, as a loop leaves them
            part = shuffled.slice(i * step, step)
            write(small / f"part-{i:05d}.parquet", for_readers(part, ARTICLES))
        layouts[f"{args.small_files} small files"] = sorted(small.glob("*.parquet"))

        value = "source-017"
        queries = {
            "one source": f"SELECT count(*), avg(word_count) FROM {{src}} WHERE source = '{value}'",
            "one source, one day": "SELECT count(*) FROM {src} WHERE source = '" + value + "' "
            "AND published_at >= TIMESTAMPTZ '2026-10-10' AND published_at < "
            "TIMESTAMPTZ '2026-10-11'",
            "all rows, 2 columns": "SELECT language, count(*) FROM {src} GROUP BY 1",
        }
        con = duckdb.connect()
        con.sql("SET threads TO 2")
        print(f"{args.rows:,} rows, {args.sources} sources; DuckDB {duckdb.__version__}, "
              f"median of {args.repeat}")
        baseline = {}
        for name, paths in layouts.items():
            size = sum(p.stat().st_size for p in paths) / 1e6
            read, total = groups_read(paths, "source", value)
            src = "read_parquet([" + ", ".join(f"'{p}'" for p in paths) + "])"
            explained = con.sql("EXPLAIN ANALYZE " + queries["one source"].format(src=src)
                                ).fetchall()[0][1]
            data_read = re.search(r"Data Read:\s*([\d.]+ \w+)", explained)
            line = [f"{name:<22} {size:7.1f} MB  row groups read for source = '{value}': "
                    f"{read}/{total}; DuckDB read "
                    f"{data_read.group(1) if data_read else '?'} for it"]
            for label, sql in queries.items():
                seconds = timed(con, sql.format(src=src), args.repeat)
                baseline.setdefault(label, seconds)
                line.append(f"    {label:<22} {seconds * 1000:8.1f} ms  "
                            f"({seconds / baseline[label]:.2f}x newsbeam)")
            print("\n".join(line))
        plan = con.sql("EXPLAIN ANALYZE " + queries["one source"].format(
            src=f"read_parquet('{layouts['newsbeam (sorted)'][0]}')")).fetchall()
        print("\nDuckDB plan, one source on the newsbeam layout:")
        print(plan[0][1])


if __name__ == "__main__":
    main()
