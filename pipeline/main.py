"""Command line: `newsbeam --feeds FEEDS --output OUT [Beam options]` or `python -m pipeline`."""
import json
import logging
import platform
import secrets
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import (PipelineOptions, WorkerOptions,
                                                  StandardOptions)

from pipeline.graph import RunConfig, build
from pipeline.options import NewsbeamOptions, OptionsError, fetch_policy, normalise_argv, validate
from pipeline.summary import format_summary
from transforms.publish import RUNS, PublishError, recover, staging_dir

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


def prepare(argv):
    """Parse and validate options, recover dead runs, and build the run's configuration."""
    argv = normalise_argv(list(argv))
    options = PipelineOptions(argv)
    standard = options.view_as(StandardOptions)
    if not standard.runner:
        standard.runner = DEFAULT_RUNNER
    opts = options.view_as(NewsbeamOptions)
    feeds = validate(options)
    logging.getLogger().setLevel(opts.log_level.upper())
    harness = options.view_as(WorkerOptions)
    if not harness.default_sdk_harness_log_level:
        harness.default_sdk_harness_log_level = opts.log_level.upper()  # worker processes too
    output = opts.output.rstrip("/")
    finished, discarded = recover(output)
    for run_id in finished:
        logging.warning("finished publishing run %s, which had stopped mid-publish", run_id)
    for run_id in discarded:
        logging.warning("discarded the unpublished staging files of dead run %s", run_id)
    run_id = new_run_id()
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
                    extract_timeout=opts.extract_timeout, same_site_links=opts.same_site_links,
                    run_info=run_info, streaming=bool(standard.streaming), feeds_path=opts.feeds,
                    poll_interval=opts.poll_interval, window=opts.window,
                    run_duration=opts.run_duration, state_ttl=opts.state_ttl)
    return options, cfg


def start(argv):
    """Build and start the pipeline; returns (PipelineResult, RunConfig) without waiting.

    (Local runners execute the whole pipeline inside run(): their failures surface here.)
    """
    options, cfg = prepare(argv)
    p = beam.Pipeline(options=options)
    build(p, cfg)
    with _failures_named(cfg):
        return p.run(), cfg


def run(argv=None):
    """Start a run and return its PipelineResult without waiting (Flex Templates need this)."""
    return start(sys.argv[1:] if argv is None else argv)[0]


def read_manifest(output, run_id):
    """The run's manifest; for a streaming run, one adding up the manifests of its windows."""
    paths = [m.path for m in FileSystems.match(
        [FileSystems.join(output, RUNS, f"{run_id}*.json")])[0].metadata_list]
    manifests = []
    for path in sorted(paths):
        with FileSystems.open(path) as fh:
            manifests.append(json.loads(fh.read()))
    if not manifests:
        raise RunFailed(f"run {run_id} wrote no manifest under {output}/{RUNS}")
    if len(manifests) == 1:
        return manifests[0]
    totals = {}
    for manifest in manifests:
        for key, value in manifest["counts"].items():
            if isinstance(value, dict):
                section = totals.setdefault(key, {})
                for reason, n in value.items():
                    section[reason] = section.get(reason, 0) + n
            elif isinstance(value, bool):
                totals[key] = totals.get(key, True) and value
            else:
                totals[key] = totals.get(key, 0) + value
    return {**manifests[0], "counts": totals, "windows": len(manifests)}


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


def run_and_wait(argv):
    """Run to completion; returns (manifest, config). Raises OptionsError or RunFailed."""
    result, cfg = start(argv)
    with _failures_named(cfg):
        state = result.wait_until_finish()
        if state != beam.runners.runner.PipelineState.DONE:
            raise RuntimeError(f"pipeline ended in state {state}")
        return read_manifest(cfg.output, cfg.run_id), cfg


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
        if stop.wait(max(0.0, every - (time.monotonic() - started))):
            return


def main(argv=None):
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    argv = sys.argv[1:] if argv is None else argv
    every = PipelineOptions(normalise_argv(list(argv))).view_as(NewsbeamOptions).every
    if every:
        return loop(argv, every)
    started = time.monotonic()
    try:
        manifest, cfg = run_and_wait(argv)
    except OptionsError as exc:
        print(f"newsbeam: {exc}", file=sys.stderr)
        sys.exit(2)
    except (RunFailed, PublishError, OSError) as exc:
        print(f"newsbeam: {exc}", file=sys.stderr)
        sys.exit(1)
    print(format_summary(manifest, cfg.output, time.monotonic() - started), flush=True)
