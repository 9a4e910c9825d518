"""Body-text accuracy and speed of newsbeam's extraction, default against --fast_extraction.

    python benchmarks/extraction_eval.py --data DIR [--rounds 3]

DIR is the `article-body` folder of the article-extraction benchmark (html/*.html.gz and
ground-truth.json, 181 pages from 126 sites). Each page goes through newsbeam's own
extraction (transforms/content/page.py: trafilatura plus the metadata newsbeam reads), once
with trafilatura's fallback extractors (the default) and once without them (`fast`), in one
process, interleaved over --rounds rounds. Scoring is the benchmark's: word 4-gram shingles of
the whitespace-split text, true and false positives counted as multisets, precision, recall and
F1 per page, then averaged; "accuracy" is the share of pages with F1 >= 0.9. Speed is the median
milliseconds per page over the rounds.
"""
import argparse
import gzip
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import data_folder  # noqa: E402
from transforms.content.page import extract_page  # noqa: E402

SHINGLE = 4


def shingles(text):
    tokens = (text or "").split()
    return Counter(tuple(tokens[i:i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1))
                   if tokens)


def score(truth, predicted):
    """(precision, recall, f1) of one page."""
    want, got = shingles(truth), shingles(predicted)
    tp = sum((want & got).values())
    precision = tp / sum(got.values()) if got else (1.0 if not want else 0.0)
    recall = tp / sum(want.values()) if want else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="the article-body folder (Zyte's article-extraction "
                                       "benchmark)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data = data_folder(args.data, "article-body")
    truth = json.loads((data / "ground-truth.json").read_text())
    pages = [(key, gzip.decompress((data / "html" / f"{key}.html.gz").read_bytes())
              .decode("utf-8"), item["articleBody"], item.get("url") or "https://example.com/")
             for key, item in sorted(truth.items())]
    modes = {"default": False, "fast": True}
    times = {mode: [] for mode in modes}
    scores = {}
    for _ in range(args.rounds):
        for mode, fast in modes.items():
            round_scores = []
            started = time.perf_counter()
            for _key, html, body, url in pages:
                content = extract_page(html, url, fast=fast)
                round_scores.append(score(body, content.text if content else ""))
            times[mode].append((time.perf_counter() - started) * 1000 / len(pages))
            scores[mode] = round_scores
    print(f"{len(pages)} pages of {data}, {args.rounds} interleaved rounds")
    print("| extraction | precision | recall | F1 | accuracy (F1 >= 0.9) | ms/page (median) |")
    print("|---|---|---|---|---|---|")
    for mode in modes:
        p, r, f = (statistics.mean(s[i] for s in scores[mode]) for i in range(3))
        accuracy = sum(1 for s in scores[mode] if s[2] >= 0.9) / len(pages)
        print(f"| {mode} | {p:.3f} | {r:.3f} | {f:.3f} | {accuracy:.1%} | "
              f"{statistics.median(times[mode]):.1f} |")
    ratio = statistics.median(times["fast"]) / statistics.median(times["default"])
    print(f"fast / default time: {ratio:.2f}")


if __name__ == "__main__":
    main()
