"""What earlier runs left in `_state/`, read back (transforms/state.py)."""
from datetime import datetime, timezone

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from dataset.parquet import rows_to_table, to_parquet_bytes
from schemas.tables import FEEDS, SEEN
from tests.conftest import beam_pipeline
from transforms.state import ReadFeedState, ReadSeen


def write(tmp_path, table, name, rows):
    folder = tmp_path / table.folder
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(to_parquet_bytes(rows_to_table(rows, table), table))


def test_read_seen_gives_links_and_article_ids(tmp_path):
    write(tmp_path, SEEN, "part-r1-00000.parquet", [
        {"url_key": "k1", "article_id": "a1", "status": "article", "run_id": "r1"},
        {"url_key": "k2", "article_id": None, "status": "rejected", "reason": "http_404",
         "run_id": "r1"}])
    with beam_pipeline() as p:
        seen = p | ReadSeen(str(tmp_path))
        assert_that(seen.links, equal_to(["k1", "k2"]), label="Links")
        assert_that(seen.articles, equal_to(["a1"]), label="Articles")


def test_read_seen_on_a_first_run_is_empty(tmp_path):
    with beam_pipeline() as p:
        seen = p | ReadSeen(str(tmp_path))
        assert_that(seen.links, equal_to([]))


def test_the_latest_state_of_each_feed_wins(tmp_path):
    def state(run, day, etag):
        return {"feed_url": "https://f.example/rss", "etag": etag, "status": "ok", "entries": 1,
                "run_id": run, "at": datetime(2024, 8, day, tzinfo=timezone.utc)}
    write(tmp_path, FEEDS, "part-r1-00000.parquet", [state("r1", 1, '"old"')])
    write(tmp_path, FEEDS, "part-r2-00000.parquet", [state("r2", 2, '"new"')])
    with beam_pipeline() as p:
        known = p | ReadFeedState(str(tmp_path))
        assert_that(known | beam.Map(lambda kv: (kv[0], kv[1].etag, kv[1].run_id)),
                    equal_to([("https://f.example/rss", '"new"', "r2")]))
