"""`newsbeam report | stats | compact`: the everyday jobs around runs (`newsbeam run` is in
pipeline/main.py). Each exits 2 on a bad option, naming the flag, and 1 when it fails."""
import argparse
import json
import logging
import secrets
import sys

from apache_beam.io.filesystems import FileSystems

from dataset.compact import DEFAULT_TARGET_MB, CompactionError, compact
from dataset.layout import RUNS
from dataset.lock import OutputLock, OutputLocked
from dataset.publish import PublishError
from dataset.runs import RunNotFound, latest_run_id
from pipeline.options import suggest
from pipeline.report import write_report
from pipeline.stats import BY, dataset_stats, format_stats
from schemas.tables import TABLES


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


COMMANDS = {"report": report_command, "stats": stats_command, "compact": compact_command}
