"""`newsbeam stats`: what the dataset holds, without a query engine.

Reads only the few columns it counts (Parquet column projection), on any Beam filesystem.
"""
from collections import Counter

import pyarrow.compute as pc

from dataset.layout import table_files
from dataset.pages import warc_files
from dataset.parquet import read_table
from dataset.runs import run_ids
from schemas.tables import TABLES

BY = ("date", "source", "language")
SMALL_FILES = 8     # files per partition past which `compact` is suggested


def file_summary(listing):
    """{table: {"files", "partitions", "bytes"}} from {table: table_files(...)}."""
    out = {}
    for table, groups in listing.items():
        metas = [m for group in groups.values() for m in group]
        out[table] = {"files": len(metas), "partitions": len(groups),
                      "bytes": sum(m.size_in_bytes for m in metas)}
    return out


def dataset_stats(output, by=BY):
    """Counts of articles (rows, distinct texts, stories) overall and per `by` column."""
    listing = {table: table_files(output, table) for table in TABLES}   # listed once

    def paths(table):
        return [m.path for group in listing[table].values() for m in group]

    data = read_table(paths("articles"), ["article_id", "dup_id", "story_id", "source",
                                          "language"], partition_column="date")
    rejects = read_table(paths("rejects"), ["reason"])
    warcs = warc_files(output)
    pages = read_table(paths("pages"), ["kind"])
    stats = {"files": file_summary(listing), "runs": len(run_ids(output)),
             "pages": {"warc_files": len(warcs), "bytes": sum(m.size_in_bytes for m in warcs),
                       "records": pages.num_rows if pages is not None else 0},
             "rejects": rejects.num_rows if rejects is not None else 0,
             "rejects_by_reason": dict(Counter(rejects["reason"].to_pylist()).most_common())
             if rejects is not None else {}}
    if data is None:
        stats.update(articles=0, distinct_texts=0, stories=0, dates=None,
                     by={column: [] for column in by})
        return stats
    distinct = pc.equal(data["article_id"], data["dup_id"])
    lead = pc.equal(data["article_id"], data["story_id"])
    data = data.append_column("distinct", pc.cast(distinct, "int64")) \
               .append_column("lead", pc.cast(lead, "int64"))
    dates = data["date"]
    stats.update(articles=data.num_rows, distinct_texts=pc.sum(data["distinct"]).as_py(),
                 stories=pc.sum(data["lead"]).as_py(),
                 dates=[pc.min(dates).as_py(), pc.max(dates).as_py()])
    stats["by"] = {}
    for column in by:
        grouped = data.group_by(column, use_threads=False).aggregate(
            [("article_id", "count"), ("distinct", "sum"), ("lead", "sum")])
        rows = [{column: r[column], "articles": r["article_id_count"],
                 "distinct_texts": r["distinct_sum"], "stories": r["lead_sum"]}
                for r in grouped.to_pylist()]
        if column == "date":
            rows.sort(key=lambda r: r["date"] or "", reverse=True)
        else:
            rows.sort(key=lambda r: (-r["articles"], str(r[column])))
        stats["by"][column] = rows
    return stats


def _size(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def format_stats(stats, output, limit=20):
    """The stats as text for a terminal."""
    lines = [f"dataset {output} (runs: {stats['runs']})"]
    if stats["dates"]:
        lines.append(f"  articles  {stats['articles']} rows, {stats['distinct_texts']} distinct "
                     f"texts, {stats['stories']} stories, dates {stats['dates'][0]} .. "
                     f"{stats['dates'][1]}")
    else:
        lines.append("  articles  none yet")
    reasons = ", ".join(f"{k} {v}" for k, v in list(stats["rejects_by_reason"].items())[:8])
    lines.append(f"  rejects   {stats['rejects']} rows" + (f" ({reasons})" if reasons else ""))
    kept = stats["pages"]
    if kept["warc_files"]:
        lines.append(f"  pages     {kept['records']} responses kept in {kept['warc_files']} WARC "
                     f"files, {_size(kept['bytes'])}")
    lines.append("  files")
    crowded = []
    for table, f in stats["files"].items():
        per = f["files"] / f["partitions"] if f["partitions"] else 0
        lines.append(f"    {table:<11}{f['files']:>7} files in {f['partitions']:>5} partitions "
                     f"({per:.1f} per partition), {_size(f['bytes'])}")
        if per > SMALL_FILES:
            crowded.append(table)
    if crowded:
        lines.append(f"  hint      {', '.join(crowded)}: many small files per partition; "
                     f"`newsbeam compact --output {output}` merges them")
    for column, rows in stats.get("by", {}).items():
        lines.append(f"  by {column}" + (f" (first {limit} of {len(rows)})"
                                         if len(rows) > limit else ""))
        width = max([len(str(r[column])) for r in rows[:limit]] + [len(column)])
        lines.append(f"    {column:<{width}}  {'articles':>8}  {'texts':>8}  {'stories':>8}")
        for r in rows[:limit]:
            lines.append(f"    {str(r[column]):<{width}}  {r['articles']:>8}  "
                         f"{r['distinct_texts']:>8}  {r['stories']:>8}")
    return "\n".join(lines)
