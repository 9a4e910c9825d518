"""Whole-pipeline throughput against the cost of extraction itself, on 1 and 2 workers.

    python benchmarks/throughput.py --data DIR [--articles 2000] [--outlets 4]
                                    [--workers 1 2] [--rounds 3] [--skip-bare] [--newspaper]

DIR is the `article-body` folder of the article-extraction benchmark. Its 181 pages are replicated under distinct URLs (hard links) to --articles
entries across --outlets loopback outlets (127.0.0.31, .32, ...), one feed each, served by
`pipeline.demo_server` in its own process. Prints, from one run of this script:
- bare: pages/s of a plain trafilatura `bare_extraction(html, with_metadata=True)` loop over the
  same pages, one process (text and metadata, as a user of trafilatura gets them);
- newsbeam with N workers: pages/s of the whole CLI run (feeds, fetch, extraction, language,
  metadata, copies and stories, Parquet, publish; start-up included), and peak RSS of the run's
  process tree;
- the ratios: pipeline/bare for 1 worker (target >= 0.85), 2 workers/1 worker (target >= 1.7),
  2 workers/bare; with --rounds N, of the medians of N interleaved rounds, and each round's;
- with --newspaper: newspaper4k's Article.parse() over the 181 pages against trafilatura.
"""
import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import data_folder, served_corpus, tree_rss_mb  # noqa: E402


def build_corpus(data, folder, articles, outlets):
    """`articles` entries over `outlets` feeds, cycling through the pages of the article-body
    folder `data`."""
    pages = sorted((data / "html").glob("*.html.gz"))
    sites = {}
    for o in range(outlets):
        name = f"outlet{o}"
        (folder / name / "articles").mkdir(parents=True)
        sites[name] = {"name": f"Outlet {o}", "host": f"127.0.0.{31 + o}", "feed": "feed.xml"}
    store = folder / "_pages"
    store.mkdir()
    for page in pages:
        shutil.copy(page, store / page.name)
    items = {name: [] for name in sites}
    for i in range(articles):
        name = f"outlet{i % outlets}"
        source = store / pages[i % len(pages)].name
        os.link(source, folder / name / "articles" / f"p{i}.html.gz")
        items[name].append(f"<item><title>Article {i}</title>"
                           f"<link>%%BASE%%/articles/p{i}.html</link></item>")
    for name, entries in items.items():
        (folder / name / "feed.xml").write_text(
            f'<rss version="2.0"><channel><title>{sites[name]["name"]}</title>'
            + "".join(entries) + "</channel></rss>")
    (folder / "sites.json").write_text(json.dumps(sites))
    return [gzip.decompress((store / pages[i % len(pages)].name).read_bytes()).decode("utf-8")
            for i in range(articles)]


def run_pipeline(feeds, output, workers, extra=()):
    args = [sys.executable, "-m", "pipeline", "--runner=FnApiRunner", "--feeds", str(feeds),
            "--output", str(output), "--allow_private_hosts", "--host_delay", "0",
            "--max_per_host", "8", *extra]
    if workers > 1:
        args += [f"--direct_num_workers={workers}", "--direct_running_mode=multi_processing"]
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    peak = [0.0]

    def sample():
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss_mb(process.pid))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    if process.returncode:
        raise SystemExit(f"pipeline failed:\n{err[-3000:]}")
    manifest = json.loads(next((output / "_runs").glob("*.json")).read_text())
    return elapsed, peak[0], manifest["counts"]


def bare_loop(htmls):
    from trafilatura import bare_extraction
    started = time.perf_counter()
    for html in htmls:
        bare_extraction(html, with_metadata=True)
    return time.perf_counter() - started


def _newspaper_parse(html):
    """In the child: seconds newspaper4k's Article.parse() took on one page, and whether it
    raised (without its nlp extra it cannot parse Korean, for one)."""
    from newspaper import Article
    # fetch_images=False: by default parse() downloads images to pick the top one, which
    # would time the network (and, offline, its timeouts), not the parser
    article = Article("https://example.com/a", fetch_images=False)
    article.download(input_html=html)
    started = time.perf_counter()
    try:
        article.parse()
        ok = True
    except Exception:  # noqa: BLE001 - counted, as a user of it would see it
        ok = False
    return time.perf_counter() - started, ok


def _trafilatura_parse(html):
    from trafilatura import bare_extraction
    started = time.perf_counter()
    bare_extraction(html, with_metadata=True)
    return time.perf_counter() - started, True


def isolated_loop(parse, htmls, timeout=20.0):
    """Per-page parse times measured in a child process, each page with a deadline (one page
    once hung newspaper4k for minutes). Returns (seconds, failed, timed_out)."""
    from transforms.runtime.isolation import CallCrashed, CallTimeout, IsolatedCall
    call = IsolatedCall(timeout)
    seconds, failed, timed_out = 0.0, 0, 0
    try:
        for html in htmls:
            try:
                spent, ok = call(parse, html)
            except (CallTimeout, CallCrashed):
                seconds, timed_out = seconds + timeout, timed_out + 1
                continue
            seconds += spent
            failed += not ok
    finally:
        call.close()
    return seconds, failed, timed_out


def measure(args, work, htmls):
    n = args.articles
    print(f"{n} articles ({len(set(htmls))} distinct pages) on {args.outlets} loopback outlets"
          + (f", {args.rounds} rounds (each runs every configuration once, in turn)"
             if args.rounds > 1 else ""))
    rates = {}
    for round_ in range(1, args.rounds + 1):
        label = f"[{round_}] " if args.rounds > 1 else ""
        if not args.skip_bare:
            bare = bare_loop(htmls)
            rates.setdefault("bare", []).append(n / bare)
            print(f"  {label}bare trafilatura loop, 1 process: {bare:7.1f} s  "
                  f"{n / bare:6.1f} pages/s")
        for workers in args.workers:
            elapsed, peak, counts = run_pipeline(
                work / "feeds.txt", work / f"out{workers}-{round_}", workers,
                args.pipeline_args.split())
            rates.setdefault(workers, []).append(n / elapsed)
            print(f"  {label}newsbeam, {workers} worker(s):          {elapsed:7.1f} s  "
                  f"{n / elapsed:6.1f} pages/s  peak RSS {peak:6.0f} MB  "
                  f"({counts['articles']} articles, {counts['rejects']} rejects)")
    rate = {config: statistics.median(values) for config, values in rates.items()}
    if args.rounds > 1:
        print("  medians: " + ", ".join(f"{'bare' if c == 'bare' else f'{c} worker(s)'} "
                                        f"{r:.1f} pages/s" for c, r in rate.items()))
    if "bare" in rate and 1 in rate:
        print(f"  ratio newsbeam 1 worker / bare loop: {rate[1] / rate['bare']:.2f} "
              "(target >= 0.85)" + _per_round(rates[1], rates["bare"]))
    if 1 in rate and 2 in rate:
        print(f"  ratio 2 workers / 1 worker: {rate[2] / rate[1]:.2f} (target >= 1.7)"
              + _per_round(rates[2], rates[1]))
    if "bare" in rate and 2 in rate:
        print(f"  ratio newsbeam 2 workers / bare loop: {rate[2] / rate['bare']:.2f}"
              + _per_round(rates[2], rates["bare"]))
    if args.newspaper:
        distinct = list(dict.fromkeys(htmls))
        trafilatura_s, _, _ = isolated_loop(_trafilatura_parse, distinct)
        newspaper_s, failed, timed_out = isolated_loop(_newspaper_parse, distinct)
        print(f"  {len(distinct)} pages, parse time per page in a child process: trafilatura "
              f"{len(distinct) / trafilatura_s:.1f} pages/s, newspaper4k Article.parse() "
              f"{len(distinct) / newspaper_s:.1f} pages/s ({failed} raised, {timed_out} over "
              f"20 s, counted at 20 s); newspaper4k / trafilatura speed "
              f"{trafilatura_s / newspaper_s:.2f}")


def _per_round(numerators, denominators):
    if len(numerators) < 2:
        return ""
    return "; by round " + " ".join(f"{a / b:.2f}" for a, b in zip(numerators, denominators))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="the article-body folder (Zyte's article-extraction "
                                       "benchmark)")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--outlets", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--skip-bare", action="store_true")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run every configuration this many times, in turn, and report "
                             "medians (this machine's timings vary by 10-15%% run to run)")
    parser.add_argument("--newspaper", action="store_true")
    parser.add_argument("--pipeline-args", default="", help="extra newsbeam options, quoted")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsbeam-throughput-"))
    try:
        htmls = build_corpus(data_folder(args.data, "article-body"), work / "corpus",
                             args.articles, args.outlets)
        with served_corpus(work / "corpus", work / "feeds.txt"):
            measure(args, work, htmls)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
