"""The publish protocol: plan, moves, manifest last, recovery (dataset/publish.py)."""
import json
from pathlib import Path

import pytest

from dataset.layout import manifest_path, staging_dir
from dataset.publish import PublishError, StagedFile, execute_plan, make_plan, publish, recover


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
