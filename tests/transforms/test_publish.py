"""PublishRun: a run's outputs become staged tables, one RunCounts, and a published manifest
(transforms/publish.py, transforms/counts.py)."""
import json
from datetime import datetime, timezone

import apache_beam as beam
import pyarrow.parquet as pq

from dataset.layout import staging_dir
from schemas.records import Article, FeedState, Reject, Skip, Stage
from tests.conftest import beam_pipeline
from transforms.publish import PublishRun, RunOutputs

T = datetime(2024, 8, 1, 6, 30, tzinfo=timezone.utc)
FEED = "https://f.example/rss"


def article(article_id):
    return Article({"article_id": article_id, "url": f"https://f.example/{article_id}",
                    "canonical_url": f"https://f.example/{article_id}", "feed_url": FEED,
                    "text": "t", "word_count": 1, "dup_id": "a1", "story_id": "a1",
                    "run_id": "r1", "published_at": T, "fetched_at": T}, "k-" + article_id)


def test_a_run_is_written_counted_and_published(tmp_path):
    output = str(tmp_path)
    staging = staging_dir(output, "r1")
    (tmp_path / "_staging" / "r1").mkdir(parents=True)
    with beam_pipeline() as p:
        run = RunOutputs(
            articles=p | "Articles" >> beam.Create([article("a1"), article("a2")]),
            signatures=p | "Signatures" >> beam.Create([]),
            feed_states=p | "States" >> beam.Create([FeedState(feed_url=FEED, status="ok",
                                                               entries=5, run_id="r1")]),
            rejects=(p | "Rejects" >> beam.Create([
                Reject(stage=Stage.ARTICLE_FETCH, reason="http_404", url="u4", feed_url=FEED,
                       url_key="k4", at=T),
                Reject(stage=Stage.ARTICLE_FETCH, reason="timeout", url="u5", feed_url=FEED,
                       url_key="k5", at=T)]),),
            skipped=(p | "Skips" >> beam.Create([Skip(reason="seen", url="u6", url_key="k6",
                                                      feed_url=FEED)]),))
        _ = run | PublishRun(output, staging, "r1", {"run_id": "r1"})
    manifest = json.loads((tmp_path / "_runs" / "r1.json").read_text())
    counts = manifest["counts"]
    assert (counts["entries"], counts["articles"], counts["rejects"], counts["skipped"]) == \
        (5, 2, 2, 1) and counts["accounting_balanced"]
    assert counts["copy_groups"] == 1 and counts["by_feed"][FEED]["status"] == "ok"
    assert [path[len(output) + 1:] for path in manifest["files"]] == [
        "articles/date=2024-08-01/part-r1-00000.parquet",        # data first
        "rejects/date=2024-08-01/part-r1-00000.parquet",
        "_state/feeds/part-r1-00000.parquet", "_state/seen/part-r1-00000.parquet"]
    seen = pq.read_table(next((tmp_path / "_state" / "seen").glob("*.parquet"))).to_pylist()
    # articles and permanent failures are remembered; the timeout is retried by the next run
    assert sorted((r["url_key"], r["status"]) for r in seen) == [
        ("k-a1", "article"), ("k-a2", "article"), ("k4", "rejected")]
    rejects = pq.read_table(next((tmp_path / "rejects").glob("*/*.parquet"))).to_pylist()
    assert sorted((r["stage"], r["reason"], r["run_id"]) for r in rejects) == [
        ("article_fetch", "http_404", "r1"), ("article_fetch", "timeout", "r1")]
    assert not (tmp_path / "_staging" / "r1").exists()
