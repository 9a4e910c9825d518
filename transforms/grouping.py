"""Group copies of one text (dup_id) and write-ups of one story (story_id), across runs.

Candidates come from a GroupByKey on signature hashes, never from all pairs; hashes that many
articles share are boilerplate and form no pairs (a global cap, and a per-site cap so two
stories of one site never pair on a shared footer). Each pair is then judged:

- copy: fingerprint containment >= 0.4 (DESIGN.md 7: different stories reached 0.21 at most,
  edited copies 0.73 at least);
- story: published within 72 h, shared quotations (>= 10 quoted 5-shingles or >= 3 quoted
  fingerprints) and a TF-IDF cosine >= 0.4; or very strong quote overlap (>= 30) and cosine >= 0.3.

Copies merge transitively. Stories form around lead articles: a copy group joins a story only
through a direct edge to its lead, and two leads never merge, so a roundup quoting three stories
cannot chain them together. Canonical copies and leads are chosen once (earliest published, then
longest, then smallest id) and never change: articles already written keep their ids, and
`_state/signatures/` lets later runs attach new copies to them.
"""
import math
import struct
import zlib
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from itertools import combinations
from typing import Optional

import apache_beam as beam
import xxhash
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems
from apache_beam.utils.windowed_value import WindowedValue

from transforms.fingerprints import TextSignature, analyse, containment
from transforms.state import read_parquet_rows

MAX_DOCS_PER_HASH = 100          # above this a hash is boilerplate (or too costly to pair)
MAX_DOCS_PER_SITE = 5            # a hash in this many articles of one site is its boilerplate
COPY_CONTAINMENT = 0.4
MIN_SHARED = 2
STORY_HOURS = 72
STORY_QUOTES, STORY_QUOTED_FPS, STORY_COSINE = 10, 3, 0.40
STRONG_QUOTES, STRONG_COSINE = 30, 0.30
INDEX_DIR = "_state/signatures"
INDEX_DAYS = 3                   # a run compares its articles with this many days either side

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
    """Earliest, then the longest text, then the smallest id (DESIGN.md 7)."""
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


OVER_CAP = None     # a posting-list fragment standing for a hash already known as boilerplate


def fragment_pairs(fragments):
    """candidate_pairs over one hash's posting-list fragments (tuples of packed postings)."""
    postings = set()
    for fragment in fragments:
        if fragment is OVER_CAP:
            return []
        postings.update(fragment)
    return candidate_pairs([unpack_posting(p) for p in postings])


def posting(sig):
    """A signature's entry in its hashes' posting lists, packed in bytes: the local runner holds
    every posting decoded while it groups them, and 20,000 articles post about four million.
    Packed, one costs ~80 bytes there; a tuple of two strings and a bool cost ~220. The site
    is kept as a CRC-32: candidate_pairs only counts how many postings share one."""
    site = zlib.crc32(sig.domain.encode("utf-8"))
    return struct.pack(">IB", site, sig.is_new) + sig.article_id.encode("utf-8")


def unpack_posting(data):
    """(article_id, site, is_new), as candidate_pairs takes them."""
    site, is_new = struct.unpack_from(">IB", data)
    return data[5:].decode("utf-8"), site, bool(is_new)


def packed_terms(terms):
    """A term vector as bytes for the joins that carry it to every candidate pair: decoded,
    150 (bucket, count) tuples take ~18 KB, packed 1.2 KB."""
    return array("I", [x for pair in terms for x in pair]).tobytes()


def unpacked_terms(data):
    flat = array("I")
    flat.frombytes(data)
    return zip(flat[::2], flat[1::2])


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


# ---------------------------------------------------------------- the cross-run index


def signature_of(article):
    text = article.get(TEXT_SIGNATURE) or analyse(article["text"])
    return Signature(article["article_id"], article["source_domain"] or "",
                     article["published_at"] or article["fetched_at"], article["word_count"],
                     text)


TEXT_SIGNATURE = "_text_signature"


def with_text_signature(article):
    """The article with its text's signature attached (not written: `_` keys are internal).

    Computed where the article is made, in the stage that overlaps extraction, rather than
    after the shuffles before grouping, where nothing else runs beside it.
    """
    return {**article, TEXT_SIGNATURE: analyse(article["text"])}


def index_row(sig, dup_id, story_id, run_id):
    t = sig.text
    return {"article_id": sig.article_id, "dup_id": dup_id, "story_id": story_id,
            "source_domain": sig.domain, "when": sig.when, "word_count": sig.word_count,
            "fingerprints": list(t.fingerprints), "quoted": list(t.quoted),
            "quoted_shingles": list(t.quoted_shingles),
            "term_buckets": [b for b, _ in t.terms], "term_counts": [n for _, n in t.terms],
            "run_id": run_id}


def signature_from_row(row):
    when = row["when"]
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    text = TextSignature(tuple(row["fingerprints"]), tuple(row["quoted"]),
                         tuple(row["quoted_shingles"]),
                         tuple(zip(row["term_buckets"], row["term_counts"])))
    return Signature(row["article_id"], row["source_domain"], when, row["word_count"], text,
                     row["dup_id"], row["story_id"])


def index_patterns(day, output, days=INDEX_DAYS):
    """File patterns of the index partitions within `days` of one day (YYYY-MM-DD)."""
    day = date.fromisoformat(day)
    return [FileSystems.join(output, INDEX_DIR, f"date={(day + timedelta(d)).isoformat()}",
                             "*.parquet") for d in range(-days, days + 1)]


class ReadSignatureIndex(beam.PTransform):
    """Signatures of written articles from the days around the new articles' days."""

    def __init__(self, output, days=INDEX_DAYS):
        super().__init__()
        self.output = output
        self.days = days

    def expand(self, new_signatures):
        output, days = self.output, self.days
        return (new_signatures
                | "Days" >> beam.Map(lambda s: (s.when or datetime.now(timezone.utc)).astimezone(
                    timezone.utc).date().isoformat())
                | "DistinctDays" >> beam.Distinct()
                | "Patterns" >> beam.FlatMap(lambda day: index_patterns(day, output, days))
                | "DistinctPatterns" >> beam.Distinct()
                | "Match" >> fileio.MatchAll(fileio.EmptyMatchTreatment.ALLOW)  # one day each
                | "Open" >> fileio.ReadMatches()
                | "Rows" >> beam.FlatMap(read_parquet_rows)
                | "Signatures" >> beam.Map(signature_from_row))


# ---------------------------------------------------------------- Beam stages


class _CountInBundleFn(beam.DoFn):
    def __init__(self, keys_of):
        self.keys_of = keys_of

    def start_bundle(self):
        self.counts = {}

    def process(self, element, window=beam.DoFn.WindowParam):
        self.counts.setdefault(window, Counter()).update(self.keys_of(element))

    def finish_bundle(self):
        for window, counts in self.counts.items():
            for key, n in counts.items():
                yield WindowedValue((key, n), window.max_timestamp(), [window])
        self.counts = {}


class CountKeys(beam.PTransform):
    """elements -> (key, count) over all the keys `keys_of` gives for each element.

    Like FlatMap + Count.PerElement, but counted within each bundle first: a key that many
    elements give (a pair sharing a hundred fingerprints, a common term) costs one element
    downstream per bundle, not one per occurrence, which was most of grouping's time.
    """

    def __init__(self, keys_of):
        super().__init__()
        self.keys_of = keys_of

    def expand(self, pcoll):
        return (pcoll
                | "CountInBundle" >> beam.ParDo(_CountInBundleFn(self.keys_of))
                | "Sum" >> beam.CombinePerKey(sum))


class _PostingListsFn(beam.DoFn):
    """signatures -> (hash, fragment): a bundle's postings of one hash travel together, and a
    hash already over a boilerplate cap travels as OVER_CAP alone. Caps only grow with more
    postings, so the pairs are the same; the grouping buffer shrinks where hashes repeat
    (copies, boilerplate). With distinct articles most fragments hold one posting."""

    HELD = 100_000      # hashes held before they are sent on, so memory stays bounded

    def __init__(self, hashes_of):
        self.hashes_of = hashes_of

    def start_bundle(self):
        self.lists = {}                 # (window, hash) -> [packed posting] or OVER_CAP

    def process(self, sig, window=beam.DoFn.WindowParam):
        packed = posting(sig)
        for h in self.hashes_of(sig):
            held = self.lists.get((window, h))
            if held is None:
                self.lists[(window, h)] = [packed]
            elif held is not OVER_CAP:
                held.append(packed)
                if len(held) > MAX_DOCS_PER_HASH and len(set(held)) > MAX_DOCS_PER_HASH:
                    self.lists[(window, h)] = OVER_CAP
        if len(self.lists) > self.HELD:
            yield from self.finish_bundle()

    def finish_bundle(self):
        lists, self.lists = self.lists, {}
        for (window, h), held in lists.items():
            if held is not OVER_CAP and len(held) >= MAX_DOCS_PER_SITE and \
                    is_boilerplate({unpack_posting(p) for p in held}):
                held = OVER_CAP
            yield WindowedValue((h, held if held is OVER_CAP else tuple(held)),
                                window.max_timestamp(), [window])


class CandidatePairs(beam.PTransform):
    """Signatures -> ((a, b), number of shared hashes) for pairs sharing a non-boilerplate hash."""

    def __init__(self, hashes_of):
        super().__init__()
        self.hashes_of = hashes_of

    def expand(self, signatures):
        hashes_of = self.hashes_of
        return (signatures
                | "Postings" >> beam.ParDo(_PostingListsFn(hashes_of))
                | "ByHash" >> beam.GroupByKey()
                | "CountShared" >> CountKeys(lambda kv: fragment_pairs(kv[1])))


def _emit_with_a(element):
    _, grouped = element
    infos = list(grouped["info"])
    for (a, b), payload in grouped["pairs"]:
        if infos:
            yield b, ((a, b), payload, infos[0])


def _emit_with_both(element):
    _, grouped = element
    infos = list(grouped["info"])
    for pair, payload, info_a in grouped["pairs"]:
        if infos:
            yield pair, payload, info_a, infos[0]


class JoinBothEnds(beam.PTransform):
    """((a, b), payload) -> ((a, b), payload, info[a], info[b]): two joins, no side input, so
    per-article data never has to fit in one worker."""

    def __init__(self, info):
        super().__init__()
        self.info = info

    def expand(self, pairs):
        by_a = pairs | "ByA" >> beam.Map(lambda pp: (pp[0][0], pp))
        with_a = ({"pairs": by_a, "info": self.info} | "JoinA" >> beam.CoGroupByKey()
                  | "EmitA" >> beam.FlatMap(_emit_with_a))
        return ({"pairs": with_a, "info": self.info} | "JoinB" >> beam.CoGroupByKey()
                | "EmitB" >> beam.FlatMap(_emit_with_both))


def _story_counts(element):
    pair, grouped = element
    quotes = sum(grouped["quotes"])
    quoted_fps = sum(grouped["quoted_fps"])
    if quotes_enough(quotes, quoted_fps):
        yield pair, (quotes, quoted_fps)


def _story_edge(joined, df, n_docs):
    (a, b), (quotes, quoted_fps), (times_a, terms_a), (times_b, terms_b) = joined
    hours = closest_hours(times_a, times_b)
    if hours is not None and hours <= STORY_HOURS and is_story(    # time first: cheaper
            quotes, quoted_fps, hours,
            tfidf_cosine(unpacked_terms(terms_a), unpacked_terms(terms_b), df, n_docs)):
        yield a, b, quotes


EXACT_COPIES = "exact_copies"


def _split_class(element):
    representatives, edges = split_exact_copies(element[1])
    yield from representatives
    for edge in edges:
        yield beam.pvalue.TaggedOutput(EXACT_COPIES, edge)


def _attach(article, assignment):
    dup_id, story_id = assignment.get(article["article_id"], (article["article_id"],) * 2)
    row = {k: v for k, v in article.items() if k != TEXT_SIGNATURE}   # used: not carried on
    return {**row, "dup_id": dup_id, "story_id": story_id}


def _assign(_, signatures, copy_edges, story_edges):
    yield from assign_groups(signatures, copy_edges, story_edges).items()


class GroupArticles(beam.PTransform):
    """article rows -> {"articles": rows with dup_id/story_id, "index": signature index rows}.

    output: the dataset root whose `_state/signatures/` holds earlier runs' signatures (None: no
    cross-run matching).
    """

    def __init__(self, run_id, output=None, index_days=INDEX_DAYS):
        super().__init__()
        self.run_id = run_id
        self.output = output
        self.index_days = index_days

    def expand(self, articles):
        new = articles | "Signature" >> beam.Map(signature_of)
        if self.output:
            old = new | "ReadIndex" >> ReadSignatureIndex(self.output, self.index_days)
            signatures = (new, old) | "AllSignatures" >> beam.Flatten()
        else:
            signatures = new
        # Exact copies are judged once, through one representative of each class.
        texts = (signatures
                 | "KeyByText" >> beam.Map(lambda s: (text_key(s), s))
                 | "ExactCopies" >> beam.GroupByKey())
        classes = texts | "SplitClasses" >> beam.FlatMap(_split_class).with_outputs(
            EXACT_COPIES, main="representatives")
        representatives = classes.representatives | "Representative" >> beam.Map(lambda r: r[0])
        sizes = representatives | "Sizes" >> beam.Map(
            lambda s: (s.article_id, len(s.text.fingerprints)))
        copy_edges = (
            (representatives
             | "CopyCandidates" >> CandidatePairs(lambda s: s.text.fingerprints)
             | "JoinSizes" >> JoinBothEnds(sizes)
             | "CopyEdges" >> beam.FlatMap(
                 lambda j: [j[0]] if is_copy(j[1], j[2], j[3]) else []),
             classes[EXACT_COPIES])
            | "AllCopyEdges" >> beam.Flatten())

        quotes = representatives | "QuoteCandidates" >> CandidatePairs(
            lambda s: s.text.quoted_shingles)
        quoted_fps = representatives | "QuotedFpCandidates" >> CandidatePairs(
            lambda s: s.text.quoted)
        topics = classes.representatives | "Topics" >> beam.Map(
            lambda r: (r[0].article_id, (r[1], packed_terms(r[0].text.terms))))
        # document frequencies count distinct texts: a story carried by a hundred sites does
        # not make its own words look common
        distinct = texts | "DistinctTexts" >> beam.Map(lambda kv: next(iter(kv[1])))
        df = distinct | "DocFrequency" >> CountKeys(lambda s: [b for b, _ in s.text.terms])
        n_docs = distinct | "CountDocs" >> beam.combiners.Count.Globally()
        story_edges = (
            {"quotes": quotes, "quoted_fps": quoted_fps}
            | "JoinQuoteCounts" >> beam.CoGroupByKey()
            | "QuotePairs" >> beam.FlatMap(_story_counts)
            | "JoinTopics" >> JoinBothEnds(topics)
            | "StoryEdges" >> beam.FlatMap(_story_edge, df=beam.pvalue.AsDict(df),
                                           n_docs=beam.pvalue.AsSingleton(n_docs)))

        # Clustering runs on one worker over small records: the text signatures stay behind.
        light = signatures | "Light" >> beam.Map(lambda s: replace(s, text=None))
        assignment = (
            articles.pipeline
            | "Once" >> beam.Create([None])
            | "Assign" >> beam.FlatMap(_assign, signatures=beam.pvalue.AsList(light),
                                       copy_edges=beam.pvalue.AsList(copy_edges),
                                       story_edges=beam.pvalue.AsList(story_edges)))
        # The rows wait for the assignment without their signatures (half their size again).
        rows = articles | "WithoutSignature" >> beam.Map(
            lambda a: {k: v for k, v in a.items() if k != TEXT_SIGNATURE})
        grouped = rows | "Attach" >> beam.Map(_attach, assignment=beam.pvalue.AsDict(assignment))
        run_id = self.run_id
        index = (new | "KeyNew" >> beam.Map(lambda s: (s.article_id, s))
                 | "WithIds" >> beam.Map(
                     lambda kv, ids: index_row(kv[1], *ids.get(kv[0], (kv[0], kv[0])), run_id),
                     ids=beam.pvalue.AsDict(assignment)))
        return {"articles": grouped, "index": index}
