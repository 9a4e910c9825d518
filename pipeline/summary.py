"""The end-of-run summary printed on the terminal, from the run manifest."""


def _by_reason(counts):
    if not counts:
        return "none"
    return ", ".join(f"{reason} {n}" for reason, n in sorted(counts.items(), key=lambda i: -i[1]))


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
        f"  copy groups       {c['copy_groups']} ({c['copies_in_groups']} articles)",
        f"  stories           {c['stories']} with 2+ articles ({c['articles_in_stories']} articles)",
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
