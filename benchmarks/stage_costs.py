"""Per-article cost of each stage, as a share of the whole (the stage functions, timed alone).

    python benchmarks/stage_costs.py --data DIR [--pages 181]

DIR is the `article-body` folder of the article-extraction benchmark (html/*.html.gz, 181 pages).

Runs every stage's pure function over the same real pages of article-body in one process:
fetch (HTTP from a loopback server in another process), feed parsing (per entry), extraction
(trafilatura and our metadata reading), language (langdetect, and py3langid), metadata
normalisation, fingerprints (copy and story signatures), Parquet (rows to a zstd file). Prints
median and mean ms per article and the share of the total; the targets are language <= 5% and
fingerprints <= 10% of extraction.
"""
import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import data_folder, served_corpus  # noqa: E402
from benchmarks.throughput import build_corpus  # noqa: E402
from dataset.parquet import rows_to_table, to_parquet_bytes  # noqa: E402
from schemas.records import ExtractedPage  # noqa: E402
from schemas.tables import ARTICLES  # noqa: E402
from transforms.content.article import build_article  # noqa: E402
from transforms.content.feed import parse_feed  # noqa: E402
from transforms.content.language import detect_language  # noqa: E402
from transforms.content.page import extract_page  # noqa: E402
from transforms.dedup.fingerprints import analyse  # noqa: E402
from transforms.fetch import page_of  # noqa: E402
from transforms.language import with_language  # noqa: E402
from transforms.web.frontier import Done, fetch  # noqa: E402
from transforms.web.http import Fetcher, FetchPolicy  # noqa: E402


def timed(fn, items):
    """ms per item, after one untimed call: loading models or profiles once per process is not
    a per-article cost."""
    fn(items[0])
    times, results = [], []
    for item in items:
        started = time.perf_counter()
        results.append(fn(item))
        times.append((time.perf_counter() - started) * 1000)
    return times, results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="the article-body folder (Zyte's article-extraction "
                                       "benchmark)")
    parser.add_argument("--pages", type=int, default=181)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsbeam-stages-"))
    build_corpus(data_folder(args.data, "article-body"), work / "corpus", args.pages, 1)
    with served_corpus(work / "corpus", work / "feeds.txt"):
        feed_url = (work / "feeds.txt").read_text().split()[0]
        fetcher = Fetcher(FetchPolicy(allow_private_hosts=True, host_delay=0, retries=0))
        feed_body = fetch(fetcher, feed_url).body
        started = time.perf_counter()
        entries, _ = parse_feed(feed_body, feed_url)
        parse_ms = (time.perf_counter() - started) * 1000 / len(entries)
        costs = {"feed parse": [parse_ms] * len(entries)}
        costs["fetch"], pages = timed(
            lambda e: page_of(e, Done(e, response=fetch(fetcher, e.link))), entries)
        costs["extract"], extracted = timed(lambda p: extract_page(p.html, p.url), pages)
        items = [ExtractedPage(p.entry, p.url, p.fetched_at, x)
                 for p, x in zip(pages, extracted) if x]
        costs["language"], with_lang = timed(with_language, items)
        costs["language (py3langid)"], _ = timed(
            lambda i: detect_language(i.content.text, detector="py3langid"), items)
        now = datetime.now(timezone.utc)
        costs["normalise"], rows = timed(
            lambda i: build_article(i.entry, i.url, i.fetched_at, i.content, "bench", now).row,
            with_lang)
        costs["fingerprints"], _ = timed(lambda r: analyse(r["text"]), rows)
        started = time.perf_counter()
        to_parquet_bytes(rows_to_table(rows, ARTICLES), ARTICLES)
        costs["parquet"] = [(time.perf_counter() - started) * 1000 / len(rows)] * len(rows)
    main_stages = [s for s in costs if s != "language (py3langid)"]
    total = sum(statistics.mean(costs[s]) for s in main_stages)
    print(f"{len(rows)} articles; ms per article (median, mean) and share of the total:")
    for stage, times in costs.items():
        share = statistics.mean(times) / total
        print(f"  {stage:22s} {statistics.median(times):7.2f} {statistics.mean(times):7.2f}  "
              f"{share:6.1%}" + ("  (alternative, not in total)" if stage not in main_stages
                                 else ""))
    extract = statistics.mean(costs["extract"])
    print(f"language = {statistics.mean(costs['language']) / extract:.1%} of extraction "
          f"(py3langid {statistics.mean(costs['language (py3langid)']) / extract:.1%}); "
          f"fingerprints = {statistics.mean(costs['fingerprints']) / extract:.1%} of extraction")


if __name__ == "__main__":
    main()
