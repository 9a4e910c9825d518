"""Where files live, as readers see them (dataset/layout.py)."""
from datetime import datetime, timezone

import pyarrow.parquet as pq

from dataset.layout import partition_of
from schemas.tables import ARTICLES, SEEN

T = datetime(2024, 8, 1, 6, 30, tzinfo=timezone.utc)


def test_date_partition_uses_utc_and_falls_back():
    late = datetime(2024, 8, 1, 23, 30, tzinfo=timezone.utc).astimezone()
    assert partition_of(ARTICLES, {"published_at": late}) == "date=2024-08-01"
    assert partition_of(ARTICLES, {"published_at": None, "published_date": None,
                                   "fetched_at": T}) == "date=2024-08-01"
    assert partition_of(ARTICLES, {"published_at": None, "published_date": T.date()}) == \
        "date=2024-08-01"
    assert partition_of(SEEN, {"url_key": "k"}) == ""


def test_files_are_laid_out_for_readers(dataset):
    """zstd, statistics, dictionaries on low-cardinality columns only, rows sorted."""
    path = max((dataset / "articles").glob("*/*.parquet"), key=lambda p: p.stat().st_size)
    meta = pq.ParquetFile(path).metadata
    columns = {meta.row_group(0).column(i).path_in_schema: meta.row_group(0).column(i)
               for i in range(meta.num_columns)}
    assert all(c.compression == "ZSTD" and c.statistics.has_min_max for name, c in columns.items()
               if name in ("source", "published_at", "word_count"))
    assert "RLE_DICTIONARY" in columns["source"].encodings
    assert "RLE_DICTIONARY" not in columns["text"].encodings
    rows = pq.read_table(path, columns=["source", "published_at"]).to_pylist()
    sources = [r["source"] or "" for r in rows]
    assert len(rows) > 1 and sources == sorted(sources)
