"""Evaluate copy and story grouping on real articles plus synthetic copies.

    python benchmarks/dedup_eval.py --bodies DIR --dated DIR [--copies 60]

Corpus: the reference bodies of article-body (--bodies, the article-extraction benchmark: 181 pages, one week of November 2019; no dates, so
all are given the same instant: the hardest case for the 72 h story window) and metadata-dev
(--dated, fundus's parser test pages: 121 with their published dates and body text). For `--copies` originals per edit kind a synthetic copy
is added on another site a few hours later. The grouping runs as the real Beam stage
(GroupArticles on the FnApiRunner). Prints copy recall per edit kind, false copy merges, the story
pairs found (listed, to be judged by a person) and the cost of signatures against extraction.
"""
import argparse
import gzip
import json
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import apache_beam as beam  # noqa: E402
from apache_beam.runners.portability.fn_api_runner import FnApiRunner  # noqa: E402

from benchmarks.common import data_folder  # noqa: E402
from schemas.records import Article  # noqa: E402
from transforms.dedup.fingerprints import analyse  # noqa: E402
from transforms.grouping import GroupArticles, SignTexts  # noqa: E402
from transforms.web.urls import registered_domain  # noqa: E402

WEEK = datetime(2019, 11, 19, 12, tzinfo=timezone.utc)
KINDS = ("boilerplate_headline", "paragraph_dropped", "truncated_half", "typographic",
         "copy_edited")


def load_originals(bodies, dated):
    originals = []
    truth = json.loads((bodies / "ground-truth.json").read_text())
    for page_id, item in sorted(truth.items()):
        originals.append({"id": "ab-" + page_id[:12], "url": item["url"],
                          "text": item["articleBody"], "when": WEEK, "title": item["url"]})
    expected = json.loads((dated / "expected.json").read_text())
    for name, item in sorted(expected.items()):
        when = datetime.fromisoformat(item["published"])
        when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        originals.append({"id": "md-" + name.replace(".html.gz", ""), "url": item["url"], "text": item["body_text"],
                          "when": when, "title": item["title"]})
    return [o for o in originals if len(o["text"].split()) >= 80]


def edit(kind, text, rng):
    paragraphs = [p for p in text.split("\n") if p.strip()]
    if kind == "boilerplate_headline":
        return "\n".join(["Advertisement", "Sign up for our morning newsletter and never miss a story.",
                          *paragraphs, "Share this article on Facebook, Twitter or by e-mail.",
                          "Copyright 2019 The Other Outlet. All rights reserved.",
                          "Related: Ten things to watch this week"])
    if kind == "paragraph_dropped":
        if len(paragraphs) >= 3:
            del paragraphs[rng.randrange(1, len(paragraphs) - 1)]
            return "\n".join(paragraphs)
        words = text.split()
        cut = rng.randrange(len(words) // 4, len(words) // 2)
        return " ".join(words[:cut] + words[cut + 25:])
    if kind == "truncated_half":
        words = text.split()
        return " ".join(words[: len(words) // 2])
    if kind == "typographic":
        swapped = (text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
                   .replace("\u2014", " -- ").replace("\u2013", "-"))
        if swapped == text:  # straight quotes in, curly quotes out
            swapped = re.sub(r'"([^"]*)"', "\u201c\\1\u201d", text).replace("'", "\u2019")
        return re.sub(r"\. ", ".  ", swapped).replace(", ", ",\u00a0")
    if kind == "copy_edited":
        words = text.split()
        for i in range(0, len(words), 25):   # one edit every 25 words
            j = min(len(words) - 1, i + rng.randrange(25))
            action = rng.random()
            if action < 0.4:
                words[j] = words[j].upper() + "s"
            elif action < 0.7:
                words[j] = ""
            else:
                words[j] = words[j] + " also"
        return " ".join(w for w in words if w)
    raise ValueError(kind)


def build_corpus(originals, copies_per_kind, seed=7):
    rng = random.Random(seed)
    rows, copy_of = [], {}
    for o in originals:
        rows.append(row(o["id"], o["text"], o["when"], registered_domain(o["url"])))
    eligible = [o for o in originals if len(o["text"].split()) >= 150]
    for kind in KINDS:
        for o in rng.sample(eligible, min(copies_per_kind, len(eligible))):
            copy_id = f"copy-{kind}-{o['id']}"
            rows.append(row(copy_id, edit(kind, o["text"], rng), o["when"] + timedelta(hours=3),
                            f"{kind}.example"))
            copy_of[copy_id] = (o["id"], kind)
    return rows, copy_of


def row(article_id, text, when, domain, title=None, language=None):
    return Article({"article_id": article_id, "text": text, "published_at": when,
                    "fetched_at": when, "word_count": len(text.split()),
                    "source_domain": domain, "title": title, "language": language}, article_id)


def run_grouping(rows, semantic=False):
    """Run the real Beam stages (FnApiRunner) and read their ids back from text files; with
    `semantic`, SignTexts embeds the articles first (--semantic_stories)."""
    with tempfile.TemporaryDirectory() as tmp:
        with beam.Pipeline(runner=FnApiRunner()) as p:
            articles = p | beam.Create(rows)
            if semantic:
                articles = articles | SignTexts(semantic=True)
            grouped = articles | GroupArticles("eval", semantic=semantic)
            _ = (grouped.articles
                 | beam.Map(lambda a: json.dumps([a.row["article_id"], a.row["dup_id"],
                                                  a.row["story_id"]]))
                 | beam.io.WriteToText(f"{tmp}/ids"))
        lines = [json.loads(line) for path in Path(tmp).glob("ids*")
                 for line in path.read_text().splitlines()]
    return {aid: (dup, story) for aid, dup, story in lines}


def copy_recall(copy_of, ids):
    """(grouped, total) per edit kind: the copies given their original's dup_id."""
    hits, totals = defaultdict(int), defaultdict(int)
    for copy_id, (original, kind) in copy_of.items():
        totals[kind] += 1
        hits[kind] += ids[copy_id][0] == ids[original][0]
    return hits, totals


def false_copy_pairs(article_ids, ids):
    """Pairs of distinct real articles that were given one dup_id."""
    by_dup = defaultdict(list)
    for aid in sorted(article_ids):
        by_dup[ids[aid][0]].append(aid)
    return [pair for group in by_dup.values() for pair in combinations(group, 2)]


def signature_cost(bodies, pages=60):
    """Median ms per article: trafilatura extraction against our signature."""
    from trafilatura import bare_extraction
    html_dir = bodies / "html"
    extract_ms, sign_ms = [], []
    for path in sorted(html_dir.glob("*.html.gz"))[:pages]:
        html = gzip.decompress(path.read_bytes()).decode("utf-8")
        t0 = time.perf_counter()
        doc = bare_extraction(html, with_metadata=True)
        t1 = time.perf_counter()
        analyse(doc.text if doc and doc.text else "")
        t2 = time.perf_counter()
        extract_ms.append((t1 - t0) * 1000)
        sign_ms.append((t2 - t1) * 1000)
    med = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    return med(extract_ms), med(sign_ms)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", help="the article-body folder (Zyte's article-extraction "
                                         "benchmark)")
    parser.add_argument("--dated", help="the metadata-dev folder (fundus's parser test pages)")
    parser.add_argument("--copies", type=int, default=60, help="synthetic copies per edit kind")
    args = parser.parse_args()
    bodies = data_folder(args.bodies, "article-body", "--bodies")
    originals = load_originals(bodies, data_folder(args.dated, "metadata-dev", "--dated"))
    rows, copy_of = build_corpus(originals, args.copies)
    started = time.perf_counter()
    ids = run_grouping(rows)
    elapsed = time.perf_counter() - started
    print(f"corpus: {len(originals)} real articles + {len(copy_of)} synthetic copies "
          f"= {len(rows)}; grouped in {elapsed:.1f}s (Beam stage, FnApiRunner)")

    print("\ncopy recall per edit kind")
    hits, totals = copy_recall(copy_of, ids)
    for kind in KINDS:
        print(f"  {kind:22s} {hits[kind]:3d}/{totals[kind]:3d} = {hits[kind] / totals[kind]:6.1%}")

    title = {o["id"]: o["title"] for o in originals}
    real = sorted(title)
    by_story = defaultdict(list)
    for aid in real:
        by_story[ids[aid][1]].append(aid)
    false_copies = false_copy_pairs(real, ids)
    print(f"\nfalse copy merges (distinct real articles given one dup_id): {len(false_copies)}")
    for a, b in false_copies:
        print(f"  {title[a][:70]!r}\n    ~ {title[b][:70]!r}")
    story_pairs = [(a, b) for group in by_story.values() for a, b in combinations(group, 2)
                   if ids[a][0] != ids[b][0]]
    print(f"\nstory pairs among real articles (judge each: same event?): {len(story_pairs)}")
    for a, b in story_pairs:
        print(f"  {title[a][:80]!r}\n    ~ {title[b][:80]!r}")
    sizes = [len(g) for g in by_story.values()]
    print(f"\nstories with 2+ real articles: {sum(1 for n in sizes if n > 1)}, "
          f"largest {max(sizes)}")

    extract_ms, sign_ms = signature_cost(bodies)
    print(f"\nper article (median of 60 pages): trafilatura {extract_ms:.1f} ms, signature "
          f"{sign_ms:.2f} ms = {sign_ms / extract_ms:.1%} of extraction")


if __name__ == "__main__":
    main()
