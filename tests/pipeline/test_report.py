"""The end-of-run HTML report: its figures, its file, and how Chromium renders it."""
import os
import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from pipeline.report import (collect, column_svg, feed_health, hbar_svg, largest_stories,
                             per_hour, size_histogram, top)
from dataset.runs import run_ids
from tests.conftest import run_newsbeam

UTC = timezone.utc


def manifest(started, by_feed):
    return {"run_id": started, "started_at": started, "counts": {"by_feed": by_feed}}


def feed(entries=0, articles=0, rejected=0, skipped=0, status="ok"):
    return {"entries": entries, "articles": articles, "rejected": rejected, "skipped": skipped,
            "status": status}


def test_feed_health_counts_failing_runs_and_days_without_new_entries():
    url, quiet, broken = "http://a/feed", "http://b/feed", "http://c/feed"
    runs = [manifest("2026-11-01T00:00:00+00:00", {url: feed(5, 5), quiet: feed(3, 3),
                                                  broken: feed(2, 2)}),
            manifest("2026-11-02T00:00:00+00:00", {url: feed(6, 1, skipped=5),
                                                  quiet: feed(3, skipped=3),
                                                  broken: feed(status="http_500")}),
            manifest("2026-11-05T06:00:00+00:00", {url: feed(6, 0, skipped=6),
                                                  quiet: feed(status="not_modified"),
                                                  broken: feed(status="timeout")})]
    health = {h["feed"]: h for h in feed_health(runs, [url, quiet, broken])}
    assert health[broken]["failing_runs"] == 2
    assert "failing for 2 runs" in health[broken]["flags"]
    # not modified is a feed's ordinary answer, no flag; four days without news is one
    assert health[quiet]["flags"] == ["no new entries for 4 days"]
    # the 2 Nov run brought one new entry: three days before the last run
    assert health[url]["last_new"] == "2026-11-02T00:00+00:00"
    assert health[url]["flags"] == ["no new entries for 3 days"]
    assert [h["feed"] for h in feed_health(runs, [url, quiet, broken])][0] == broken


def test_feed_health_skips_manifests_without_per_feed_counts():
    old = {"run_id": "r0", "started_at": "2026-01-01T00:00:00+00:00", "counts": {}}
    health = feed_health([old, manifest("2026-11-01T00:00:00+00:00",
                                        {"u": feed(1, 1)})], ["u", "never-polled"])
    assert [h["feed"] for h in health] == ["u"] and health[0]["flags"] == []


def test_per_hour_keeps_the_last_hours_and_counts_the_rest():
    end = datetime(2026, 11, 21, 12, 30, tzinfo=UTC)
    times = [end, end - timedelta(hours=1), end - timedelta(hours=1, minutes=5),
             end - timedelta(days=3), None]
    series, earlier, undated = per_hour(times, end, hours=4)
    assert [n for _, n in series] == [0, 0, 2, 1]
    assert series[-1][0] == "21 Nov 12:00" and (earlier, undated) == (1, 1)


def test_sizes_and_top_lists():
    assert size_histogram([1, 1, 2, 5, 12]) == [("1", 2), ("2", 1), ("3", 0), ("4", 0),
                                                ("5-9", 1), ("10+", 1)]
    assert top(Counter("aaabbc"), n=2) == [("a", 3), ("b", 2), ("other (1)", 1)]


def row(article_id, story_id, dup_id=None, title=None, source="S", hour=0):
    return {"article_id": article_id, "story_id": story_id, "dup_id": dup_id or article_id,
            "title": title or article_id, "url": "http://x/" + article_id, "source": source,
            "source_domain": "x", "published_at": datetime(2026, 1, 1, hour, tzinfo=UTC),
            "fetched_at": datetime(2026, 1, 2, tzinfo=UTC)}


def test_largest_stories_take_the_leads_headline():
    rows = [row("a", "a", title="Lead headline", source="One"), row("b", "a", source="Two"),
            row("c", "a", dup_id="b", source="Three"), row("d", "x", hour=5), row("e", "x"),
            row("f", "f")]
    stories = largest_stories(rows)
    assert [(s["size"], s["distinct_texts"], s["headline"]) for s in stories] == [
        (3, 2, "Lead headline"), (2, 2, "e")]   # lead of x not in this run: the earliest
    assert stories[0]["sources"] == ["One", "Three", "Two"]


def test_charts_escape_labels_and_scale_to_the_largest():
    svg = hbar_svg([("<script>", 10), ("b", 5)], "t")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    widths = [int(w) for w in re.findall(r'class="bar"[^>]*width="(\d+)"', svg)]
    assert widths[0] == 2 * widths[1]
    assert "none" in hbar_svg([], "nothing")
    assert svg.count("<title>") == 2 and hbar_svg([("a", 1), ("b", 0)], "t").count("<rect") == 1
    assert column_svg([("a", 0)], "t").startswith("<p")


# ---------------------------------------------------------------- a real run's report

def test_every_run_writes_its_report(dataset):
    ids = run_ids(str(dataset))
    assert len(ids) == 2
    for run_id in ids:
        page = (dataset / "_runs" / f"{run_id}.html").read_text()
        assert run_id in page and page.count("<svg") >= 5
        assert "<script" not in page and "src=" not in page      # self-contained
    first_feeds = set(re.findall(r"<code>(http[^<]+)</code>",
                                 (dataset / "_runs" / f"{ids[0]}.html").read_text()))
    assert len(first_feeds) == 1                                  # one outlet, then three


def test_report_data_for_the_second_run(dataset):
    second = run_ids(str(dataset))[-1]
    data = collect(str(dataset), second)
    counts = data["manifest"]["counts"]
    assert data["articles"] == counts["articles"] and data["rejects"] == counts["rejects"]
    assert sum(n for _, n in data["sources"]) == counts["articles"]
    assert {h["feed"] for h in data["feed_health"]} == set(counts["by_feed"])
    # the first run polled one outlet; in the second its feed was unchanged (304 or same body)
    statuses = sorted(h["status"] for h in data["feed_health"])
    assert statuses in (["not_modified", "ok", "ok"], ["ok", "ok", "unchanged"])
    assert not any(h["flags"] for h in data["feed_health"])      # nothing needs attention
    assert data["stories"] and data["stories"][0]["size"] >= 2
    assert "Blinken" in " ".join(s["headline"] for s in data["stories"])


def test_report_command_rebuilds_a_past_run(dataset, tmp_path):
    copy = tmp_path / "news"
    shutil.copytree(dataset, copy)
    first = run_ids(str(copy))[0]
    (copy / "_runs" / f"{first}.html").unlink()
    result = run_newsbeam("report", "--output", str(copy), "--run", first)
    assert result.returncode == 0, result.stderr
    assert (copy / "_runs" / f"{first}.html").exists()
    assert result.stdout.strip().endswith(f"{first}.html")
    missing = run_newsbeam("report", "--output", str(copy), "--run", "nope")
    assert missing.returncode == 2 and "--run" in missing.stderr


# ---------------------------------------------------------------- rendered in Chromium

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BAR_RGB = (0x2F, 0x6F, 0xB0)


def png_pixels(data):
    """(width, height, rows of RGB(A) bytes) of an 8-bit non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour in (2, 6)
    step = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(b"".join(chunks)), width * step, [], None
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        prev = prev or bytearray(stride)
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, corner = prev[i], prev[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc
                                      else corner)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, step, rows


def chromium(tmp_path, *args):
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("NEWSBEAM_REQUIRE_CHROMIUM"),
                    reason="Debian's chromium is not installed (.ci/run installs it)")
def test_report_renders_with_its_charts_in_chromium(dataset, tmp_path):
    assert CHROMIUM, "NEWSBEAM_REQUIRE_CHROMIUM is set but chromium is not installed"
    run_id = run_ids(str(dataset))[-1]
    page = (dataset / "_runs" / f"{run_id}.html").as_uri()
    dom = chromium(tmp_path, "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr
    data = collect(str(dataset), run_id)
    assert f"newsbeam run {run_id}" in dom.stdout
    bars = len(re.findall(r'<rect class="bar"', dom.stdout))
    expected = sum(1 for key in ("sources", "languages", "copy_sizes", "story_sizes",
                                 "reject_reasons") for _, n in data[key] if n) \
        + sum(1 for _, n in data["hours"] if n)
    assert bars == expected > 5
    shot = tmp_path / "report.png"
    result = chromium(tmp_path, "--hide-scrollbars", "--window-size=1100,1400",
                      f"--screenshot={shot}", page)
    assert result.returncode == 0 and shot.exists(), result.stderr
    width, height, step, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (1100, 1400)
    bar_pixels = sum(1 for line in rows for x in range(0, len(line), step)
                     if all(abs(line[x + k] - BAR_RGB[k]) <= 8 for k in range(3)))
    assert bar_pixels > 2000      # the blue bars are drawn, not just present in the DOM
