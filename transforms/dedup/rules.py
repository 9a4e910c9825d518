"""The rules that group copies of one text (dup_id) and write-ups of one story (story_id).

Candidates are articles that share a signature hash, never all pairs; hashes that many
articles share are boilerplate and form no pairs (a global cap, and a per-site cap so two
stories of one site never pair on a shared footer). Each pair is then judged:

- copy: fingerprint containment >= 0.4 (on real articles, different stories reached 0.21 at
  most, edited copies 0.73 at least);
- story: published within 72 h, shared quotations (>= 10 quoted 5-shingles or >= 3 quoted
  fingerprints) and a TF-IDF cosine >= 0.4; or very strong quote overlap (>= 30) and cosine >= 0.3;
  or, with the semantic tier (--semantic_stories), sentence embeddings at cosine >= 0.85
  (candidates from their LSH bands, transforms/dedup/semantic.py). A semantic edge weighs 0:
  where a group has lexical edges to two leads, the quotes decide.

Copies merge transitively. Stories form around lead articles: a copy group joins a story only
through a direct edge to its lead, and two leads never merge, so a roundup quoting three stories
cannot chain them together. Canonical copies and leads are chosen once (earliest published, then
longest, then smallest id) and never change: articles already written keep their ids.

`group_in_memory` applies all of it in one process (streaming windows); the batch stage
(transforms/grouping.py) spreads the same functions over Beam's shuffles.
"""
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import combinations
from typing import Optional

import xxhash

from schemas.records import Article, TextSignature
from transforms.dedup.fingerprints import analyse, containment
from transforms.dedup.semantic import bands, similarity

MAX_DOCS_PER_HASH = 100          # above this a hash is boilerplate (or too costly to pair)
MAX_DOCS_PER_SITE = 5            # a hash in this many articles of one site is its boilerplate
COPY_CONTAINMENT = 0.4
MIN_SHARED = 2
STORY_HOURS = 72
STORY_QUOTES, STORY_QUOTED_FPS, STORY_COSINE = 10, 3, 0.40
STRONG_QUOTES, STRONG_COSINE = 30, 0.30
SEMANTIC_COSINE = 0.85

_NEVER = datetime.max.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Signature:
    """What grouping knows of an article. dup_id/story_id are set for articles already written."""
    article_id: str
    domain: str
    when: Optional[datetime]      # published_at, else fetched_at
    word_count: int
    text: TextSignature
    dup_id: Optional[str] = None
    story_id: Optional[str] = None

    @property
    def is_new(self):
        return self.dup_id is None


def canonical_order(sig):
    """Earliest, then the longest text, then the smallest id."""
    return (sig.when or _NEVER, -sig.word_count, sig.article_id)


def is_boilerplate(postings):
    """Whether a hash's distinct postings [(article_id, site, is_new)] mark it boilerplate: in
    too many articles, or in too many of one site. Adding postings never undoes it."""
    if len(postings) > MAX_DOCS_PER_HASH:
        return True
    return bool(postings) and \
        Counter(site for _, site, _ in postings).most_common(1)[0][1] >= MAX_DOCS_PER_SITE


def candidate_pairs(postings):
    """Pairs of article ids sharing one hash, unless the hash is boilerplate.

    postings: [(article_id, domain, is_new)]; pairs of two already-written articles are skipped
    (they were judged when the later one was written).
    """
    unique = sorted(set(postings))   # [(article_id, domain, is_new)]
    if len(unique) < 2 or is_boilerplate(unique):
        return []
    return [(a[0], b[0]) for a, b in combinations(unique, 2) if a[2] or b[2]]


def is_copy(shared, size_a, size_b):
    return shared >= min(MIN_SHARED, size_a, size_b) and \
        containment(shared, size_a, size_b) >= COPY_CONTAINMENT


def tfidf_cosine(terms_a, terms_b, df, n_docs):
    """Cosine of two hashed term-count vectors weighted by smoothed IDF."""
    def weights(terms):
        return {b: n * (math.log((1 + n_docs) / (1 + df.get(b, 0))) + 1) for b, n in terms}
    wa, wb = weights(terms_a), weights(terms_b)
    dot = sum(w * wb[b] for b, w in wa.items() if b in wb)
    norm = math.sqrt(sum(w * w for w in wa.values())) * math.sqrt(sum(w * w for w in wb.values()))
    return dot / norm if norm else 0.0


def quotes_enough(quotes, quoted_fps):
    """Enough shared quotation for a pair to be worth a topic comparison."""
    return quotes >= min(STORY_QUOTES, STRONG_QUOTES) or quoted_fps >= STORY_QUOTED_FPS


def is_story(quotes, quoted_fps, hours_apart, cosine):
    if hours_apart is None or hours_apart > STORY_HOURS:
        return False
    if (quotes >= STORY_QUOTES or quoted_fps >= STORY_QUOTED_FPS) and cosine >= STORY_COSINE:
        return True
    return quotes >= STRONG_QUOTES and cosine >= STRONG_COSINE


def is_semantic_story(hours_apart, similarity):
    return hours_apart is not None and hours_apart <= STORY_HOURS and \
        similarity >= SEMANTIC_COSINE


def embedding_bands(sig):
    return bands(sig.text.embedding)


def hours_between(a, b):
    if a is None or b is None:
        return None
    return abs((a - b).total_seconds()) / 3600


def text_key(sig):
    """Identity of a text signature: articles with equal keys are exact copies. An article
    with no fingerprints (too short to judge) is a class of its own."""
    t = sig.text
    if not t.fingerprints:
        return "id:" + sig.article_id
    return xxhash.xxh3_128_hexdigest(repr((t.fingerprints, t.quoted, t.quoted_shingles,
                                           t.terms)).encode("ascii"))


def split_exact_copies(members):
    """One class of identical signatures -> ([(representative, times)], copy edges).

    Syndicated copies carry the same text: comparing them with each other through posting
    lists costs pairs quadratic in their number, and past MAX_DOCS_PER_HASH copies (a wire
    story on a hundred sites) every hash looked like boilerplate and none were grouped. A class
    with a new member is judged once, through a new representative that stands for all of it:
    the others are its copies, and `times` [(when, is_new)] keeps every member's time for the
    story rule. A class of written articles only stays as it is (their pairs are not judged).
    """
    members = list(members)
    new = [m for m in members if m.is_new]
    if len(members) == 1 or not new:
        return [(m, ((m.when, m.is_new),)) for m in members], []
    lead = min(new, key=canonical_order)
    return ([(lead, tuple((m.when, m.is_new) for m in members))],
            [(lead.article_id, m.article_id) for m in members if m is not lead])


def closest_hours(times_a, times_b):
    """Hours between the closest members of two classes, over the pairs that would be judged
    (at least one new); None when no such pair has both times."""
    hours = [hours_between(ta, tb) for ta, na in times_a for tb, nb in times_b
             if (na or nb) and ta is not None and tb is not None]
    return min(hours) if hours else None


def assign_groups(signatures, copy_edges, story_edges):
    """{article_id: (dup_id, story_id)} for the new articles.

    signatures: new and already-written ones (their ids are fixed); copy_edges: [(a, b)];
    story_edges: [(a, b, weight)].
    """
    by_id = {s.article_id: s for s in signatures}
    parent = {a: a for a in by_id}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in copy_edges:
        if a in parent and b in parent and (by_id[a].is_new or by_id[b].is_new):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    components = defaultdict(list)
    for sig in by_id.values():
        components[find(sig.article_id)].append(sig)
    dup_of = {}
    for members in components.values():
        written = [m for m in members if not m.is_new]
        if written:   # join the earliest existing group; written rows never change
            dup = min(written, key=canonical_order).dup_id
        else:
            dup = min(members, key=canonical_order).article_id
        for m in members:
            dup_of[m.article_id] = m.dup_id if not m.is_new else dup

    # Stories, over copy groups. A group is led by its canonical member's place in time.
    group_members = defaultdict(list)
    for sig in by_id.values():
        group_members[dup_of[sig.article_id]].append(sig)
    story_of = {}
    for dup, members in group_members.items():
        written = [m for m in members if not m.is_new]
        if written:
            story_of[dup] = min(written, key=canonical_order).story_id
    weight = defaultdict(int)
    for a, b, w in story_edges:
        if a in dup_of and b in dup_of and dup_of[a] != dup_of[b]:
            ga, gb = dup_of[a], dup_of[b]
            weight[(ga, gb)] = weight[(gb, ga)] = max(weight[(ga, gb)], w)
    neighbours = defaultdict(set)
    for ga, gb in weight:
        neighbours[ga].add(gb)
    new_groups = sorted((g for g in group_members if g not in story_of),
                        key=lambda g: canonical_order(min(group_members[g], key=canonical_order)))
    for group in new_groups:
        leads = [n for n in neighbours[group] if story_of.get(n) == n]
        if leads:
            best = max(leads, key=lambda lead: (weight[(group, lead)], -len(lead), lead))
            story_of[group] = story_of[best]
        else:
            story_of[group] = group
    return {s.article_id: (dup_of[s.article_id], story_of[dup_of[s.article_id]])
            for s in by_id.values() if s.is_new}


def signature_of(article: Article) -> Signature:
    """What grouping knows of a new article (its text signature computed now if SignTexts did
    not attach one)."""
    row = article.row
    return Signature(row["article_id"], row["source_domain"] or "",
                     row["published_at"] or row["fetched_at"], row["word_count"],
                     article.signature or analyse(row["text"]))


def _counts(signatures, hashes_of):
    """{(a, b): shared hashes} over an in-memory inverted index: the batch stage's GroupByKey
    and candidate_pairs (boilerplate caps, no pairs of two written articles), in one process."""
    postings = defaultdict(set)
    for sig in signatures:
        for h in hashes_of(sig):
            postings[h].add((sig.article_id, sig.domain, sig.is_new))
    return Counter(pair for members in postings.values() for pair in candidate_pairs(members))


def group_in_memory(new: list, old: list) -> dict:
    """{article_id: (dup_id, story_id)} for `new` signatures, judged against each other and
    against `old` ones (already written, ids fixed), by the same rules as the batch stage."""
    signatures = list(new) + list(old)
    classes = defaultdict(list)
    for sig in signatures:
        classes[text_key(sig)].append(sig)
    representatives, copies = [], []
    for members in classes.values():
        kept, edges = split_exact_copies(members)
        representatives += kept
        copies += edges
    by_id = {s.article_id: (s, times) for s, times in representatives}
    reps = [s for s, _ in representatives]
    copies += [pair for pair, n in _counts(reps, lambda s: s.text.fingerprints).items()
               if is_copy(n, len(by_id[pair[0]][0].text.fingerprints),
                          len(by_id[pair[1]][0].text.fingerprints))]
    quotes = _counts(reps, lambda s: s.text.quoted_shingles)
    quoted_fps = _counts(reps, lambda s: s.text.quoted)
    df = Counter(b for members in classes.values() for b, _ in members[0].text.terms)
    stories = []
    for pair in set(quotes) | set(quoted_fps):
        q, f = quotes.get(pair, 0), quoted_fps.get(pair, 0)
        if not quotes_enough(q, f):
            continue
        (a, times_a), (b, times_b) = by_id[pair[0]], by_id[pair[1]]
        cosine = tfidf_cosine(a.text.terms, b.text.terms, df, len(classes))
        if is_story(q, f, closest_hours(times_a, times_b), cosine):
            stories.append((pair[0], pair[1], q))
    for pair in _counts(reps, embedding_bands):
        (a, times_a), (b, times_b) = by_id[pair[0]], by_id[pair[1]]
        if is_semantic_story(closest_hours(times_a, times_b),
                             similarity(a.text.embedding, b.text.embedding)):
            stories.append((pair[0], pair[1], 0))
    return assign_groups(signatures, copies, stories)
