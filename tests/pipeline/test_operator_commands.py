"""`newsbeam stats`, `newsbeam compact`, the usage text and the live status line."""
import json
import os
import pty
import shutil
import subprocess

import pyarrow.dataset as ds
import pytest

from dataset import compact as compact_module
from dataset.layout import table_files
from dataset.parquet import read_table
from dataset.publish import PublishError, recover
from schemas.tables import TABLES
from tests.conftest import PYTHON, ROOT, run_newsbeam


def table_rows(output, table):
    """Every row of a table, in a canonical order (files and row order do not matter)."""
    paths = [m.path for group in table_files(str(output), table).values() for m in group]
    data = read_table(paths, partition_column="_partition")
    rows = data.to_pylist() if data is not None else []
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))


def file_counts(output):
    return {table: {p: len(files) for p, files in table_files(str(output), table).items()}
            for table in TABLES}


@pytest.fixture
def copy(dataset, tmp_path):
    target = tmp_path / "news"
    shutil.copytree(dataset, target)
    return target


def test_stats_match_the_data(dataset):
    result = run_newsbeam("stats", "--output", str(dataset), "--format", "json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    rows = ds.dataset(str(dataset / "articles"), format="parquet",
                      partitioning="hive").to_table().to_pylist()
    assert stats["articles"] == len(rows) and stats["runs"] == 2
    assert stats["stories"] == sum(r["article_id"] == r["story_id"] for r in rows)
    by_source = {r["source"]: r["articles"] for r in stats["by"]["source"]}
    assert by_source == {s: sum(r["source"] == s for r in rows) for s in by_source}
    assert sum(by_source.values()) == len(rows)
    assert stats["by"]["date"][0]["date"] == max(str(r["date"]) for r in rows)
    text = run_newsbeam("stats", "--output", str(dataset), "--by", "language").stdout
    assert "by language" in text and "by source" not in text and "rejects" in text


def test_commands_name_the_bad_flag():
    bad = run_newsbeam("stats", "--output", "x", "--by", "colour")
    assert bad.returncode == 2 and "--by" in bad.stderr and "colour" in bad.stderr
    missing = run_newsbeam("compact")
    assert missing.returncode == 2 and "--output" in missing.stderr
    assert run_newsbeam().returncode == 2
    usage = run_newsbeam("--help")
    assert usage.returncode == 0 and all(c in usage.stdout for c in ("report", "stats",
                                                                      "compact"))
    run_help = run_newsbeam("run", "--help")
    assert run_help.returncode == 0 and "--feeds" in run_help.stdout and "--quiet" in run_help.stdout


def test_compact_merges_files_and_keeps_every_row(copy):
    before = {table: table_rows(copy, table) for table in TABLES}
    counts = file_counts(copy)
    crowded = {(t, p) for t, parts in counts.items() for p, n in parts.items() if n > 1}
    assert ("seen", "") in crowded and ("feeds", "") in crowded   # two runs: two files each

    dry = run_newsbeam("compact", "--output", str(copy), "--dry_run")
    assert dry.returncode == 0 and file_counts(copy) == counts
    assert f"would compact {len(crowded)} partitions" in dry.stdout

    done = run_newsbeam("compact", "--output", str(copy))
    assert done.returncode == 0, done.stderr
    after = file_counts(copy)
    assert all(after[t][p] == 1 for t, p in crowded)
    for table in TABLES:
        assert table_rows(copy, table) == before[table], table
    record = list((copy / "_runs" / "compactions").glob("compact-*.json"))
    assert len(record) == 1 and not list((copy / "_staging").iterdir())

    again = run_newsbeam("compact", "--output", str(copy))
    assert "compacted 0 partitions" in again.stdout and file_counts(copy) == after


def test_runs_go_on_after_compaction(copy, demo_sites, tmp_path):
    assert run_newsbeam("compact", "--output", str(copy)).returncode == 0
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(demo_sites.feed_list())
    third = run_newsbeam("--runner=FnApiRunner", "--feeds", str(feeds), "--output", str(copy),
                         "--allow_private_hosts")
    assert third.returncode == 0, third.stderr
    assert "articles written  0" in third.stdout     # the compacted _state still knows them


def test_a_compaction_killed_mid_publish_is_finished_by_recovery(copy, monkeypatch):
    before = table_rows(copy, "seen")
    real_delete = compact_module.publish.__globals__["FileSystems"].delete
    calls = []

    def failing_delete(paths):
        calls.append(paths)
        if len(calls) == 1:
            raise OSError("disk went away")
        return real_delete(paths)

    monkeypatch.setattr("dataset.publish.FileSystems.delete", failing_delete)
    with pytest.raises(PublishError):
        compact_module.compact(str(copy), ("seen",))
    monkeypatch.undo()
    assert len(table_rows(copy, "seen")) > len(before)      # new file in, old not yet out
    finished, _ = recover(str(copy))
    assert len(finished) == 1 and finished[0].startswith("compactions/compact-")
    assert table_rows(copy, "seen") == before and file_counts(copy)["seen"] == {"": 1}


def test_status_line_on_a_terminal_only(demo_sites, tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(demo_sites.feed_list())
    command = [PYTHON, "-m", "pipeline", "--runner=FnApiRunner", "--feeds", str(feeds),
               "--allow_private_hosts"]
    leader, follower = pty.openpty()
    with subprocess.Popen([*command, "--output", str(tmp_path / "a")], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=follower, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"}) as child:
        os.close(follower)
        screen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
        stdout = child.stdout.read()
    os.close(leader)
    assert child.returncode == 0
    lines = screen.decode(errors="replace").split("\r")
    status = [line for line in lines if line.startswith("newsbeam 00:")]
    assert status and "written 36" in status[-1] and "entries 39" in status[-1]
    assert "articles written  36" in stdout

    plain = run_newsbeam(*command[3:], "--output", str(tmp_path / "b"))
    assert "pages/s" not in plain.stderr and "articles written  36" in plain.stdout
    quiet = run_newsbeam(*command[3:], "--output", str(tmp_path / "c"), "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == ""
    assert list((tmp_path / "c" / "_runs").glob("*.html"))


def test_an_unreadable_file_is_named_not_a_traceback(copy):
    partition = next((copy / "rejects").iterdir())
    (partition / "part-broken-00000.parquet").write_bytes(b"not parquet at all")
    for command in ("stats", "compact"):
        result = run_newsbeam(command, "--output", str(copy))
        assert result.returncode == 1, result.stderr
        assert "part-broken-00000.parquet" in result.stderr
        assert "Traceback" not in result.stderr
