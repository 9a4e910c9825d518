"""WriteTable and its Parquet sink (transforms/write.py)."""
import glob
import io
from datetime import datetime, timezone

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.testing.util import assert_that, equal_to

from schemas.tables import ARTICLES, REJECTS, SEEN
from tests.conftest import beam_pipeline
from transforms.write import ParquetSink, WriteTable

T = datetime(2024, 8, 1, 6, 30, tzinfo=timezone.utc)


def reject(**kw):
    return {"run_id": "r", "stage": "article_fetch", "url": "http://x/", "feed_url": "http://f/",
            "reason": "http_404", "detail": "HTTP 404", "http_status": 404, "at": T,
            "url_key": "internal", **kw}


def test_the_sink_holds_rows_as_record_batches_and_writes_them_all(monkeypatch):
    monkeypatch.setattr(ParquetSink, "BATCH_ROWS", 2)
    sink, out = ParquetSink(REJECTS), io.BytesIO()
    sink.open(out)
    for i in (4, 1, 3, 0, 2):
        sink.write(reject(url=f"http://x/{i}"))
    assert len(sink._batches) == 2 and len(sink._rows) == 1
    sink.flush()
    parsed = pq.read_table(io.BytesIO(out.getvalue()))
    assert sorted(parsed.column("url").to_pylist()) == [f"http://x/{i}" for i in range(5)]
    assert "url_key" not in parsed.column_names


def test_a_state_table_is_one_file_per_run(tmp_path):
    rows = [{"url_key": f"k{i}", "article_id": f"a{i}", "status": "article", "reason": None,
             "run_id": "r1"} for i in range(3)]
    staging = str(tmp_path / "_staging" / "r1")
    (tmp_path / "_staging" / "r1").mkdir(parents=True)
    with beam_pipeline() as p:
        staged = p | beam.Create(rows) | WriteTable(SEEN, staging, "r1", shards=4)
        assert_that(staged | beam.Map(lambda f: (f.table, f.final_relpath)),
                    equal_to([("seen", "_state/seen/part-r1-00000.parquet")]))
    written = glob.glob(f"{staging}/seen.*.parquet")
    assert len(written) == 1 and pq.read_table(written[0]).num_rows == 3


def test_a_data_table_is_partitioned_by_date_and_sharded(tmp_path):
    rows = [{"article_id": f"a{i}", "url": "u", "canonical_url": "u", "feed_url": "f",
             "text": "t", "word_count": 1, "dup_id": f"a{i}", "story_id": f"a{i}", "run_id": "r1",
             "published_at": T if i % 2 else None, "published_date": None,
             "fetched_at": datetime(2024, 8, 3, tzinfo=timezone.utc)} for i in range(6)]
    staging = str(tmp_path / "_staging" / "r1")
    (tmp_path / "_staging" / "r1").mkdir(parents=True)
    with beam_pipeline() as p:
        staged = p | beam.Create(rows) | WriteTable(ARTICLES, staging, "r1", shards=2)
        assert_that(staged | beam.Map(lambda f: f.final_relpath), equal_to([
            f"articles/date={day}/part-r1-{shard:05d}.parquet"
            for day in ("2024-08-01", "2024-08-03") for shard in (0, 1)]))
