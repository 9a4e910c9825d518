"""The end-of-run summary printed on the terminal, from the run manifest."""


def _by_reason(counts):
    if not counts:
        return "none"
    return ", ".join(f"{reason} {n}" for reason, n in sorted(counts.items(), key=lambda i: -i[1]))


def _earlier(counts, key, what):
    """'; 3 copies of earlier articles': what this run added to earlier runs' groups."""
    n = counts.get(key, 0)
    return f"; {n} {what}" if n else ""


def _hosts(slowed, most=5):
    """'a.example 429, b.example crawl-delay 5s, ...' for the summary line."""
    shown = []
    for host, report in sorted(slowed.items())[:most]:
        why = ", ".join(r.replace("http_", "") for r in report["slowed"]) or "failing"
        shown.append(f"{host} {why}, {report['delay']:g}s apart")
    return "; ".join(shown) + (f"; {len(slowed) - most} more" if len(slowed) > most else "")


def format_summary(manifest, output, elapsed_seconds, report=None):
    c = manifest["counts"]
    balanced = "balanced" if c["accounting_balanced"] else "NOT BALANCED: please report this"
    lines = [
        f"newsbeam run {manifest['run_id']} finished in {elapsed_seconds:.1f}s",
        f"  feeds polled      {c['feeds']} ({c['feeds_not_modified']} not modified, "
        f"{c['feeds_failed']} failed: {_by_reason(c['feed_rejects_by_reason'])})",
        f"  entries found     {c['entries']}",
        f"  articles written  {c['articles']}",
        f"  rejected          {c['rejects']} ({_by_reason(c['rejects_by_reason'])})",
        f"  skipped           {c['skipped']} ({_by_reason(c['skipped_by_reason'])})",
        f"  accounting        {c['entries']} entries = {c['articles']} articles + "
        f"{c['rejects']} rejects + {c['skipped']} skipped ({balanced})",
        f"  copy groups       {c['copy_groups']} ({c['copies_in_groups']} articles)"
        + _earlier(c, "copies_of_earlier_articles", "copies of earlier articles"),
        f"  stories           {c['stories']} with 2+ articles ({c['articles_in_stories']} articles)"
        + _earlier(c, "joined_earlier_stories", "joined earlier stories"),
    ]
    discovered = c.get("discovered") or {}
    if discovered:
        leaves = {u for d in discovered.values() for u in d["found"]} - set(discovered)
        lines.append(f"  discovered        {len(leaves)} feeds and sitemaps from "
                     f"{len(discovered)} home pages, robots.txt files and indexes "
                     "(the manifest's `discovered`: pin them in --feeds)")
    slowed = c.get("hosts_slowed") or {}
    if slowed:
        backed_off = sorted(h for h, r in slowed.items() if r["backed_off"])
        lines.append(f"  hosts slowed      {len(slowed)} ({_hosts(slowed)})"
                     + (f"; given up on: {', '.join(backed_off)}" if backed_off else ""))
    lines += [
        f"  output            {output}",
        f"  manifest          {output}/_runs/{manifest['run_id']}"
        + (f"-w*.json ({manifest['windows']} windows)" if manifest.get("windows") else ".json"),
    ]
    if report:
        lines.append(f"  report            {report}")
    if c["articles"] == 0 and c["rejects"] == 0 and c["feeds_failed"] == 0:
        lines.append("  nothing new: feeds unchanged or every entry already in the dataset")
    lines.append("  look at it        python -c \"import duckdb; duckdb.sql(\\\"SELECT date, source, "
                 f"title FROM read_parquet('{output}/articles/*/*.parquet', "
                 "hive_partitioning=true) ORDER BY published_at DESC LIMIT 20\\\").show()\"")
    return "\n".join(lines)
