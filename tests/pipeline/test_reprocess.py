"""`newsbeam reprocess`: kept pages through the current rules again, exactly the affected rows
rewritten, ids and fetch times kept; interrupted, finished or rolled back by the next command
(pipeline/reprocess.py)."""
import json
import os
import signal
import subprocess
import time
from datetime import date, datetime, timezone

import pyarrow.parquet as pq
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

import transforms.content.article as article_rules
from dataset import publish as publishing
from pipeline.reprocess import reprocess
from tests.conftest import PYTHON, ROOT, Route
from tests.pipeline.test_hostile import table
from tests.pipeline.test_pages import keep_run

PAGE = ('<html><head><title>{t}</title><meta name="author" content="{a}">'
        '<meta property="article:published_time" content="2026-11-30T09:00:00Z"></head>'
        '<body><article><h1>{t}</h1><p>{b}</p></article></body></html>')
STORIES = {
    "harbour": ("Harbour reopens after storm", "Jane Doe",
                "Ships returned to the harbour on Tuesday after engineers cleared the wreckage "
                "that the storm had left across the northern quay, and the port authority said "
                "ferries would keep their winter timetable until the breakwater is repaired. "
                "Fishermen who had waited a week to land their catch queued at the fish market "
                "before dawn, and the harbour master thanked volunteers for their work."),
    "budget": ("Council passes the budget", "John Smith",
               "Councillors approved next year's budget by a narrow margin late on Wednesday, "
               "raising spending on schools and road repairs while freezing the parking fees "
               "that shopkeepers had campaigned against. The opposition called the plan "
               "reckless and promised to revisit the library closures in the spring."),
    "rail": ("Rail line to close for repairs", "Ann Lee",
             "The coastal rail line will close for six weeks from March so that crews can "
             "replace a bridge damaged by floods, the operator announced, with replacement "
             "buses running every twenty minutes between the affected stations. Commuters' "
             "groups asked for cheaper season tickets while the work lasts."),
}
LOCAL = PipelineOptions(["--runner=FnApiRunner"])


@pytest.fixture
def kept(server, tmp_path):
    """A dataset of three articles written with --keep_pages."""
    for slug, (title, author, body) in STORIES.items():
        server.routes[f"/{slug}.html"] = Route(PAGE.format(t=title, a=author, b=body))
    return keep_run(server, tmp_path, {f"/{slug}.html": title
                                       for slug, (title, _, _) in STORIES.items()})


def rows(output):
    return {r["url"].rsplit("/", 1)[1]: r for r in table(output, "articles")}


def signatures(output):
    return {r["article_id"]: r for r in table(output, "_state/signatures")}


def test_a_changed_rule_rewrites_exactly_the_rows_it_changes(kept, monkeypatch):
    before, sigs_before = rows(kept), signatures(kept)
    files_before = sorted(p.name for p in (kept / "articles").rglob("*.parquet"))
    chosen = article_rules.choose_bylines

    def new_rule(people, byline, feed_authors, publishers):   # a byline rule, changed
        authors, agencies, source = chosen(people, byline, feed_authors, publishers)
        return [a.replace("Jane Doe", "Jane Q. Doe") for a in authors], agencies, source
    monkeypatch.setattr(article_rules, "choose_bylines", new_rule)
    manifest = reprocess(str(kept), options=LOCAL)
    assert (manifest["pages"], manifest["rows_changed"], manifest["unchanged"]) == (3, 1, 2)
    assert manifest["changed_by_column"] == {"authors": 1}
    recorded = json.loads((kept / "_runs" / "reprocessing" /
                           f"{manifest['reprocess_id']}.json").read_text())
    assert recorded["changed_by_column"] == {"authors": 1}

    after = rows(kept)
    assert after["harbour.html"]["authors"] == ["Jane Q. Doe"]
    for name, row in after.items():         # nothing else changed, ids and times included
        expected = {**before[name], "authors": row["authors"]}
        assert row == expected
    assert after["budget.html"] == before["budget.html"]
    assert sorted(p.name for p in (kept / "articles").rglob("*.parquet")) != files_before
    assert signatures(kept) == sigs_before          # the text did not change: not rewritten
    assert not any(manifest["reprocess_id"] in p.name
                   for p in (kept / "_state" / "signatures").rglob("*.parquet"))
    assert not list((kept / "_staging").rglob("*.parquet"))

    monkeypatch.setattr(article_rules, "choose_bylines", chosen)   # the rule as it was
    back = reprocess(str(kept), options=LOCAL)
    assert back["rows_changed"] == 1 and rows(kept) == before


def test_an_older_row_is_brought_up_to_date_and_a_move_of_day_is_followed(kept):
    before, sigs_before = rows(kept), signatures(kept)
    # as if an older version had written the rows: another title, text and day, in the
    # partition of that day
    (target,) = list((kept / "articles").rglob("*.parquet"))
    data = pq.read_table(target)
    stale = data.to_pylist()
    for row in stale:
        row.update(title="An old title", text=row["text"] + " An old footer.",
                   published_at=datetime(2020, 1, 1, 8, tzinfo=timezone.utc),
                   published_date=date(2020, 1, 1))
    old_day = kept / "articles" / "date=2020-01-01"
    old_day.mkdir()
    pq.write_table(data.from_pylist(stale, schema=data.schema), old_day / target.name)
    target.unlink()
    manifest = reprocess(str(kept), options=LOCAL)
    assert manifest["rows_changed"] == len(stale) == 3
    assert manifest["changed_by_column"] == {"title": 3, "text": 3, "published_at": 3,
                                             "published_date": 3}
    assert rows(kept) == before
    assert not list(old_day.glob("*.parquet")) and target.parent.exists()
    # the texts were rewritten, and their signatures with them: as the current text gives
    # them, with the copy groups and stories kept
    assert signatures(kept) == sigs_before
    assert [p.name for p in (kept / "_state" / "signatures").rglob("*.parquet")] == [
        f"part-{manifest['reprocess_id']}-00000.parquet"]


def test_a_text_that_changed_is_grouped_again(kept):
    before = rows(kept)
    # an older extraction took the cookie banner for the text of two pages, and the run
    # grouped them as copies of each other
    (target,) = list((kept / "articles").rglob("*.parquet"))
    data = pq.read_table(target)
    stale = data.to_pylist()
    lead = next(r for r in stale if r["url"].endswith("/harbour.html"))
    banner = ("We use cookies to give you the best experience on our website and to show you "
              "relevant advertising. By continuing you agree to our use of cookies and to our "
              "privacy policy, which you can read in full on the page linked below.")
    for row in stale:
        if row["url"].endswith(("/harbour.html", "/budget.html")):
            row.update(text=banner, word_count=len(banner.split()), dup_id=lead["article_id"],
                       story_id=lead["article_id"])
    pq.write_table(data.from_pylist(stale, schema=data.schema), target)
    manifest = reprocess(str(kept), options=LOCAL)
    assert manifest["rows_changed"] == 2
    assert manifest["changed_by_column"] == {"text": 2, "word_count": 2, "dup_id": 1,
                                             "story_id": 1}
    after = rows(kept)
    assert after == before              # each its own copy group and story again
    assert after["budget.html"]["dup_id"] == after["budget.html"]["article_id"]


def test_a_changed_text_gets_its_embedding_again(server, tmp_path, encoder):
    """Written with --semantic_stories: the re-extracted text's signature keeps a vector, made
    from the new text, and the other signature rows stay as they were."""
    for slug, (title, author, body) in STORIES.items():
        server.routes[f"/{slug}.html"] = Route(PAGE.format(t=title, a=author, b=body))
    output = keep_run(server, tmp_path, {f"/{slug}.html": title for slug, (title, _, _)
                                         in STORIES.items()}, args=("--semantic_stories",))
    written = signatures(output)
    assert all(len(r["embedding"]) == 384 for r in written.values())
    (target,) = list((output / "articles").rglob("*.parquet"))
    data = pq.read_table(target)
    stale = data.to_pylist()
    rail = next(r for r in stale if r["url"].endswith("/rail.html"))
    rail.update(text="Subscribe to our newsletter for the latest updates from the coast.")
    pq.write_table(data.from_pylist(stale, schema=data.schema), target)

    reprocess(str(output), options=LOCAL)
    after = signatures(output)
    assert {a: r for a, r in after.items() if a != rail["article_id"]} == \
        {a: r for a, r in written.items() if a != rail["article_id"]}
    assert after[rail["article_id"]]["embedding"] == pytest.approx(
        written[rail["article_id"]]["embedding"], abs=1e-4)


def test_interrupted_while_publishing_the_next_command_finishes_it(kept, monkeypatch):
    target = next((kept / "articles").rglob("*.parquet"))
    data = pq.read_table(target)
    stale = [{**r, "title": "An old title"} for r in data.to_pylist()]
    pq.write_table(data.from_pylist(stale, schema=data.schema), target)
    renames = []
    real = publishing.FileSystems.rename

    def dies_after_one(sources, destinations):      # the process dies after the first move
        if renames:
            raise publishing.PublishError("killed")
        renames.append(sources)
        return real(sources, destinations)
    monkeypatch.setattr(publishing.FileSystems, "rename", dies_after_one)
    with pytest.raises(publishing.PublishError):
        reprocess(str(kept), options=LOCAL)
    monkeypatch.setattr(publishing.FileSystems, "rename", real)
    assert list((kept / "_staging").rglob("*.plan.json"))
    # any next command recovers first: here `newsbeam stats`, then a reprocess finds no change
    done = subprocess.run([PYTHON, "-m", "pipeline", "compact", "--output", str(kept),
                           "--dry_run"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0
    again = reprocess(str(kept), options=LOCAL)
    assert again["rows_changed"] == 0 and all(
        r["title"] != "An old title" for r in rows(kept).values())
    assert len(rows(kept)) == 3 and not list((kept / "_staging").rglob("*.parquet"))


def test_sigkill_during_reprocess_then_it_runs_again(kept):
    target = next((kept / "articles").rglob("*.parquet"))
    data = pq.read_table(target)
    stale = [{**r, "title": "An old title"} for r in data.to_pylist()]
    pq.write_table(data.from_pylist(stale, schema=data.schema), target)
    process = subprocess.Popen([PYTHON, "-m", "pipeline", "reprocess", "--output", str(kept)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    staging = kept / "_staging"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if staging.exists() and any(p.is_file() for p in staging.rglob("*")):
            break
        time.sleep(0.005)
    if process.poll() is not None:
        pytest.fail("reprocess finished before it could be killed")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert (kept / "_lock.json").exists()            # a dead holder: the next one takes over
    done = subprocess.run([PYTHON, "-m", "pipeline", "reprocess", "--output", str(kept)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "rows changed" in done.stdout
    fixed = rows(kept)
    assert len(fixed) == 3 and all(r["title"] != "An old title" for r in fixed.values())
    assert not staging.exists() or not any(p.is_file() for p in staging.rglob("*"))


def test_the_command_checks_its_options(kept):
    def command(*args):
        return subprocess.run([PYTHON, "-m", "pipeline", "reprocess", "--output", str(kept),
                               *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    bad = command("--since", "2026-12-05", "--until", "2026-12-01")
    assert bad.returncode == 2 and "--since 2026-12-05 is after --until" in bad.stderr
    assert command("--since", "yesterday").returncode == 2
    none = command("--until", "2000-01-01")
    assert none.returncode == 0 and "0 kept pages" in none.stdout
