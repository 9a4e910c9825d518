"""What an operator running newsbeam from cron or a loop relies on: one run per output, options
that are checked, silence when all is well, and exit codes that say what happened."""
import json
import os
import signal
import socket
import subprocess
import time
from datetime import datetime, timezone

import pytest

from tests.conftest import PYTHON, ROOT, Route, run_cli, run_newsbeam


def hold(output, pid, host=None, renewed=None):
    """A lock as another run would leave it."""
    now = (renewed or datetime.now(timezone.utc)).isoformat()
    output.mkdir(parents=True, exist_ok=True)
    (output / "_lock.json").write_text(json.dumps({
        "what": "run 20261202T000000Z-other0", "host": host or socket.gethostname(),
        "pid": pid, "since": now, "renewed": now, "token": "theirs"}))


def dead_pid():
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.fixture
def feeds(demo_sites, tmp_path):
    path = tmp_path / "feeds.txt"
    path.write_text(demo_sites.feed_list())
    return path


def test_a_second_run_on_a_held_output_stops_at_once_and_writes_nothing(feeds, tmp_path):
    output = tmp_path / "news"
    hold(output, os.getpid())                       # this test process: alive
    result = run_cli("--feeds", str(feeds), "--output", str(output), "--allow_private_hosts")
    assert result.returncode == 3
    assert "in use by run 20261202T000000Z-other0" in result.stderr
    assert f"pid {os.getpid()}" in result.stderr and "changed nothing" in result.stderr
    assert sorted(p.name for p in output.iterdir()) == ["_lock.json"]
    compact = run_newsbeam("compact", "--output", str(output))
    assert compact.returncode == 2                  # no dataset yet; nor is the lock touched
    assert json.loads((output / "_lock.json").read_text())["token"] == "theirs"


def test_a_lock_whose_holder_is_gone_is_taken_over(feeds, tmp_path):
    output = tmp_path / "news"
    hold(output, dead_pid())
    result = run_cli("--feeds", str(feeds), "--output", str(output), "--allow_private_hosts")
    assert result.returncode == 0, result.stderr
    assert "took over the lock of run 20261202T000000Z-other0" in result.stderr
    assert not (output / "_lock.json").exists()     # released when the run ended
    other = tmp_path / "other"                       # another machine's, not renewed for long
    hold(other, 1, host="elsewhere", renewed=datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert run_cli("--feeds", str(feeds), "--output", str(other),
                   "--allow_private_hosts").returncode == 0


@pytest.mark.parametrize("args, message", [
    (["--frobnicate"], "--frobnicate: no such option"),
    (["--alow_private_hosts"], "did you mean --allow_private_hosts?"),
    (["--max-per-hots", "3"], "did you mean --max_per_host?"),
    (["--max_per_host", "many"], "invalid int value: 'many'"),
])
def test_a_mistyped_option_is_refused_with_a_suggestion(args, message, tmp_path):
    result = run_cli("--feeds", "feeds.txt", "--output", str(tmp_path / "o"), *args)
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / "o").exists()


def test_beams_own_options_still_pass_through(feeds, tmp_path):
    result = run_cli("--feeds", str(feeds), "--output", str(tmp_path / "o"),
                     "--allow_private_hosts", "--direct_num_workers=1", "--job_name=nightly",
                     "--quiet")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("argv, message", [
    (["stat", "--output", "x"], "unknown command 'stat'; did you mean 'stats'?"),
    (["stats", "--output", "x", "--bye"], "did you mean --by?"),
    (["stats", "--output", "{empty}"], "is not a newsbeam dataset"),
    (["compact", "--output", "{empty}"], "is not a newsbeam dataset"),
    (["run", "--feeds", "f.txt", "--output", "gs://bucket/news"],
     "no filesystem for gs:// is installed (pip install 'newsbeam[gcp]')"),
])
def test_commands_refuse_what_they_cannot_do_with_exit_2(argv, message, tmp_path):
    argv = [a.replace("{empty}", str(tmp_path)) for a in argv]
    result = run_newsbeam(*argv)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_stats_into_a_closed_pipe_ends_quietly(dataset):
    shell = f"'{PYTHON}' -m pipeline stats --output '{dataset}' | head -1"
    result = subprocess.run(shell, shell=True, cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.startswith("dataset ") and result.stderr == ""


def test_the_demo_has_its_own_help():
    result = subprocess.run([PYTHON, "-m", "pipeline.demo", "--help"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("usage: newsbeam-demo")


@pytest.mark.parametrize("workers", [[], ["--direct_num_workers=2",
                                          "--direct_running_mode=multi_processing"]],
                         ids=["one worker", "two workers"])
def test_quiet_is_silent_on_a_good_run(feeds, tmp_path, workers):
    result = run_cli("--feeds", str(feeds), "--output", str(tmp_path / "o"),
                     "--allow_private_hosts", "--quiet", *workers)
    assert result.returncode == 0
    assert (result.stdout, result.stderr) == ("", "")


def slow_feed(server, pages=8, delay=1.0):
    """A feed of `pages` articles that each take `delay` seconds to answer: a run that is
    still fetching for several seconds, on any machine."""
    items = []
    for i in range(pages):
        words = " ".join(f"word{i}x{j}" for j in range(80))
        server.routes[f"/a{i}.html"] = Route(
            f"<html><body><article><h1>Story {i}</h1><p>Story {i} begins. {words}.</p>"
            f"</article></body></html>", delay=delay)
        items.append(f"<item><title>Story {i}</title><link>{server.url(f'/a{i}.html')}</link>"
                     "</item>")
    server.routes["/feed.xml"] = Route(
        f'<rss version="2.0"><channel><title>Slow</title>{"".join(items)}</channel></rss>',
        content_type="application/rss+xml")
    return server.url("/feed.xml")


def test_ctrl_c_is_one_line_and_exit_130(server, tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(slow_feed(server) + "\n")
    output = tmp_path / "o"
    child = subprocess.Popen([PYTHON, "-m", "pipeline", "--runner=FnApiRunner", "--feeds",
                              str(feeds), "--output", str(output), "--allow_private_hosts"],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not any(path.startswith("/a") for path, _, _ in server.log) \
            and time.monotonic() < deadline:
        time.sleep(0.05)                             # until it fetches the pages
    time.sleep(0.5)
    os.killpg(child.pid, signal.SIGINT)              # as a terminal does: the whole group
    out, err = child.communicate(timeout=120)
    assert child.returncode == 130
    assert err.strip().splitlines() == [
        "newsbeam: interrupted: the run published nothing; the next run on this output "
        "finishes or discards what it left"]
    assert not (output / "_lock.json").exists() and not list((output / "_runs").glob("*"))
    again = run_cli("--feeds", str(feeds), "--output", str(output), "--allow_private_hosts")
    assert again.returncode == 0 and "articles written  8" in again.stdout


def test_compact_waits_its_turn_too(dataset, tmp_path):
    import shutil
    copy = tmp_path / "news"
    shutil.copytree(dataset, copy)
    hold(copy, os.getpid())
    before = sorted(str(p) for p in copy.rglob("*.parquet"))
    result = run_newsbeam("compact", "--output", str(copy))
    assert result.returncode == 3 and "nothing was compacted" in result.stderr
    assert sorted(str(p) for p in copy.rglob("*.parquet")) == before
