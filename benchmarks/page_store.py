"""What --keep_pages costs: bytes on disk per article (WARC files and the pages table against the
articles table) and run time, with and without it, in one run of this script.

    python benchmarks/page_store.py --data DIR [--articles 362] [--outlets 2] [--rounds 2]

DIR is the `article-body` folder of the article-extraction benchmark (181 real pages); they
are served under distinct URLs from loopback outlets as benchmarks/throughput.py serves them
(uncompressed: a WARC record is gzip-compressed on its own, so a page served with gzip takes
about the same room). Both runs use the default options, politeness on (--host_delay 0.25,
--max_per_host 2: the run's bound is then each outlet's pacing, about 0.25 s per page per
outlet); with --unpaced, politeness off as in throughput.py, so that the ratio shows the
capture's own cost rather than the pacing's.
"""
import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import data_folder, served_corpus  # noqa: E402
from benchmarks.throughput import build_corpus, run_pipeline  # noqa: E402


def size(folder: Path, pattern: str) -> int:
    return sum(p.stat().st_size for p in folder.glob(pattern))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="the article-body folder")
    parser.add_argument("--articles", type=int, default=362)
    parser.add_argument("--outlets", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--unpaced", action="store_true",
                        help="politeness off (--host_delay 0 --max_per_host 8)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        build_corpus(data_folder(args.data, "article-body"), work / "corpus", args.articles,
                     args.outlets)
        times = {"plain": [], "keep_pages": []}
        # run_pipeline turns politeness off; later options win, so the defaults come back
        pacing = () if args.unpaced else ("--host_delay", "0.25", "--max_per_host", "2")
        with served_corpus(work / "corpus", work / "feeds.txt"):
            for r in range(args.rounds):
                for name, extra in (("plain", ()), ("keep_pages", ("--keep_pages",))):
                    output = work / f"{name}-{r}"
                    elapsed, _, counts = run_pipeline(work / "feeds.txt", output, 1,
                                                      extra + pacing)
                    times[name].append(elapsed)
        articles = counts["articles"]
        kept = work / f"keep_pages-{args.rounds - 1}"
        warc = size(kept, "_pages/*/*.warc.gz")
        index = size(kept, "pages/*/*.parquet")
        table = size(kept, "articles/*/*.parquet")
        plain, keep = statistics.median(times["plain"]), statistics.median(times["keep_pages"])
    bound = args.articles / args.outlets * 0.25
    print(f"{articles} articles written, {args.rounds} rounds (medians), politeness "
          f"{'off' if args.unpaced else f'on (pacing bound about {bound:.0f} s)'}\n")
    print("| | bytes | per article |\n|---|---|---|")
    for label, value in (("WARC files (_pages/)", warc), ("pages table", index),
                         ("articles table", table)):
        print(f"| {label} | {value:,} | {value / articles:,.0f} |")
    print(f"\nWARC / articles table: {warc / table:.2f}x")
    print(f"run time: {plain:.1f} s plain, {keep:.1f} s with --keep_pages "
          f"({keep / plain:.2f}x); rounds plain {[round(t, 1) for t in times['plain']]}, "
          f"kept {[round(t, 1) for t in times['keep_pages']]}")


if __name__ == "__main__":
    main()
