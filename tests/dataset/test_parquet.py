"""Parquet as newsbeam writes it: pinned schema, version, sort order (dataset/parquet.py)."""
import io
from datetime import datetime, timezone

import pyarrow.parquet as pq

from dataset.parquet import rows_to_table, to_parquet_bytes
from schemas.tables import ARTICLES, REJECT_SCHEMA, REJECTS, SCHEMA_VERSION


T = datetime(2024, 8, 1, 6, 30, tzinfo=timezone.utc)


def reject(**kw):
    return {"run_id": "r", "stage": "article_fetch", "url": "http://x/", "feed_url": "http://f/",
            "reason": "http_404", "detail": "HTTP 404", "http_status": 404, "at": T,
            "url_key": "internal", **kw}


def test_rows_follow_the_pinned_schema_and_carry_its_version():
    data = rows_to_table([reject(reason="timeout"), reject()], REJECTS)
    assert data.schema.equals(REJECT_SCHEMA, check_metadata=False)
    assert "url_key" not in data.column_names
    parsed = pq.read_table(io.BytesIO(to_parquet_bytes(data, REJECTS)))
    assert parsed.schema.metadata[b"newsbeam.schema_version"] == SCHEMA_VERSION.encode()
    assert parsed.column("reason").to_pylist() == ["http_404", "timeout"]


def test_empty_tables_are_valid():
    assert rows_to_table([], ARTICLES).num_rows == 0


def test_a_column_added_since_a_file_was_written_reads_as_null():
    import pyarrow as pa

    from dataset.parquet import decode
    older = pa.table({"article_id": ["a", "b"], "url": ["u1", "u2"]})   # before warc_record_id
    sink = io.BytesIO()
    pq.write_table(older, sink)
    data = decode(sink.getvalue(), columns=["article_id", "warc_record_id"])
    assert data.column_names == ["article_id", "warc_record_id"]
    assert data.to_pylist() == [{"article_id": "a", "warc_record_id": None},
                                {"article_id": "b", "warc_record_id": None}]
