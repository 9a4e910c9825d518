"""The end-of-run HTML report, `_runs/<run_id>.html`: one self-contained file (inline CSS and
SVG charts, no scripts, nothing fetched), so it opens from a bucket, a mail or a laptop alike.

Built from the run's manifest, the rows the run wrote, and the manifests of earlier runs (for
feed health). `newsbeam report` rebuilds it for any past run.
"""
import html
from collections import Counter
from datetime import datetime, timedelta, timezone

from apache_beam.io.filesystems import FileSystems

from dataset.layout import RUNS, read_run_rows
from dataset.publish import write_bytes
from dataset.runs import history, read_manifest

HEALTHY = ("ok", "not_modified", "unchanged")
SIZE_BINS = ((1, 1, "1"), (2, 2, "2"), (3, 3, "3"), (4, 4, "4"), (5, 9, "5-9"),
             (10, None, "10+"))
HOURS = 48


def report_path(output, run_id):
    return FileSystems.join(output, RUNS, f"{run_id}.html")


# ---------------------------------------------------------------- figures (pure functions)

def top(counter, n=15, other="other"):
    """[(label, count)] largest first; the rest summed into one `other` row."""
    items = counter.most_common()
    head, rest = items[:n], items[n:]
    if rest:
        head.append((f"{other} ({len(rest)})", sum(c for _, c in rest)))
    return head


def size_histogram(sizes):
    """Group sizes (one per group) -> [(bin label, groups)] over fixed bins."""
    out = []
    for low, high, label in SIZE_BINS:
        out.append((label, sum(1 for s in sizes if s >= low and (high is None or s <= high))))
    return out


def per_hour(instants, end, hours=HOURS):
    """Counts per UTC hour for the `hours` hours up to `end`, plus how many fell before them
    and how many had no time (a day-only or missing date)."""
    end = end.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0) \
        + timedelta(hours=1)
    start = end - timedelta(hours=hours)
    slots = Counter()
    earlier = undated = 0
    for when in instants:
        if when is None:
            undated += 1
        elif when < start:
            earlier += 1
        elif when < end:
            slots[int((when - start).total_seconds() // 3600)] += 1
    series = [((start + timedelta(hours=i)).strftime("%d %b %H:00"), slots[i])
              for i in range(hours)]
    return series, earlier, undated


def largest_stories(articles, n=10):
    """The run's biggest stories: size, headline (the lead's title, else the earliest
    article's) and their sources, largest first."""
    stories = {}
    for row in articles:
        stories.setdefault(row["story_id"], []).append(row)
    ranked = sorted(stories.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    out = []
    for story_id, rows in ranked[:n]:
        if len(rows) < 2:
            break
        lead = next((r for r in rows if r["article_id"] == story_id), None) or min(
            rows, key=lambda r: (r["published_at"] or r["fetched_at"], r["article_id"]))
        copies = len({r["dup_id"] for r in rows})
        out.append({"story_id": story_id, "size": len(rows), "distinct_texts": copies,
                    "headline": lead["title"] or lead["url"],
                    "sources": sorted({r["source"] or r["source_domain"] or "?" for r in rows})})
    return out


def feed_health(manifests, feeds):
    """Per feed, from run manifests oldest first (the current run last):
    status now, consecutive failing runs, and days since its last new entry."""
    dated = [m for m in manifests if "by_feed" in m.get("counts", {})]
    now = _when(dated[-1]) if dated else datetime.now(timezone.utc)
    health = []
    for feed in feeds:
        seen = [(m, m["counts"]["by_feed"][feed]) for m in dated if feed in m["counts"]["by_feed"]]
        if not seen:
            continue
        status = seen[-1][1].get("status", "ok")
        failing = 0
        for _, counts in reversed(seen):
            if counts.get("status", "ok") in HEALTHY:
                break
            failing += 1
        new_runs = [m for m, c in seen if c["entries"] - c["skipped"] > 0]
        last_new = _when(new_runs[-1]) if new_runs else None
        since = last_new or _when(seen[0][0])
        days = (now - since).days
        flags = []
        if failing:
            flags.append(f"failing for {failing} run{'s' * (failing > 1)}")
        if days >= 1:
            flags.append(f"no new entries for {days} day{'s' * (days > 1)}"
                         + ("" if last_new else f" (none in {len(seen)} runs)"))
        current = seen[-1][1]
        health.append({"feed": feed, "status": status, "entries": current["entries"],
                       "new": current["entries"] - current["skipped"],
                       "articles": current["articles"], "rejected": current["rejected"],
                       "failing_runs": failing,
                       "last_new": last_new.isoformat(timespec="minutes") if last_new else None,
                       "flags": flags})
    return sorted(health, key=lambda h: (-h["failing_runs"], -len(h["flags"]), h["feed"]))


def readable(stamp):
    """'2026-12-02 04:05 UTC' from an ISO timestamp (None and odd values as they are)."""
    try:
        when = datetime.fromisoformat(str(stamp)).astimezone(timezone.utc)
    except ValueError:
        return str(stamp)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def _when(manifest):
    return datetime.fromisoformat(manifest["started_at"]).astimezone(timezone.utc)


def collect(output, run_id, runs_back=500):
    """Everything the report shows, as plain data (also what tests check)."""
    manifest = read_manifest(output, run_id)
    counts = manifest["counts"]
    articles = read_run_rows(output, manifest, "articles",
                             ["article_id", "url", "title", "source", "source_domain", "language",
                              "published_at", "fetched_at", "dup_id", "story_id", "feed_url"])
    rejects = read_run_rows(output, manifest, "rejects", ["reason", "feed_url", "url", "stage"])
    earlier = [m for m in history(output, runs_back) if m["run_id"] < run_id]
    feeds = sorted(set(manifest.get("feeds", [])) | set(counts.get("by_feed", {})))
    # the hours up to the newest article (the run's end when feeds are live; an archive's
    # last day otherwise)
    finished = datetime.fromisoformat(manifest.get("finished_at") or manifest["started_at"])
    instants = [r["published_at"] for r in articles]
    newest = max((t for t in instants if t is not None), default=finished)
    hours, before, undated = per_hour(instants, min(newest, finished))
    by_feed_reason = Counter((r["feed_url"] or r["url"], r["reason"]) for r in rejects)
    warcs = [f for f in manifest.get("files", []) if f.endswith(".warc.gz")]
    kept = {"warc_files": len(warcs), "records": 0, "bytes": 0}
    if warcs:
        kept["records"] = len(read_run_rows(output, manifest, "pages", ["record_id"]))
        kept["bytes"] = sum(m.size_in_bytes for r in FileSystems.match(warcs)
                            for m in r.metadata_list)
    return {
        "pages_kept": kept,
        "manifest": manifest,
        "sources": top(Counter(r["source"] or r["source_domain"] or "(unknown)"
                               for r in articles)),
        "languages": top(Counter(r["language"] or "(undetected)" for r in articles), 12),
        "hours": hours, "hours_earlier": before, "hours_undated": undated,
        "reject_reasons": top(Counter(r["reason"] for r in rejects), 20),
        "rejects_by_feed": [(feed, reason, n) for (feed, reason), n
                            in sorted(by_feed_reason.items(), key=lambda i: (-i[1], i[0]))],
        "feed_health": feed_health(earlier + [manifest], feeds),
        "copy_sizes": size_histogram(list(Counter(r["dup_id"] for r in articles).values())),
        "story_sizes": size_histogram(list(Counter(r["story_id"] for r in articles).values())),
        "stories": largest_stories(articles),
        "articles": len(articles), "rejects": len(rejects),
        "balanced": counts.get("accounting_balanced"),
    }


# ---------------------------------------------------------------- rendering

_e = html.escape
BAR = "#2f6fb0"


def hbar_svg(items, title, width=640, color=BAR):
    """A horizontal bar chart; each bar carries its exact value as text and tooltip."""
    if not items:
        return f'<p class="empty">{_e(title)}: none</p>'
    label_w, row_h, top_pad = 230, 22, 8
    peak = max(v for _, v in items) or 1
    height = top_pad + row_h * len(items)
    rows = []
    for i, (label, value) in enumerate(items):
        y = top_pad + i * row_h
        w = max(1, round((width - label_w - 60) * value / peak)) if value else 0
        short = label if len(label) <= 34 else label[:33] + "\u2026"
        bar = (f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w}" height="{row_h - 6}" '
               f'fill="{color}"><title>{_e(label)}: {value}</title></rect>' if value else "")
        rows.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_e(short)}</text>{bar}'
            f'<text x="{label_w + w + 5}" y="{y + 15}">{value}</text>')
    return (f'<svg role="img" aria-label="{_e(title)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" class="chart">{"".join(rows)}</svg>')


def column_svg(items, title, width=720, height=160, color=BAR, every=6):
    """Vertical bars over a sequence (hours); every `every`-th label is drawn."""
    if not items or not any(v for _, v in items):
        return f'<p class="empty">{_e(title)}: none in this period</p>'
    peak = max(v for _, v in items)
    bottom, left = height - 28, 30
    slot = (width - left) / len(items)
    parts = [f'<text x="0" y="12">{peak}</text>',
             f'<line x1="{left}" y1="{bottom}" x2="{width}" y2="{bottom}" stroke="#999"/>']
    for i, (label, value) in enumerate(items):
        h = round((bottom - 16) * value / peak)
        x = left + i * slot
        if value:
            parts.append(f'<rect class="bar" x="{x + 1:.1f}" y="{bottom - h}" '
                         f'width="{max(1.0, slot - 2):.1f}" height="{h}" fill="{color}">'
                         f'<title>{_e(label)} UTC: {value}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - 8}" class="tick">{_e(label)}</text>')
    return (f'<svg role="img" aria-label="{_e(title)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" class="chart">{"".join(parts)}</svg>')


CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;
max-width:1040px;color:#1d232a;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde3ea;
padding-bottom:4px}.muted{color:#5d6b79}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{border:1px solid #dde3ea;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:20px}.grid{display:grid;grid-template-columns:1fr 1fr;gap:8px 28px}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #eef1f4;
padding:4px 6px;text-align:left;vertical-align:top}th{color:#5d6b79;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}.chart text{font-size:12px;fill:#1d232a}
.chart .tick{font-size:10px;fill:#5d6b79}.bad{color:#b3261e;font-weight:600}.ok{color:#1e7b34}
.flag{display:inline-block;background:#fdecea;color:#8c1d18;border-radius:4px;padding:0 6px;
margin:1px 4px 1px 0;font-size:12px}.empty{color:#5d6b79;font-style:italic}
code{font-size:12px}
"""


def _table(headers, rows, numeric=()):
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
                         for i, cell in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render(data):
    """The report as one HTML document."""
    m, c = data["manifest"], data["manifest"]["counts"]
    cards = [("feeds polled", c["feeds"]), ("entries", c["entries"]),
             ("articles", c["articles"]), ("rejected", c["rejects"]),
             ("skipped", c["skipped"]), ("copy groups", c["copy_groups"]),
             ("stories (2+)", c["stories"])]
    cards += [(label, c[key]) for key, label in (
        ("copies_of_earlier_articles", "copies of earlier articles"),
        ("joined_earlier_stories", "joined earlier stories")) if c.get(key)]
    kept = data.get("pages_kept") or {}
    if kept.get("warc_files"):
        cards.append((f"pages kept ({kept['bytes'] / 2**20:.1f} MB of WARC)", kept["records"]))
    balanced = ('<span class="ok">balanced</span>' if data["balanced"]
                else '<span class="bad">NOT balanced</span>')
    health_rows = [
        (f"<code>{_e(h['feed'])}</code>",
         _e(h["status"]) if h["status"] in HEALTHY else f'<span class="bad">{_e(h["status"])}</span>',
         h["entries"], h["new"], h["articles"], h["rejected"],
         _e(readable(h["last_new"]) if h["last_new"] else "never"),
         "".join(f'<span class="flag">{_e(f)}</span>' for f in h["flags"]))
        for h in data["feed_health"]]
    story_rows = [(s["size"], s["distinct_texts"], _e(s["headline"]),
                   _e(", ".join(s["sources"]))) for s in data["stories"]]
    reject_rows = [(f"<code>{_e(feed or '')}</code>", _e(reason), n)
                   for feed, reason, n in data["rejects_by_feed"][:40]]
    found_rows = [(f"<code>{_e(url)}</code>", _e(d["kind"].replace("_", " ")),
                   "<br>".join(f"<code>{_e(f)}</code>" for f in d["found"][:20])
                   + (f" and {len(d['found']) - 20} more" if len(d["found"]) > 20 else ""),
                   d["skipped_old"])
                  for url, d in sorted((c.get("discovered") or {}).items())]
    window = f" (windows: {m['windows']})" if m.get("windows") else ""
    parts = [
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>newsbeam run {_e(m['run_id'])}</title><style>{CSS}</style></head><body>",
        f"<h1>newsbeam run <code>{_e(m['run_id'])}</code></h1>",
        f'<p class="muted">started {_e(readable(m["started_at"]))}, finished '
        f'{_e(readable(m.get("finished_at")))}'
        f"{window}; newsbeam {_e(str(m.get('versions', {}).get('newsbeam')))}; accounting "
        f"{c['entries']} entries = {c['articles']} articles + {c['rejects']} rejects + "
        f"{c['skipped']} skipped: {balanced}</p>",
        '<div class="cards">' + "".join(f'<div class="card"><b>{v}</b>{_e(k)}</div>'
                                        for k, v in cards) + "</div>",
        '<div class="grid"><div><h2>Articles per source</h2>',
        hbar_svg(data["sources"], "articles per source", width=480),
        "</div><div><h2>Languages</h2>",
        hbar_svg(data["languages"], "articles per language", width=480),
        "</div></div>",
        f"<h2>Articles per hour of publication (UTC, the {HOURS} hours up to the newest)</h2>",
        column_svg(data["hours"], "articles per hour"),
        f'<p class="muted">{data["hours_earlier"]} published earlier; {data["hours_undated"]} '
        "with a day or no date only.</p>",
        '<div class="grid"><div><h2>Copy-group sizes</h2>',
        hbar_svg(data["copy_sizes"], "copy groups by size", width=480, color="#7a5cb8"),
        "</div><div><h2>Story sizes</h2>",
        hbar_svg(data["story_sizes"], "stories by size", width=480, color="#c07a1c"),
        "</div></div>",
        "<h2>Largest stories</h2>",
        _table(["articles", "texts", "headline", "sources"], story_rows, numeric=(0, 1))
        if story_rows else '<p class="empty">No story has two articles in this run.</p>',
        "<h2>Rejects by reason</h2>",
        hbar_svg(data["reject_reasons"], "rejects by reason", color="#b3261e"),
        "<h2>Rejects by feed</h2>",
        _table(["feed", "reason", "rejects"], reject_rows, numeric=(2,))
        if reject_rows else '<p class="empty">No rejects.</p>',
        *(["<h2>Discovered sources</h2>",
            '<p class="muted">What home pages, robots.txt files and sitemap indexes led to; '
            "put the feeds and sitemaps you want in the feed list to pin them.</p>",
            _table(["source", "kind", "led to", "old sitemaps skipped"], found_rows,
                   numeric=(3,))] if found_rows else []),
        "<h2>Feed health</h2>",
        _table(["feed", "status", "entries", "new", "articles", "rejected", "last new entry",
                "flags"], health_rows, numeric=(2, 3, 4, 5))
        if health_rows else '<p class="empty">No per-feed counts in this run\'s manifest.</p>',
        '<p class="muted">Made by <code>newsbeam report</code> from the run manifest, its rows '
        "and earlier runs' manifests.</p></body></html>",
    ]
    return "\n".join(parts)


def write_report(output, run_id):
    """Build and write the run's report; returns its path. Raises PublishError."""
    path = report_path(output, run_id)
    write_bytes(path, render(collect(output, run_id)).encode("utf-8"))
    return path

