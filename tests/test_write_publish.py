import io
import json
from pathlib import Path
from datetime import datetime, timezone

import pyarrow.parquet as pq
import pytest

from schemas.tables import ARTICLE_SCHEMA, REJECT_SCHEMA, SCHEMA_VERSION
from transforms.publish import (PublishError, execute_plan, make_plan, manifest_path, publish,
                                recover, staging_dir, summarise_counts)
from transforms.write import StagedFile, date_partition, rows_to_table, table_to_parquet_bytes

T = datetime(2024, 8, 1, 6, 30, tzinfo=timezone.utc)


def reject(**kw):
    return {"run_id": "r", "stage": "article_fetch", "url": "http://x/", "feed_url": "http://f/",
            "reason": "http_404", "detail": "HTTP 404", "http_status": 404, "at": T,
            "url_key": "internal", **kw}


def test_rows_follow_the_pinned_schema_and_carry_its_version():
    data = rows_to_table([reject(), reject(reason="timeout")], REJECT_SCHEMA, "rejects")
    assert data.schema.equals(REJECT_SCHEMA, check_metadata=False)
    assert "url_key" not in data.column_names
    parsed = pq.read_table(io.BytesIO(table_to_parquet_bytes(data)))
    assert parsed.schema.metadata[b"newsbeam.schema_version"] == SCHEMA_VERSION.encode()
    assert parsed.column("reason").to_pylist() == ["http_404", "timeout"]


def test_the_sink_holds_rows_as_record_batches_and_writes_them_all(monkeypatch):
    from transforms.write import ParquetSink
    monkeypatch.setattr(ParquetSink, "BATCH_ROWS", 2)
    sink, out = ParquetSink(REJECT_SCHEMA, "rejects"), io.BytesIO()
    sink.open(out)
    for i in (4, 1, 3, 0, 2):
        sink.write(reject(url=f"http://x/{i}"))
    assert len(sink._batches) == 2 and len(sink._rows) == 1
    sink.flush()
    parsed = pq.read_table(io.BytesIO(out.getvalue()))
    assert sorted(parsed.column("url").to_pylist()) == [f"http://x/{i}" for i in range(5)]
    assert "url_key" not in parsed.column_names


def test_empty_tables_are_valid():
    assert rows_to_table([], ARTICLE_SCHEMA, "articles").num_rows == 0


def test_date_partition_uses_utc_and_falls_back():
    partition = date_partition("published_at", "fetched_at")
    late = datetime(2024, 8, 1, 23, 30, tzinfo=timezone.utc).astimezone()
    assert partition({"published_at": late}) == "date=2024-08-01"
    assert partition({"published_at": None, "fetched_at": T}) == "date=2024-08-01"


def stage(tmp_path, run_id, table, relpath, content=b"data"):
    folder = staging_dir(str(tmp_path), run_id)
    (tmp_path / "_staging" / run_id).mkdir(parents=True, exist_ok=True)
    path = f"{folder}/{table}.{relpath.replace('/', '.')}"
    open(path, "wb").write(content)
    return StagedFile(table, path, relpath)


def test_plan_puts_data_before_state(tmp_path):
    files = [stage(tmp_path, "r1", "seen", "_state/seen/part-r1-00000.parquet"),
             stage(tmp_path, "r1", "articles", "articles/date=2024-08-01/part-r1-00000.parquet")]
    moves = make_plan(str(tmp_path), files)
    assert [dst.split("/")[-3] for _, dst in moves] == ["articles", "_state"]


def test_publish_moves_files_and_writes_the_manifest_last(tmp_path):
    files = [stage(tmp_path, "r1", "articles", "articles/date=2024-08-01/part-r1-00000.parquet")]
    manifest = publish(str(tmp_path), "r1", "r1", files, {"run_id": "r1"})
    assert (tmp_path / "articles/date=2024-08-01/part-r1-00000.parquet").read_bytes() == b"data"
    assert json.loads(open(manifest_path(str(tmp_path), "r1")).read())["files"] == manifest["files"]
    assert not (tmp_path / "_staging" / "r1").exists()


def test_a_missing_staged_file_fails_loudly(tmp_path):
    moves = [(str(tmp_path / "_staging/r1/gone"), str(tmp_path / "articles/x.parquet"))]
    with pytest.raises(PublishError, match="not published"):
        execute_plan(str(tmp_path), "r1", moves, {})


def test_a_streaming_window_publishes_alone_and_keeps_the_staging(tmp_path):
    first = stage(tmp_path, "r1", "articles", "articles/date=2024-08-01/part-r1-w1-00000.parquet")
    later = stage(tmp_path, "r1", "articles", "articles/date=2024-08-01/part-r1-w2-00000.parquet")
    publish(str(tmp_path), "r1", "r1-w1", [first], {"run_id": "r1"}, final=False)
    assert (tmp_path / "_runs/r1-w1.json").exists()
    assert Path(later.staged_path).exists()            # the next window's file stays staged
    assert not list((tmp_path / "_staging/r1").glob("*.plan.json"))


def test_recover_finishes_a_half_published_run_and_drops_dead_staging(tmp_path):
    out = str(tmp_path)
    files = [stage(tmp_path, "r1", "articles", "articles/date=2024-08-01/part-r1-00000.parquet"),
             stage(tmp_path, "r1", "seen", "_state/seen/part-r1-00000.parquet")]
    moves = make_plan(out, files)
    (tmp_path / "_staging/r1/r1.plan.json").write_text(json.dumps(
        {"unit": "r1", "moves": moves, "manifest": {"run_id": "r1"}}))
    # The crash happened after the first move.
    (tmp_path / "articles/date=2024-08-01").mkdir(parents=True)
    (tmp_path / "_staging/r1/articles.articles.date=2024-08-01.part-r1-00000.parquet").rename(
        tmp_path / "articles/date=2024-08-01/part-r1-00000.parquet")
    stage(tmp_path, "r2", "articles", "articles/date=2024-08-02/part-r2-00000.parquet")
    (tmp_path / "_staging" / "r3").mkdir()
    (tmp_path / "_staging" / "r3" / "_STARTED").write_text("{}")   # killed right after start
    assert recover(out) == (["r1"], ["r2", "r3"])
    assert (tmp_path / "_state/seen/part-r1-00000.parquet").exists()
    assert json.loads((tmp_path / "_runs/r1.json").read_text())["recovered"] is True
    assert not (tmp_path / "articles/date=2024-08-02").exists()
    assert list((tmp_path / "_staging").iterdir()) == []


def test_count_summary_balances():
    summary = summarise_counts({"feeds": 2, "entries": 10, "articles": 6, "rejects/http_404": 2,
                                "feed_rejects/not_a_feed": 1, "skipped/seen": 2})
    assert summary["rejects"] == 2 and summary["feeds_failed"] == 1
    assert summary["accounting_balanced"]
    assert not summarise_counts({"entries": 1})["accounting_balanced"]


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
