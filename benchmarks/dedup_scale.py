"""Copy and story grouping at scale: time and peak memory for N synthetic articles.

    python benchmarks/dedup_scale.py --sizes 10000 30000 100000

Articles are generated inside the pipeline (deterministic per index): Zipf-distributed words
from a 40,000-word vocabulary, 250-600 words each, 400 sites with their own footer (per-site
boilerplate), one article in three reporting one of N/20 events with two 17-word quotes from a
pool of that event's quotes, and one article in ten an edited copy of an earlier one. Each size
runs in its own process (FnApiRunner, one worker) so peaks are independent. Prints articles/s,
peak RSS, and how both grow with N (linear growth, not quadratic, is the target). It also checks
the planted structure: copies found and false copy merges between unrelated articles.
"""
import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schemas.records import Article  # noqa: E402

VOCAB = 40_000
SITES = 400
T0 = datetime(2024, 8, 1, tzinfo=timezone.utc)


def _words(rng, n, weights):
    return rng.choices(range(VOCAB), cum_weights=weights, k=n)


def _vocab_word(i):
    letters = "abcdefghijklmnopqrstuvwxyz"
    word = ""
    i += 1
    while i:
        i, r = divmod(i, 26)
        word += letters[r]
    return word + "o" * (4 - len(word)) if len(word) < 4 else word


_CUM = None


def cum_weights():
    global _CUM
    if _CUM is None:
        total, cum = 0.0, []
        for rank in range(1, VOCAB + 1):
            total += 1.0 / rank
            cum.append(total)
        _CUM = cum
    return _CUM


def event_quotes(event):
    rng = random.Random(f"event-{event}")
    return [" ".join(_vocab_word(w) for w in _words(rng, 17, cum_weights())) for _ in range(4)]


def original_text(i, n):
    rng = random.Random(i)
    cum = cum_weights()
    paragraphs = []
    for _ in range(rng.randint(5, 12)):
        paragraphs.append(" ".join(_vocab_word(w) for w in _words(rng, rng.randint(40, 60), cum)))
    event = None
    if i % 3 == 0:
        event = rng.randrange(max(1, n // 20))
        quotes = event_quotes(event)
        for q in rng.sample(quotes, 2):
            paragraphs.insert(rng.randrange(len(paragraphs)), f'The minister said "{q}" on Monday.')
    return paragraphs, event


def make_article(i, n):
    """Article i: an original, or (every tenth) an edited copy of article i - 7."""
    site = i % SITES
    is_copy = i % 10 == 9 and i >= 7
    source = i - 7 if is_copy else i
    paragraphs, event = original_text(source, n)
    if is_copy:
        rng = random.Random(f"copy-{i}")
        if len(paragraphs) > 3:
            del paragraphs[rng.randrange(1, len(paragraphs) - 1)]
    footer = f"Copyright site{site} media group all rights reserved subscribe to the site{site} newsletter today"
    text = "\n".join(paragraphs + [footer])
    when = T0 + timedelta(minutes=(i * 37) % (60 * 24 * 5))
    return Article({"article_id": f"a{i:07d}", "text": text, "published_at": when,
                    "fetched_at": when, "word_count": len(text.split()),
                    "source_domain": f"site{site}.example",
                    "copy_of": f"a{source:07d}" if is_copy else None, "event": event},
                   f"k{i:07d}")


def run_one(n):
    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from transforms.grouping import GroupArticles

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        with beam.Pipeline(runner=FnApiRunner()) as p:
            articles = (p | beam.Create(list(range(n)))
                        | "Generate" >> beam.Map(make_article, n=n))
            grouped = articles | GroupArticles("bench")
            _ = (grouped.articles
                 | beam.Map(lambda a: json.dumps([a.row["article_id"], a.row["dup_id"],
                                                  a.row["story_id"], a.row["copy_of"],
                                                  a.row["event"]]))
                 | beam.io.WriteToText(f"{tmp}/ids"))
        elapsed = time.perf_counter() - started
        rows = [json.loads(line) for path in Path(tmp).glob("ids*")
                for line in path.read_text().splitlines()]
    dup = {r[0]: r[1] for r in rows}
    copies = [r for r in rows if r[3]]
    found = sum(1 for r in copies if dup[r[0]] == dup[r[3]])
    groups = {}
    for r in rows:
        groups.setdefault(r[1], []).append(r)
    false_merges = sum(1 for g in groups.values()
                       if len({r[3] or r[0] for r in g}) > 1)
    stories = {}
    for r in rows:
        stories.setdefault(r[2], []).append(r[4])
    mixed = sum(1 for events in stories.values() if len(set(events) - {None}) > 1)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"n": n, "seconds": round(elapsed, 1), "peak_mb": round(peak_mb),
                      "copies_found": found, "copies": len(copies), "false_copy_groups": false_merges,
                      "stories_mixing_events": mixed,
                      "multi_article_stories": sum(1 for g in stories.values() if len(g) > 1)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return run_one(args.one)
    results = []
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True,
                             text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = results[-1]
        print(f"{r['n']:>8,} articles: {r['seconds']:7.1f} s ({r['n'] / r['seconds']:6.0f}/s), "
              f"peak RSS {r['peak_mb']:6,} MB, copies found {r['copies_found']}/{r['copies']}, "
              f"false copy groups {r['false_copy_groups']}, stories mixing events "
              f"{r['stories_mixing_events']}", flush=True)
    first, last = results[0], results[-1]
    scale = last["n"] / first["n"]
    print(f"\n{scale:.0f}x the articles: {last['seconds'] / first['seconds']:.1f}x the time, "
          f"{last['peak_mb'] / first['peak_mb']:.1f}x the peak memory (quadratic would be "
          f"{scale * scale:.0f}x)")


if __name__ == "__main__":
    main()
