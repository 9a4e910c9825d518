"""The CLI on the demo corpus served on loopback, read back as data scientists read it."""
import json
import signal
import subprocess
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from schemas.tables import ARTICLE_SCHEMA, REJECT_SCHEMA
from tests.conftest import PYTHON, ROOT, run_cli

NEWSBEAM = str(Path(PYTHON).parent / "newsbeam")


def manifests(output):
    return [json.loads(p.read_text()) for p in sorted((Path(output) / "_runs").glob("*.json"))]


@pytest.fixture(scope="module")
def feeds_file(demo_sites, tmp_path_factory):
    path = tmp_path_factory.mktemp("feeds") / "feeds.txt"
    path.write_text("# the demo outlets\n" + demo_sites.feed_list())
    return path


@pytest.fixture(scope="module")
def demo_run(feeds_file, tmp_path_factory):
    output = tmp_path_factory.mktemp("out") / "news"
    result = run_cli("--feeds", str(feeds_file), "--output", str(output), "--allow-private-hosts",
                     command=(NEWSBEAM,))
    assert result.returncode == 0, result.stderr
    return output, result


def articles(output):
    return ds.dataset(str(output / "articles"), format="parquet", partitioning="hive").to_table()


def test_summary_and_accounting(demo_run):
    output, result = demo_run
    assert "articles written  36" in result.stdout
    assert "39 entries = 36 articles + 2 rejects + 1 skipped (balanced)" in result.stdout
    counts = manifests(output)[0]["counts"]
    assert counts["entries"] == counts["articles"] + counts["rejects"] + counts["skipped"]
    assert counts["rejects_by_reason"] == {"http_404": 1, "not_html": 1}
    assert counts["skipped_by_reason"] == {"duplicate_in_run": 1}
    assert not list((output / "_staging").iterdir())


def test_articles_read_with_pyarrow_in_the_pinned_schema(demo_run):
    output, _ = demo_run
    table = articles(output)
    assert table.num_rows == 36
    for field in ARTICLE_SCHEMA:
        assert table.schema.field(field.name).type == field.type, field.name
    assert table.schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert "date" in table.column_names  # the partition, from the directory only
    ids = table.column("article_id").to_pylist()
    assert len(set(ids)) == len(ids)


def test_rejects_read_with_pyarrow(demo_run):
    output, _ = demo_run
    table = ds.dataset(str(output / "rejects"), format="parquet", partitioning="hive").to_table()
    assert sorted(table.column("reason").to_pylist()) == ["http_404", "not_html"]
    for field in REJECT_SCHEMA:
        assert table.schema.field(field.name).type == field.type


def test_duckdb_reads_it_and_the_seed_copy_shares_dup_id(demo_run):
    output, _ = demo_run
    rows = duckdb.sql(f"""
        SELECT source, article_id, dup_id, story_id, date, published_at
        FROM read_parquet('{output}/articles/*/*.parquet', hive_partitioning=true)
        WHERE title ILIKE '%blinken%' OR title ILIKE '%diplomat presses%'
        ORDER BY source""").fetchall()
    by_source = {r[0]: r for r in rows}
    assert set(by_source) == {"Harbor Ledger", "Northwind Post", "The Daily Meridian"}
    toi, copy, jns = by_source["Northwind Post"], by_source["Harbor Ledger"], \
        by_source["The Daily Meridian"]
    assert copy[2] == toi[1] and toi[2] == toi[1]           # the copy points at the original
    assert jns[2] == jns[1] and jns[2] != toi[2]            # the other outlet's report is no copy
    assert jns[3] == toi[3] == copy[3] == toi[1]            # ... but the same story, TOI leading
    assert str(toi[4]) == "2024-08-01"
    distinct = duckdb.sql(f"""SELECT count(*) FROM read_parquet('{output}/articles/*/*.parquet',
        hive_partitioning=true) WHERE article_id = dup_id""").fetchall()[0][0]
    assert distinct == 35


def test_rerun_adds_no_rows(demo_run, feeds_file):
    output, _ = demo_run
    before = articles(output).num_rows
    result = run_cli("--feeds", str(feeds_file), "--output", str(output), "--allow_private_hosts")
    assert result.returncode == 0, result.stderr
    assert "articles written  0" in result.stdout and "nothing new" in result.stdout
    assert articles(output).num_rows == before
    last = manifests(output)[-1]["counts"]
    # the demo server sends no validators: the unchanged bodies are recognised by their hash
    assert last["feeds_not_modified"] == 3 and last["entries"] == 0
    assert last["accounting_balanced"]


def test_multi_processing_run_with_an_opml_feed_list(demo_sites, demo_run, tmp_path):
    outlines = "".join(f'<outline type="rss" text="{s["name"]}" xmlUrl="{demo_sites.bases[o]}/'
                       f'{s["feed"]}"/>' for o, s in demo_sites.sites.items())
    opml = tmp_path / "feeds.opml"
    opml.write_text(f'<?xml version="1.0"?><opml version="2.0"><body>{outlines}</body></opml>')
    output = tmp_path / "mp"
    result = run_cli("--feeds", str(opml), "--output", str(output), "--allow_private_hosts",
                     "--direct_num_workers=2", "--direct_running_mode=multi_processing")
    assert result.returncode == 0, result.stderr
    single = sorted(articles(demo_run[0]).column("article_id").to_pylist())
    assert sorted(articles(output).column("article_id").to_pylist()) == single


def test_a_run_that_could_read_no_feed_fails_and_says_how_to_fix_it(feeds_file, tmp_path):
    result = run_cli("--feeds", str(feeds_file), "--output", str(tmp_path / "o"))
    assert result.returncode == 1
    assert "no feed could be read (private_address 3)" in result.stderr
    assert "--allow_private_hosts" in result.stderr
    counts = manifests(tmp_path / "o")[0]["counts"]       # what failed is still published
    assert counts["feed_rejects_by_reason"] == {"private_address": 3}
    assert counts["entries"] == 0 and counts["accounting_balanced"]


@pytest.mark.parametrize("args, message", [
    ((), "--feeds is required"),
    (("--feeds", "FEEDS", "--fetch-threads", "0"), "--fetch_threads must be greater than 0"),
    (("--feeds", "FEEDS", "--extract_processes", "-1"), "--extract_processes must be 0 or more"),
    (("--feeds", "missing.txt"), "--feeds: cannot read missing.txt"),
    (("--feeds", "BAD"), "BAD:2"),
])
def test_bad_options_fail_before_the_run_and_name_the_flag(args, message, tmp_path):
    (tmp_path / "good.txt").write_text("https://example.com/rss\n")
    (tmp_path / "bad.txt").write_text("https://example.com/rss\nnot-a-url\n")
    args = [a.replace("FEEDS", str(tmp_path / "good.txt")).replace("BAD", str(tmp_path / "bad.txt"))
            for a in args]
    result = run_cli(*args, "--output", str(tmp_path / "o"))
    assert result.returncode == 2
    assert message.replace("BAD", str(tmp_path / "bad.txt")) in result.stderr
    assert not (tmp_path / "o").exists()


def test_unwritable_output_fails_loudly(feeds_file, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_cli("--feeds", str(feeds_file), "--output", str(blocker / "news"),
                     "--allow_private_hosts")
    assert result.returncode == 1
    assert str(blocker / "news") in result.stderr


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KiB tmpfs: a destination that fills up (needs root to mount)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_destination_fails_loudly(feeds_file, tiny_disk):
    output = tiny_disk / "news"
    result = run_cli("--feeds", str(feeds_file), "--output", str(output), "--allow_private_hosts")
    assert result.returncode == 1
    assert str(output) in result.stderr and "No space left" in result.stderr
    assert not (output / "_runs").exists() or not list((output / "_runs").glob("*.json"))
    assert not (output / "articles").exists() or not list((output / "articles").rglob("*.parquet"))


def test_every_repeats_runs_and_sigterm_finishes_the_current_one(feeds_file, tmp_path):
    output = tmp_path / "loop"
    process = subprocess.Popen(
        [PYTHON, "-m", "pipeline", "--runner=FnApiRunner", "--feeds", str(feeds_file),
         "--output", str(output), "--allow_private_hosts", "--every", "1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    summaries = []
    for line in process.stdout:
        if line.startswith("newsbeam run "):
            summaries.append(line)
            if len(summaries) == 2:
                process.send_signal(signal.SIGTERM)
                break
    assert process.wait(timeout=120) == 0
    runs = manifests(output)
    assert len(runs) >= 2 and all(r["status"] == "complete" for r in runs)
    assert runs[0]["counts"]["articles"] == 36 and runs[1]["counts"]["articles"] == 0


def test_the_portable_runner_path(feeds_file, demo_run, tmp_path):
    """Through Beam's job service API (embedded) and a loopback SDK worker: everything the
    pipeline ships to workers must pickle, and nothing may depend on the in-process runner."""
    output = tmp_path / "portable"
    result = subprocess.run(
        [PYTHON, "-m", "pipeline", "--runner=PortableRunner", "--job_endpoint=embed",
         "--environment_type=LOOPBACK", "--feeds", str(feeds_file), "--output", str(output),
         "--allow_private_hosts"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    single = sorted(articles(demo_run[0]).column("article_id").to_pylist())
    assert sorted(articles(output).column("article_id").to_pylist()) == single
    assert manifests(output)[0]["counts"]["accounting_balanced"]


def test_extraction_children_default_to_the_cores_left_to_each_local_worker():
    from pipeline.options import extraction_processes
    assert extraction_processes(0, "FnApiRunner", 1, cores=2) == 2
    assert extraction_processes(0, "FnApiRunner", 2, cores=2) == 1
    assert extraction_processes(0, "DirectRunner", 0, cores=4) == 1     # 0 workers: one a core
    assert extraction_processes(0, "FnApiRunner", 3, cores=2) == 1
    assert extraction_processes(0, "DataflowRunner", 1, cores=8) == 1
    assert extraction_processes(3, "FnApiRunner", 1, cores=2) == 3
