"""What --semantic_stories adds and what it costs, on real articles.

    python benchmarks/semantic_stories.py --bodies DIR --dated DIR [--copies 20]

Corpus: as benchmarks/dedup_eval.py (article-body's 181 reference bodies, all given one instant,
and metadata-dev's 121 dated pages, plus synthetic copies on other sites). Both groupings run
as the real Beam stages (FnApiRunner), without and with the semantic tier. Prints the copy
figures of both (the tier must not change them), the story pairs of real articles each finds,
listing those only the tier finds for a person to judge, and the tier's cost: milliseconds
per English article (batched as the pipeline batches) against trafilatura on the same pages,
and the memory of a process that has loaded the model and embedded a batch, against the same
process without it.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import data_folder  # noqa: E402
from benchmarks.dedup_eval import (KINDS, build_corpus, copy_recall, false_copy_pairs,  # noqa: E402
                                   load_originals, run_grouping, signature_cost)
from transforms.content.language import detect_language  # noqa: E402
from transforms.dedup.semantic import (BATCH, embed, embedding_input, load_encoder,  # noqa: E402
                                       missing_extra, wants_embedding)

# The peak resident memory of the process itself (VmHWM: ru_maxrss would carry over the
# parent's peak through fork and exec).
MEMORY = """
import re, sys, time
sys.path.insert(0, {root!r})
import apache_beam, trafilatura  # what a worker has loaded anyway
from transforms.dedup.semantic import embed, load_encoder
started = time.perf_counter()
if {load}:
    model = load_encoder()         # torch and sentence-transformers imported here
    started = time.perf_counter() - started
    embed(model, [{text!r}] * 32)
status = open("/proc/self/status").read()
print(re.search(r"VmHWM:\\s*(\\d+) kB", status).group(1), started if {load} else 0)
"""


def story_pairs(ids, real):
    by_story = defaultdict(list)
    for aid in real:
        by_story[ids[aid][1]].append(aid)
    return {(a, b) for group in by_story.values() for a, b in combinations(sorted(group), 2)
            if ids[a][0] != ids[b][0]}


def embedding_ms(model, inputs, rounds=3):
    """Median over rounds of the ms per input, embedded in the pipeline's batches."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for i in range(0, len(inputs), BATCH):
            embed(model, inputs[i:i + BATCH])
        times.append((time.perf_counter() - started) * 1000 / len(inputs))
    return statistics.median(times)


def memory_mb(text, load):
    """(peak MB of a fresh process, seconds it took to import and load the model)."""
    script = MEMORY.format(root=str(Path(__file__).resolve().parent.parent), load=load,
                           text=text)
    kb, seconds = subprocess.run([sys.executable, "-c", script], check=True,
                                 capture_output=True, text=True).stdout.split()
    return int(kb) / 1024, float(seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", help="the article-body folder (Zyte's article-extraction "
                                         "benchmark)")
    parser.add_argument("--dated", help="the metadata-dev folder (fundus's parser test pages)")
    parser.add_argument("--copies", type=int, default=20, help="synthetic copies per edit kind")
    args = parser.parse_args()
    if missing_extra():
        raise SystemExit(missing_extra())
    bodies = data_folder(args.bodies, "article-body", "--bodies")
    originals = load_originals(bodies, data_folder(args.dated, "metadata-dev", "--dated"))
    for o in originals:
        o["language"] = detect_language(o["text"])[0]
        o["headline"] = None if o["id"].startswith("ab-") else o["title"]
    rows, copy_of = build_corpus(originals, args.copies)
    by_id = {o["id"]: o for o in originals}
    for r in rows:
        original = by_id[copy_of[r.article_id][0] if r.article_id in copy_of else r.article_id]
        r.row.update(language=original["language"], title=original["headline"])
    english = [o for o in originals if wants_embedding(o["language"])]
    print(f"corpus: {len(originals)} real articles ({len(english)} English, embedded) + "
          f"{len(copy_of)} synthetic copies")

    results = {}
    for semantic in (False, True):
        started = time.perf_counter()
        results[semantic] = run_grouping(rows, semantic)
        print(f"grouped {'with' if semantic else 'without'} the semantic tier in "
              f"{time.perf_counter() - started:.1f}s")
    real = sorted(by_id)
    print("\ncopies                  without   with")
    recalls = {s: copy_recall(copy_of, ids) for s, ids in results.items()}
    for kind in KINDS:
        print(f"  {kind:22s}" + "".join(f" {recalls[s][0][kind]:3d}/{recalls[s][1][kind]:3d}"
                                        for s in (False, True)))
    print("  false copy merges    " + "".join(f" {len(false_copy_pairs(real, results[s])):7d}"
                                            for s in (False, True)))

    lexical, semantic = (story_pairs(results[s], real) for s in (False, True))
    linked = {s: {a for pair in story_pairs(results[s], real) for a in pair} for s in results}
    print(f"\nstory pairs among real articles: {len(lexical)} without, {len(semantic)} with; "
          f"articles in a story with another: {len(linked[False])} without, "
          f"{len(linked[True])} with")
    print(f"pairs lost with the tier: {len(lexical - semantic)}")
    print("pairs only the tier links (judge each: same event?):")
    for a, b in sorted(semantic - lexical):
        print(f"  {by_id[a]['url'][:90]}\n    ~ {by_id[b]['url'][:90]}")

    model = load_encoder()
    inputs = [embedding_input(o["headline"], o["text"]) for o in english]
    embed(model, inputs[:BATCH])      # warm up
    ms = embedding_ms(model, inputs)
    extract_ms, _ = signature_cost(bodies)
    print(f"\ncost per English article: embedding {ms:.1f} ms (batches of {BATCH}, "
          f"median of 3 rounds), trafilatura {extract_ms:.1f} ms (median of 60 pages)")
    plain, _ = memory_mb(inputs[0], False)
    loaded, load_s = memory_mb(inputs[0], True)
    print(f"memory of a process (peak RSS): {plain:.0f} MB with Beam and trafilatura "
          f"imported; {loaded:.0f} MB after loading the model and embedding a batch "
          f"(+{loaded - plain:.0f} MB); importing and loading it took {load_s:.1f} s")
    print(json.dumps({"story_pairs": [len(lexical), len(semantic)], "embedding_ms": round(ms, 1),
                      "extraction_ms": round(extract_ms, 1), "load_s": round(load_s, 1),
                      "model_mb": round(loaded - plain)}))


if __name__ == "__main__":
    main()
