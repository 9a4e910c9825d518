"""Group copies of the same text (dup_id) and stories (story_id).

Candidates come from a GroupByKey on fingerprints, never from all pairs. Fingerprints that many
articles share are boilerplate and are dropped before pairs are formed: a global cap, and a
per-domain cap so two stories of one site never pair up on a shared footer.

First version: copy groups. Each copy group is its own story until story edges (shared quotes
within a time window) are added; story_id is already in the schema and the output.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import combinations

import apache_beam as beam

from transforms.fingerprints import containment, fingerprints

MAX_DOCS_PER_FINGERPRINT = 100   # above this a fingerprint is boilerplate (or too costly to pair)
MAX_DOCS_PER_DOMAIN = 5          # a fingerprint in this many articles of one site is its boilerplate
COPY_CONTAINMENT = 0.4           # DESIGN.md 7: different stories reached 0.21, edited copies 0.73+
MIN_SHARED = 2

_NEVER = datetime.max.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Node:
    """What the clustering needs to know of an article: small, so all of them fit one worker."""
    article_id: str
    published_at: datetime
    word_count: int


def canonical_order(node):
    """Earliest published, then the longest text, then the smallest id (DESIGN.md 7)."""
    return (node.published_at or _NEVER, -node.word_count, node.article_id)


def candidate_pairs(postings):
    """Pairs of article ids that share this fingerprint, unless it is boilerplate.

    postings: [(article_id, domain)] of one fingerprint.
    """
    ids = sorted({aid for aid, _ in postings})
    if len(ids) < 2 or len(ids) > MAX_DOCS_PER_FINGERPRINT:
        return []
    per_domain = Counter(domain for _, domain in set(postings))
    if per_domain.most_common(1)[0][1] >= MAX_DOCS_PER_DOMAIN:
        return []
    return list(combinations(ids, 2))


def is_copy(shared, size_a, size_b):
    return shared >= min(MIN_SHARED, size_a, size_b) and \
        containment(shared, size_a, size_b) >= COPY_CONTAINMENT


def cluster(nodes, edges):
    """Connected components of copy edges. Returns {article_id: (dup_id, story_id)}."""
    parent = {n.article_id: n.article_id for n in nodes}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups = defaultdict(list)
    for node in nodes:
        groups[find(node.article_id)].append(node)
    assignment = {}
    for members in groups.values():
        canonical = min(members, key=canonical_order).article_id
        for member in members:
            assignment[member.article_id] = (canonical, canonical)
    return assignment


def _signature(article):
    return article["article_id"], article["source_domain"], sorted(fingerprints(article["text"]))


def _assign(_, nodes, edges):
    """Runs once per run on one worker, over the small Node records and the edges."""
    assignment = cluster(nodes, edges)
    yield from assignment.items()


def _attach(article, assignment):
    dup_id, story_id = assignment.get(article["article_id"], (article["article_id"],) * 2)
    return {**article, "dup_id": dup_id, "story_id": story_id}


class GroupCopies(beam.PTransform):
    """article rows -> the same rows with dup_id and story_id set."""

    def expand(self, articles):
        signatures = articles | "Signature" >> beam.Map(_signature)
        sizes = signatures | "Sizes" >> beam.MapTuple(lambda aid, _, fps: (aid, len(fps)))
        edges = (
            signatures
            | "Postings" >> beam.FlatMapTuple(
                lambda aid, domain, fps: ((fp, (aid, domain)) for fp in fps))
            | "ByFingerprint" >> beam.GroupByKey()
            | "Candidates" >> beam.FlatMapTuple(lambda _, postings: candidate_pairs(list(postings)))
            | "CountShared" >> beam.combiners.Count.PerElement()
            | "CopyEdges" >> beam.Filter(
                lambda pair_count, size: is_copy(pair_count[1], size[pair_count[0][0]],
                                                 size[pair_count[0][1]]),
                size=beam.pvalue.AsDict(sizes))
            | "EdgePairs" >> beam.Map(lambda pair_count: pair_count[0]))
        nodes = articles | "Nodes" >> beam.Map(
            lambda a: Node(a["article_id"], a["published_at"], a["word_count"]))
        assignment = (
            articles.pipeline
            | "Once" >> beam.Create([None])
            | "Cluster" >> beam.FlatMap(_assign, nodes=beam.pvalue.AsList(nodes),
                                        edges=beam.pvalue.AsList(edges)))
        return articles | "Attach" >> beam.Map(_attach, assignment=beam.pvalue.AsDict(assignment))
