"""`newsbeam report | stats | compact | page | reprocess`: the everyday jobs around runs (`newsbeam run` is in
pipeline/main.py). Each exits 2 on a bad option, naming the flag, and 1 when it fails."""
import argparse
import io
import json
import logging
import secrets
import sys
from datetime import date

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from dataset.compact import DEFAULT_TARGET_MB, CompactionError, compact
from dataset.layout import RUNS
from dataset.lock import OutputLock, OutputLocked
from dataset.pages import PageNotFound, find_page
from dataset.publish import PublishError
from dataset.runs import RunNotFound, latest_run_id
from pipeline.options import suggest
from pipeline.report import write_report
from pipeline.reprocess import reprocess
from pipeline.stats import BY, dataset_stats, format_stats
from schemas.tables import TABLES
from transforms.web.warc import read_response


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        if message.startswith("unrecognized arguments:"):
            first = message.split(":", 1)[1].split()[0].split("=", 1)[0]
            names = [o for action in self._actions for o in action.option_strings]
            message += suggest(first, names)
        print(f"newsbeam {self.prog.split()[-1]}: {message}", file=sys.stderr)
        sys.exit(2)


def _parser(command, description):
    parser = _Parser(prog=f"newsbeam {command}", description=description, allow_abbrev=False)
    parser.add_argument("--output", required=True, help="Dataset root (local path or URI).")
    parser.add_argument("--log_level", default="WARNING", help="Python log level.")
    return parser


def _csv(allowed):
    def parse(value):
        items = [v.strip() for v in value.split(",") if v.strip()]
        unknown = [v for v in items if v not in allowed]
        if unknown or not items:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(unknown) or 'empty list'}; choose from {', '.join(allowed)}")
        return items
    return parse


def _fail(command, exc, code=1):
    print(f"newsbeam {command}: {exc}", file=sys.stderr)
    sys.exit(code)


def _dataset(command, output):
    """The output folder, refused (exit 2) unless a newsbeam run has written to it."""
    output = output.rstrip("/")
    try:
        is_dataset = FileSystems.exists(FileSystems.join(output, RUNS))
    except Exception as exc:  # noqa: BLE001 - every filesystem raises its own kinds
        _fail(command, f"--output: cannot read {output}: {exc}", 2)
    if not is_dataset:
        _fail(command, f"--output: {output} is not a newsbeam dataset (no {RUNS}/ folder); "
              "point it at the --output of a run", 2)
    return output


def report_command(argv):
    parser = _parser("report", "Rebuild a run's HTML report, _runs/<run_id>.html.")
    parser.add_argument("--run", default="latest", help="Run id (default: the latest run).")
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(args.log_level.upper())
    output = _dataset("report", args.output)
    try:
        run_id = latest_run_id(output) if args.run == "latest" else args.run
        print(write_report(output, run_id))
    except RunNotFound as exc:
        _fail("report", f"--run: {exc}", 2)
    except (PublishError, OSError) as exc:
        _fail("report", exc)


def stats_command(argv):
    parser = _parser("stats", "What the dataset holds: rows per date, source and language.")
    parser.add_argument("--by", type=_csv(BY), default=list(BY),
                        help="Breakdowns, comma-separated (default date,source,language).")
    parser.add_argument("--limit", type=int, default=20, help="Rows per breakdown (default 20).")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(args.log_level.upper())
    output = _dataset("stats", args.output)
    try:
        stats = dataset_stats(output, args.by)
    except OSError as exc:
        _fail("stats", exc)
    if args.format == "json":
        print(json.dumps(stats, indent=2, default=str))
    else:
        print(format_stats(stats, output, args.limit))


def compact_command(argv):
    parser = _parser("compact", "Merge the small files of each partition into few, "
                     "without changing any row. Run it between runs, not during one.")
    parser.add_argument("--tables", type=_csv(tuple(TABLES)),
                        default=list(TABLES),
                        help="Tables to compact (default all: " + ",".join(TABLES) + ").")
    parser.add_argument("--target_file_mb", type=int, default=DEFAULT_TARGET_MB,
                        help=f"Size of the files written (default {DEFAULT_TARGET_MB}); files "
                        "over half of it are left as they are.")
    parser.add_argument("--dry_run", action="store_true",
                        help="List the partitions that would be compacted; change nothing.")
    args = parser.parse_args(argv)
    if args.target_file_mb < 1:
        parser.error("--target_file_mb must be at least 1")
    logging.getLogger().setLevel(args.log_level.upper())
    output = _dataset("compact", args.output)
    try:
        if args.dry_run:
            manifest = compact(output, args.tables, args.target_file_mb, dry_run=True)
        else:
            with OutputLock(output, f"compact {secrets.token_hex(3)}"):
                manifest = compact(output, args.tables, args.target_file_mb)
    except OutputLocked as exc:
        _fail("compact", f"--output {output} is {exc}; nothing was compacted", 3)
    except (CompactionError, PublishError, OSError) as exc:
        _fail("compact", exc)
    if args.dry_run:
        print(f"newsbeam compact: would compact {len(manifest['partitions'])} partitions "
              f"({manifest['files_before']} files)")
    else:
        print(f"newsbeam compact: compacted {len(manifest['partitions'])} partitions, "
              f"{manifest['files_before']} files -> {manifest['files_after']}")
    for entry in manifest["partitions"]:
        where = "/".join(p for p in (entry["table"], entry["partition"]) if p)
        if args.dry_run:
            print(f"  {where}: {entry['files_before']} files")
        else:
            print(f"  {where}: {entry['files_before']} -> {entry['files_after']} files"
                  + (f", {entry['rows']} rows" if "rows" in entry else ""))


def page_command(argv):
    parser = _parser("page", "An article's page as it was fetched (runs with --keep_pages): "
                     "its body, decoded, on stdout, or saved.")
    parser.add_argument("article_id", help="The article's article_id.")
    parser.add_argument("--save", metavar="FILE",
                        help="Write the body to FILE instead of printing it.")
    parser.add_argument("--raw", action="store_true",
                        help="The body exactly as received (still content-encoded, e.g. "
                        "gzip), not decoded.")
    parser.add_argument("--headers", action="store_true",
                        help="Print the status line and response headers first (to stderr "
                        "with --save).")
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(args.log_level.upper())
    output = _dataset("page", args.output)
    try:
        article, member = find_page(output, args.article_id)
        page = read_response(io.BytesIO(member), 0)
    except PageNotFound as exc:
        _fail("page", exc)
    except (OSError, ValueError) as exc:
        _fail("page", f"cannot read the page of {args.article_id}: {exc}")
    body = page.payload if args.raw else page.body
    if args.headers:
        lines = [f"{page.status} {page.url} (fetched {page.date})"] + \
            [f"{name}: {value}" for name, value in page.headers]
        print("\n".join(lines) + "\n", file=sys.stderr if args.save else sys.stdout,
              flush=True)
    if args.save:
        with open(args.save, "wb") as fh:
            fh.write(body)
        print(f"newsbeam page: {len(body)} bytes of {page.url} written to {args.save}",
              file=sys.stderr)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()


def _day(value):
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def reprocess_command(argv):
    parser = _parser("reprocess", "Re-extract and re-normalise the pages runs kept "
                     "(--keep_pages) with the current code, and rewrite the article rows "
                     "that change. Beam's options (--runner, --direct_num_workers, ...) pass "
                     "through.")
    parser.add_argument("--since", type=_day, help="Pages fetched on or after this day (UTC).")
    parser.add_argument("--until", type=_day, help="Pages fetched on or before this day (UTC).")
    args, beam_args = parser.parse_known_args(argv)
    if args.since and args.until and args.since > args.until:
        parser.error(f"--since {args.since} is after --until {args.until}")
    logging.getLogger().setLevel(args.log_level.upper())
    output = _dataset("reprocess", args.output)
    options = PipelineOptions(beam_args)
    if not options.view_as(StandardOptions).runner:
        options.view_as(StandardOptions).runner = "FnApiRunner"
    try:
        with OutputLock(output, f"reprocess {secrets.token_hex(3)}"):
            manifest = reprocess(output, args.since, args.until, options)
    except OutputLocked as exc:
        _fail("reprocess", f"--output {output} is {exc}; nothing was reprocessed", 3)
    except (PublishError, OSError) as exc:
        _fail("reprocess", exc)
    columns = ", ".join(f"{c} {n}" for c, n in sorted(manifest["changed_by_column"].items(),
                                                      key=lambda i: (-i[1], i[0])))
    rejected = sum(manifest["rejected_by_reason"].values())
    print(f"newsbeam reprocess: {manifest['pages']} kept pages, {manifest['rows_changed']} rows "
          f"changed" + (f" ({columns})" if columns else "") + f", {manifest['unchanged']} "
          f"unchanged, {rejected} rejected by the current code (rows kept as they were); "
          f"{manifest['files_replaced']} files rewritten")


COMMANDS = {"report": report_command, "stats": stats_command, "compact": compact_command,
            "page": page_command, "reprocess": reprocess_command}
