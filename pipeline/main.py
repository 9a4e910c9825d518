"""Command line: `newsbeam --feeds FEEDS --output OUT [Beam options]` or `python -m pipeline`."""
import argparse
import difflib
import json
import logging
import multiprocessing
import os
import platform
import secrets
import signal
import subprocess
import sys
import threading
import time
import traceback
from contextlib import ExitStack, contextmanager, nullcontext
from datetime import datetime, timedelta, timezone
from importlib import metadata

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import (DirectOptions, PipelineOptions,
                                                  StandardOptions, WorkerOptions)

from dataset.layout import staging_dir
from dataset.lock import OutputLock, OutputLocked, describe
from dataset.publish import PublishError, recover
from dataset.runs import RunNotFound, read_manifest
from pipeline.graph import RunConfig, build
from pipeline.options import (NewsbeamOptions, OptionsError, check_known, extraction_processes,
                              fetch_policy, is_local, normalise_argv, validate)
from pipeline.commands import COMMANDS
from pipeline.progress import StatusLine
from pipeline.report import write_report
from pipeline.summary import format_summary

# Prism (DirectRunner's first choice) downloads a binary; the FnApiRunner runs in-process,
# supports --direct_num_workers/--direct_running_mode, and needs no network.
DEFAULT_RUNNER = "FnApiRunner"
_VERSIONED = ("apache-beam", "trafilatura", "feedparser", "langdetect", "pyarrow")


def new_run_id(now=None):
    """Sortable and unique: UTC start time plus 6 random hex digits."""
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def _versions():
    found = {"python": platform.python_version()}
    for name in ("newsbeam",) + _VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def prepare(argv, progress="", lock=None):
    """Parse and validate options, take the output's lock, recover dead runs, and build the
    run's configuration.

    progress: the address of a StatusLine to feed (local runs on a terminal). lock: an
    ExitStack that holds the output's lock until the run ends (None: no lock, for a job that
    is submitted and not waited for).
    """
    argv = normalise_argv(list(argv))
    check_known(argv)
    options = PipelineOptions(argv)
    standard = options.view_as(StandardOptions)
    if not standard.runner:
        standard.runner = DEFAULT_RUNNER
    opts = options.view_as(NewsbeamOptions)
    feeds = validate(options)
    level = log_level(opts)
    logging.getLogger().setLevel(level)
    harness = options.view_as(WorkerOptions)
    if not harness.default_sdk_harness_log_level:
        harness.default_sdk_harness_log_level = level  # worker processes too
    output = opts.output.rstrip("/")
    run_id = new_run_id()
    if lock is not None:
        held = lock.enter_context(OutputLock(output, f"run {run_id}"))
        if held.took_over:
            logging.warning("took over the lock of %s, which is gone", describe(held.took_over))
    finished, discarded = recover(output)
    for unit in finished:
        logging.warning("finished publishing run %s, which had stopped mid-publish", unit)
    for dead in discarded:
        logging.warning("discarded the unpublished staging files of dead run %s", dead)
    staging = staging_dir(output, run_id)
    # A file, not just a folder: it proves the output is writable before anything is fetched,
    # and a run killed from here on leaves something the next run's recovery finds (object
    # stores have no folders, and Beam's match lists files only).
    marker = FileSystems.join(staging, "_STARTED")
    try:
        with FileSystems.create(marker) as fh:
            fh.write(json.dumps({"run_id": run_id}).encode())
    except Exception as exc:  # noqa: BLE001 - every filesystem raises its own kinds
        raise PublishError(f"cannot write to {output}: {exc}") from exc
    run_info = {"run_id": run_id, "started_at": datetime.now(timezone.utc).isoformat(),
                "options": options.get_all_options(drop_default=True, retain_unknown_options=True),
                "versions": _versions(), "feeds": [f.url for f in feeds],
                "recovered_runs": finished}
    cfg = RunConfig(run_id=run_id, output=output, staging=staging, feeds=tuple(feeds),
                    policy=fetch_policy(opts), fetch_threads=opts.fetch_threads,
                    shards=opts.shards, language_detector=opts.language_detector,
                    extract_timeout=opts.extract_timeout,
                    extract_processes=extraction_processes(
                        opts.extract_processes, standard.runner,
                        options.view_as(DirectOptions).direct_num_workers),
                    same_site_links=opts.same_site_links,
                    recent=timedelta(days=opts.recent_days),
                    spread_pages=not is_local(standard.runner),
                    fast_extraction=opts.fast_extraction,
                    semantic_stories=opts.semantic_stories,
                    run_info=run_info, streaming=bool(standard.streaming), feeds_path=opts.feeds,
                    poll_interval=opts.poll_interval, window=opts.window,
                    run_duration=opts.run_duration, state_ttl=opts.state_ttl,
                    progress=progress)
    return options, cfg


def log_level(opts):
    """The Python log level of the run, its workers included: --quiet shows errors only."""
    return "ERROR" if opts.quiet else opts.log_level.upper()


def local_runner(options):
    """The FnApiRunner, telling its worker processes their log level. On its own it gives
    them no pipeline options at all, so with --direct_running_mode=multi_processing they log
    at INFO (and warn about their own start-up) whatever --log_level says."""
    if options.view_as(StandardOptions).runner.split(".")[-1] != DEFAULT_RUNNER:
        return None
    from apache_beam.portability.api import beam_provision_api_pb2
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner
    from apache_beam.runners.portability.fn_api_runner.fn_runner import ExtendedProvisionInfo
    from google.protobuf import struct_pb2
    level = options.view_as(WorkerOptions).default_sdk_harness_log_level
    harness = struct_pb2.Struct()
    harness.update({
        "default_sdk_harness_log_level": level,
        # Beam's own loggers and ours at the run's level; the root logger, where only Beam's
        # import-time notices land in a worker (apitools missing), and the harness's start-up
        # notices (no staged main session) show errors only
        "sdk_harness_log_level_overrides": {
            "root": "ERROR" if level in ("WARNING", "ERROR", "CRITICAL") else level,
            "__main__": "ERROR", "apache_beam": level, "transforms": level, "dataset": level,
            "schemas": level, "pipeline": level}})
    return FnApiRunner(provision_info=ExtendedProvisionInfo(
        beam_provision_api_pb2.ProvisionInfo(retrieval_token="unused-retrieval-token",
                                             pipeline_options=harness)))


def start(argv, progress="", lock=None):
    """Build and start the pipeline; returns (PipelineResult, RunConfig) without waiting.

    (Local runners execute the whole pipeline inside run(): their failures surface here.)
    lock: an ExitStack to hold the output's lock in (see prepare).
    """
    options, cfg = prepare(argv, progress, lock)
    p = beam.Pipeline(runner=local_runner(options), options=options)
    build(p, cfg)
    with _failures_named(cfg):
        return p.run(), cfg


def run(argv=None):
    """Start a run and return its PipelineResult without waiting (Flex Templates need this).
    It takes no lock: the job outlives this process, so run one job per output."""
    return start(sys.argv[1:] if argv is None else argv)[0]


class RunFailed(RuntimeError):
    """The run did not complete; the message names the output it was writing."""


def _root_cause(exc):
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__
    return exc


@contextmanager
def _failures_named(cfg):
    """Re-raise any failure as RunFailed naming the run and its output."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - workers' errors arrive wrapped in many kinds
        cause = _root_cause(exc)
        raise RunFailed(f"run {cfg.run_id} failed; nothing was published to {cfg.output} "
                        f"(the next run retries): {type(cause).__name__}: {cause}") from exc


def run_and_wait(argv, progress=""):
    """Run to completion under the output's lock; returns (manifest, config). Raises
    OptionsError, OutputLocked or RunFailed."""
    with ExitStack() as lock:
        result, cfg = start(argv, progress, lock)
        with _failures_named(cfg):
            state = result.wait_until_finish()
            if state != beam.runners.runner.PipelineState.DONE:
                raise RuntimeError(f"pipeline ended in state {state}")
            if cfg.streaming and FileSystems.exists(cfg.staging):
                FileSystems.delete([cfg.staging])    # each window published its own files
            try:
                return read_manifest(cfg.output, cfg.run_id), cfg
            except RunNotFound as exc:
                raise RunFailed(str(exc)) from exc


def _stop_on_signals():
    """An Event set by the first SIGINT or SIGTERM: the current run finishes, no new one starts."""
    stop = threading.Event()

    def handler(signum, _frame):
        if not stop.is_set():
            print(f"newsbeam: {signal.Signals(signum).name}: finishing the current run, then "
                  "stopping", file=sys.stderr, flush=True)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stop


def without_every(argv):
    """argv for one run of a loop: --every and its value removed."""
    argv = normalise_argv(list(argv))
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--every":
            skip = True
        elif not arg.startswith("--every="):
            out.append(arg)
    return out


def loop(argv, every):
    """Run once every `every` seconds, each run in a child process, until SIGINT/SIGTERM.

    A child per run gives all its memory back when it ends (a long-lived process running
    pipeline after pipeline grew by about 12 MB a minute in the soak test). The child has its
    own session, so Ctrl-C reaches only this loop, which lets the current run finish.
    """
    stop = _stop_on_signals()
    command = [sys.executable, "-m", "pipeline", *without_every(argv)]
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command, start_new_session=True)
        code = child.wait()
        if code == 2:
            sys.exit(2)   # bad options or feed list: every run would fail the same way
        # 3: another run holds the output; it said so, and the next turn tries again
        if stop.wait(max(0.0, every - (time.monotonic() - started))):
            return


def _status_line(argv, opts):
    """A StatusLine for a local run on a terminal, else a context giving None."""
    runner = PipelineOptions(argv).view_as(StandardOptions).runner or DEFAULT_RUNNER
    if opts.quiet or not sys.stderr.isatty() or not is_local(runner):
        return nullcontext()
    return StatusLine()


INTERRUPTED = threading.Event()
EXIT_LOCKED = 3


def _interrupt(_signum, _frame):
    """Ctrl-C: noted (Beam may report it as a failure of its own), the log silenced (Beam logs
    the interrupted step with its traceback), then raised as usual: one line tells the rest."""
    INTERRUPTED.set()
    logging.disable(logging.CRITICAL)
    raise KeyboardInterrupt


def _fail(message, code):
    print(f"newsbeam: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def interrupted_message(run_id=None):
    what = f"run {run_id}" if run_id else "the run"
    return (f"interrupted: {what} published nothing; the next run on this output finishes or "
            "discards what it left")


def run_command(argv):
    """`newsbeam [run] ...`: one run (or a loop with --every). Exit 0 when it published, 1 when
    it failed or no feed could be read, 2 on bad options, 3 when another run holds the output,
    130 on Ctrl-C."""
    if "-h" in argv or "--help" in argv:
        return print_run_help()
    argv = normalise_argv(list(argv))
    try:
        check_known(argv)
    except OptionsError as exc:
        _fail(exc, 2)
    opts = PipelineOptions(argv).view_as(NewsbeamOptions)
    if opts.every:
        return loop(argv, opts.every)
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:   # started ignoring it: keep so
        signal.signal(signal.SIGINT, _interrupt)
    started = time.monotonic()
    try:
        with _status_line(argv, opts) as status:
            manifest, cfg = run_and_wait(argv, status.address if status else "")
    except OptionsError as exc:
        _fail(exc, 2)
    except OutputLocked as exc:
        _fail(f"--output {opts.output} is {exc}; this run changed nothing. Run again when it "
              "has finished (a lock whose holder is gone is taken over)", EXIT_LOCKED)
    except KeyboardInterrupt:
        _fail(interrupted_message(), 130)
    except (RunFailed, PublishError, OSError) as exc:
        if INTERRUPTED.is_set():
            _fail(interrupted_message(), 130)
        _fail(exc, 1)
    try:
        report = None if opts.no_report else write_report(cfg.output, cfg.run_id)
    except OSError as exc:       # PublishError and unreadable files included
        print(f"newsbeam: run {cfg.run_id} was published, but its report could not be written "
              f"(`newsbeam report --output {cfg.output} --run {cfg.run_id}` retries): {exc}",
              file=sys.stderr)
        sys.exit(1)
    if not opts.quiet:
        print(format_summary(manifest, cfg.output, time.monotonic() - started, report),
              flush=True)
    unread = no_feed_read(manifest["counts"])
    if unread:
        _fail(unread, 1)


def print_run_help():
    parser = argparse.ArgumentParser(
        prog="newsbeam run", description="Poll the feeds, fetch and extract the articles, group "
        "copies and stories, and publish Parquet under --output.",
        epilog="Any Beam pipeline option may follow (--runner, --direct_num_workers, "
        "--streaming, --project, ...); the runner defaults to FnApiRunner.")
    NewsbeamOptions._add_argparse_args(parser)  # noqa: SLF001 - Beam's own hook
    parser.print_help()


USAGE = """\
usage: newsbeam [run] --feeds FEEDS --output OUT [options]  poll, fetch, extract, publish
       newsbeam report --output OUT [--run RUN_ID]          (re)build a run's HTML report
       newsbeam stats --output OUT [--by date,source,...]   what the dataset holds
       newsbeam compact --output OUT [--tables ...]         merge small files, rows unchanged

`newsbeam run` is the default command; `newsbeam COMMAND --help` lists a command's options.
"""


# What to do when no feed could be read, by the reason the feeds failed.
FEED_FIXES = {
    "private_address": "the feeds are on loopback or private addresses: pass "
                       "--allow_private_hosts, or --allow_networks CIDR for an internal server",
    "connection_error": "the feeds' hosts refused or could not be reached: check the URLs, "
                        "DNS and the network",
    "timeout": "the feeds' hosts did not answer in time (--connect_timeout, --read_timeout)",
    "feed_http_error": "the feed URLs answer with HTTP errors: check them in a browser",
    "not_a_feed": "the URLs do not give RSS, Atom, RDF or JSON Feed: point --feeds at the feeds themselves",
    "host_backed_off": "the feeds' hosts kept failing",
}


def no_feed_read(counts):
    """The message for a run in which every feed failed (None when one was read)."""
    if not counts["feeds"] or counts["feeds_failed"] < counts["feeds"]:
        return None
    reasons = counts["feed_rejects_by_reason"]
    fixes = [FEED_FIXES[r] for r in sorted(reasons, key=lambda r: -reasons[r]) if r in FEED_FIXES]
    return ("no feed could be read (" + ", ".join(f"{r} {n}" for r, n in reasons.items()) + ")"
            + (": " + "; ".join(fixes) if fixes else ""))


def main(argv=None):
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print(USAGE, end="", file=sys.stderr)
        sys.exit(2)
    if argv[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return
    if argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    if argv[0] == "run":
        return run_command(argv[1:])
    if not argv[0].startswith("-"):
        close = difflib.get_close_matches(argv[0], [*COMMANDS, "run"], n=1, cutoff=0.6)
        _fail(f"unknown command {argv[0]!r}" + (f"; did you mean {close[0]!r}?" if close else "")
              + "\n" + USAGE, 2)
    return run_command(argv)


def exit_after(entry, argv=None):
    """Run a console entry point, then leave without tearing the interpreter down.

    pyarrow's native thread pools can abort the process at teardown after all the work is
    done ("terminate called without an active exception", exit -6: apache/arrow#34314); we saw
    it on a loaded machine after runs that had published. By now every file is written and
    published, so output is flushed and the process exits with the command's own status.
    """
    try:
        entry(argv)
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt:
        print("newsbeam: interrupted", file=sys.stderr)
        code = 130
    except BrokenPipeError:
        code = 0                 # `newsbeam stats | head`: the reader has all it wanted
    except BaseException:  # noqa: BLE001 - printed as Python would, then the same exit
        traceback.print_exc()
        code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):
            pass
    _reap_children()
    os._exit(code)


def _reap_children():
    """Wait for the helper processes multiprocessing started (its resource tracker among
    them), so that none outlives the command in its process group."""
    for child in multiprocessing.active_children():
        child.join(timeout=2)
    try:
        from multiprocessing import resource_tracker
        resource_tracker._resource_tracker._stop()  # noqa: SLF001 - closes and waits for it
    except Exception:  # noqa: BLE001 - none was started, or it is gone already
        pass


def cli():
    exit_after(main)
