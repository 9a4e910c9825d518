"""newsbeam's own options, next to Beam's, validated before anything starts."""
import difflib
import ipaddress
import os

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import (PipelineOptions, StandardOptions,
                                                  _BeamArgumentParser)

from transforms.content.feedlist import FeedListError, read_feed_list
from transforms.dedup.semantic import missing_extra
from transforms.web.http import DEFAULT_USER_AGENT, FetchPolicy


# Runners that execute on this machine (the status line and extraction children size to it).
LOCAL_RUNNERS = ("FnApiRunner", "DirectRunner", "BundleBasedDirectRunner",
                 "SwitchingDirectRunner")


def is_local(runner):
    return runner.split(".")[-1] in LOCAL_RUNNERS


class OptionsError(ValueError):
    """A bad option: the message names the flag."""


class NewsbeamOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        parser.add_argument("--feeds", help="Feed list: local path or URI; plain text (URL and "
                            "optional source name per line, # comments) or OPML.")
        parser.add_argument("--output", help="Dataset root: local path or a Beam filesystem URI.")
        parser.add_argument("--allow_private_hosts", action="store_true", default=False,
                            help="Allow loopback/private/link-local addresses (off: refused as "
                            "private_address).")
        parser.add_argument("--http_user_agent", default=DEFAULT_USER_AGENT,
                            help="User-Agent for every request; name yourself and a contact URL.")
        parser.add_argument("--connect_timeout", type=float, default=5.0,
                            help="Seconds to connect (default 5).")
        parser.add_argument("--read_timeout", type=float, default=15.0,
                            help="Seconds to wait for each read (default 15).")
        parser.add_argument("--total_timeout", type=float, default=30.0,
                            help="Seconds for a whole request including the body (default 30).")
        parser.add_argument("--max_body_bytes", type=int, default=10 * 1024 * 1024,
                            help="Largest body accepted, checked while reading (default 10 MiB).")
        parser.add_argument("--max_redirects", type=int, default=5,
                            help="Redirects followed per request (default 5).")
        parser.add_argument("--retries", type=int, default=2,
                            help="Extra attempts on timeouts, connection errors, 429 and 5xx "
                            "(default 2).")
        parser.add_argument("--retry_backoff", type=float, default=0.5,
                            help="First retry wait in seconds, doubled per attempt, with jitter "
                            "(default 0.5).")
        parser.add_argument("--max_per_host", type=int, default=2,
                            help="Requests in flight per host, for the whole job (default 2).")
        parser.add_argument("--host_delay", type=float, default=0.25,
                            help="Seconds between request starts per host (default 0.25); a "
                            "longer robots.txt Crawl-delay wins, up to --max_crawl_delay.")
        parser.add_argument("--max_host_failures", type=int, default=5,
                            help="Failures in a row (timeouts, connection errors, 5xx) after "
                            "which a host's remaining entries are rejected as host_backed_off "
                            "and retried by the next run (default 5; 0: never give up).")
        parser.add_argument("--max_crawl_delay", type=float, default=30.0,
                            help="Longest robots.txt Crawl-delay honoured (default 30).")
        parser.add_argument("--ignore_robots", action="store_true", default=False,
                            help="Do not fetch or honour robots.txt (default: honoured).")
        parser.add_argument("--allow_networks", default="",
                            help="Comma-separated CIDRs allowed even though private, e.g. "
                            "10.1.0.0/16 for an internal feed server (default none).")
        parser.add_argument("--extract_timeout", type=float, default=30.0,
                            help="Seconds per page for extraction, run in a child process so "
                            "a hang or a crash in C code costs one page (extract_timeout / "
                            "extract_crash); 0 runs it in-process without protection (default 30).")
        parser.add_argument("--extract_processes", type=int, default=0,
                            help="Extraction child processes per worker; 0 (default): on the "
                            "local runners, the machine's cores shared among the workers "
                            "(one worker on two cores: two), elsewhere 1.")
        parser.add_argument("--fast_extraction", action="store_true", default=False,
                            help="trafilatura without its fallback extractors: about 30%% less "
                            "extraction CPU and the same F1 on the article-extraction benchmark, "
                            "but much less text on a few pages (2%% of those measured).")
        parser.add_argument("--semantic_stories", action="store_true", default=False,
                            help="Also link English write-ups of one event that share no "
                            "quotation, by sentence embeddings (all-MiniLM-L6-v2, on the CPU; "
                            "needs pip install 'newsbeam[semantic]'; about 35 ms an article "
                            "and 0.7 GB more memory per worker process).")
        parser.add_argument("--keep_pages", action="store_true", default=False,
                            help="Keep every page and feed response as received, in WARC files "
                            "published with the run (_pages/), indexed by the pages table; "
                            "`newsbeam page` prints an article's page.")
        parser.add_argument("--same_site_links", action="store_true", default=False,
                            help="Fetch only entry links on the feed's own registered domain; "
                            "others are rejected as offsite_link without a request.")
        parser.add_argument("--recent_days", type=float, default=3,
                            help="Sitemap entries (and sitemaps of an index) last modified or "
                            "published more than DAYS ago are skipped as too_old without a "
                            "request (default 3; news sitemaps list two days).")
        parser.add_argument("--language_detector", default="langdetect",
                            choices=["langdetect", "py3langid"],
                            help="langdetect (default) or py3langid: faster, and knows 97 "
                            "languages (benchmarks/metadata_eval.py compares them).")
        parser.add_argument("--fetch_threads", type=int, default=16,
                            help="Concurrent requests per worker (default 16).")
        parser.add_argument("--shards", type=int, default=1,
                            help="Files per date partition per run (default 1).")
        parser.add_argument("--quiet", action="store_true", default=False,
                            help="No progress line and no summary; errors still go to stderr.")
        parser.add_argument("--no_report", action="store_true", default=False,
                            help="Do not write the HTML report _runs/<run_id>.html.")
        parser.add_argument("--every", type=float, default=0,
                            help="Repeat the run every SECONDS (start to start) until Ctrl-C "
                            "or SIGTERM, which let the current run finish (default 0: once).")
        parser.add_argument("--poll_interval", type=float, default=300,
                            help="--streaming: seconds between polls of the feed list and its "
                            "feeds; the list is re-read each time (default 300).")
        parser.add_argument("--window", type=float, default=300,
                            help="--streaming: output is written per fixed window of this many "
                            "seconds (default 300).")
        parser.add_argument("--run_duration", type=float, default=0,
                            help="--streaming: stop after this many seconds (default 0: run "
                            "until cancelled or drained).")
        parser.add_argument("--state_ttl", type=float, default=3 * 24 * 3600,
                            help="--streaming: seconds a seen link, article or signature is "
                            "remembered in keyed state (default 3 days).")
        parser.add_argument("--log_level", default="WARNING",
                            help="Python log level: DEBUG, INFO, WARNING (default), ERROR.")


class _StrictParser(_BeamArgumentParser):
    def error(self, message):
        raise OptionsError(message)


def known_options():
    """A parser of every option newsbeam and Beam define (Beam's own classes, collected as Beam
    collects them), to refuse what neither knows instead of ignoring it."""
    parser = _StrictParser(allow_abbrev=False, add_help=False)
    classes = {}
    for cls in PipelineOptions.__subclasses__():
        classes.setdefault(str(cls), cls)
    for cls in classes.values():
        cls._add_argparse_args(parser)  # noqa: SLF001 - Beam's own hook
    return parser


def suggest(name, choices):
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.8)
    return f"; did you mean {close[0]}?" if close else ""


def check_known(argv):
    """Raise OptionsError naming the first option nobody defines, with the nearest one, and
    for values of the wrong type."""
    parser = known_options()
    _, unknown = parser.parse_known_args(argv)
    if not unknown:
        return
    name = unknown[0].split("=", 1)[0]
    if not name.startswith("--"):
        raise OptionsError(f"unexpected argument {unknown[0]!r}: options are --name VALUE "
                           "or --name=VALUE")
    names = [o for action in parser._actions for o in action.option_strings]  # noqa: SLF001
    raise OptionsError(f"{name}: no such option{suggest(name, names)} "
                       "(`newsbeam run --help` lists newsbeam's; Beam's pass through)")


def normalise_argv(argv):
    """Accept --dashed-names for every option by rewriting them to --underscored_names."""
    out = []
    for arg in argv:
        if arg.startswith("--") and len(arg) > 2:
            name, sep, value = arg[2:].partition("=")
            arg = "--" + name.replace("-", "_") + sep + value
        out.append(arg)
    return out


def allowed_networks(value):
    """Parse --allow_networks; raises OptionsError naming the flag."""
    networks = []
    for item in filter(None, (v.strip() for v in (value or "").split(","))):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise OptionsError(f"--allow_networks: {item!r} is not a network like 10.0.0.0/8") \
                from None
    return tuple(networks)


def fetch_policy(opts):
    return FetchPolicy(connect_timeout=opts.connect_timeout, read_timeout=opts.read_timeout,
                       total_timeout=opts.total_timeout, max_body_bytes=opts.max_body_bytes,
                       max_redirects=opts.max_redirects, retries=opts.retries,
                       backoff=opts.retry_backoff, user_agent=opts.http_user_agent,
                       allow_private_hosts=opts.allow_private_hosts,
                       allowed_networks=allowed_networks(opts.allow_networks),
                       max_per_host=opts.max_per_host, host_delay=opts.host_delay,
                       max_host_failures=opts.max_host_failures,
                       respect_robots=not opts.ignore_robots,
                       max_crawl_delay=opts.max_crawl_delay, keep_pages=opts.keep_pages)


def validate(options):
    """Check every option and read the feed list. Returns the FeedSpecs; raises OptionsError."""
    opts = options.view_as(NewsbeamOptions)
    if not opts.feeds:
        raise OptionsError("--feeds is required: a feed list file (text or OPML)")
    if not opts.output:
        raise OptionsError("--output is required: the dataset root folder or URI")
    try:
        FileSystems.get_filesystem(opts.output)
    except ValueError:
        scheme = opts.output.split("://", 1)[0]
        extra = {"gs": "gcp", "s3": "aws"}.get(scheme)
        raise OptionsError(f"--output: no filesystem for {scheme}:// is installed"
                           + (f" (pip install 'newsbeam[{extra}]')" if extra else "")) from None
    positive = {"--connect_timeout": opts.connect_timeout, "--read_timeout": opts.read_timeout,
                "--total_timeout": opts.total_timeout, "--max_body_bytes": opts.max_body_bytes,
                "--fetch_threads": opts.fetch_threads, "--shards": opts.shards,
                "--max_per_host": opts.max_per_host, "--recent_days": opts.recent_days}
    for flag, value in positive.items():
        if value is None or value <= 0:
            raise OptionsError(f"{flag} must be greater than 0 (got {value})")
    for flag, value in {"--max_redirects": opts.max_redirects, "--retries": opts.retries,
                        "--retry_backoff": opts.retry_backoff, "--host_delay": opts.host_delay,
                        "--extract_timeout": opts.extract_timeout, "--every": opts.every,
                        "--extract_processes": opts.extract_processes,
                        "--max_crawl_delay": opts.max_crawl_delay,
                        "--max_host_failures": opts.max_host_failures}.items():
        if value is None or value < 0:
            raise OptionsError(f"{flag} must be 0 or more (got {value})")
    allowed_networks(opts.allow_networks)
    missing = opts.semantic_stories and missing_extra()
    if missing:
        raise OptionsError(missing)
    if opts.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise OptionsError(f"--log_level must be DEBUG, INFO, WARNING or ERROR (got {opts.log_level})")
    if options.view_as(StandardOptions).streaming:
        for flag, value in {"--poll_interval": opts.poll_interval, "--window": opts.window,
                            "--state_ttl": opts.state_ttl}.items():
            if value <= 0:
                raise OptionsError(f"{flag} must be greater than 0 (got {value})")
        if opts.run_duration < 0:
            raise OptionsError(f"--run_duration must be 0 or more (got {opts.run_duration})")
        if opts.every:
            raise OptionsError("--every repeats batch runs; with --streaming use "
                               "--poll_interval instead")
    try:
        return read_feed_list(opts.feeds)
    except FeedListError as exc:
        raise OptionsError(f"--feeds: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - every filesystem raises its own kinds
        raise OptionsError(f"--feeds: cannot read {opts.feeds}: {exc}") from None


def extraction_processes(requested, runner, num_workers, cores=None):
    """Extraction children per worker: as asked, else (local runners) the cores left to each
    worker, so one worker alone uses the whole machine; on a cluster each worker process has
    its own core and one child."""
    if requested:
        return requested
    if not is_local(runner):
        return 1
    cores = cores or len(os.sched_getaffinity(0))
    return max(1, cores // (num_workers or cores))
