"""GroupArticles: copies (dup_id) and stories (story_id), within a run and across runs, by the
rules of transforms/dedup/rules.py spread over Beam's shuffles; GroupArticlesStreaming: the
same rules over keyed state, window by window.

Candidates come from a GroupByKey on signature hashes, never from all pairs. Articles written
by earlier runs come from `_state/signatures/` (the days around the new articles' days), so a
new copy joins the group its canonical copy has had since it was written.
"""
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone
from typing import NamedTuple

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.io import fileio
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindows
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec
from apache_beam.utils.shared import Shared
from apache_beam.utils.windowed_value import WindowedValue

from dataset.layout import day_partition_patterns
from dataset.parquet import decode
from schemas.records import Article
from schemas.tables import SIGNATURES
from transforms.dedup.fingerprints import analyse
from transforms.dedup.index import (OVER_CAP, fragment_pairs, index_row, packed_terms, posting,
                                    signature_from_row, unpack_posting, unpacked_terms)
from transforms.dedup.rules import (MAX_DOCS_PER_HASH, MAX_DOCS_PER_SITE, STORY_HOURS,
                                    assign_groups, closest_hours, embedding_bands,
                                    group_in_memory, is_boilerplate, is_copy,
                                    is_semantic_story, is_story, quotes_enough, signature_of,
                                    split_exact_copies, text_key, tfidf_cosine)
from transforms.dedup.semantic import BATCH, embed_rows, load_encoder, similarity

INDEX_DAYS = 3                   # a run compares its articles with this many days either side


class Grouped(NamedTuple):
    """What grouping gives: the articles with dup_id and story_id set, and their signature
    index rows for `_state/signatures/`."""
    articles: beam.PCollection
    signatures: beam.PCollection


def sign_text(article: Article) -> Article:
    """The article with its text's signature attached (it is not written).

    Computed where the article is made, in the stage that overlaps extraction, rather than
    after the shuffles before grouping, where nothing else runs beside it.
    """
    return replace(article, signature=analyse(article.row["text"]))


def embed_articles(model, articles: list) -> list:
    """The articles, those in the model's language with the embedding of their title and lead
    in their signature, computed in one batch."""
    return [replace(a, signature=replace(a.signature, embedding=v)) if v is not None else a
            for a, v in zip(articles, embed_rows(model, [a.row for a in articles]))]


class _EmbedArticlesFn(beam.DoFn):
    """Embeds articles in batches of BATCH within a bundle, each keeping its timestamp and
    window (RunInference's batching gives a global-window batch the end of time as its
    timestamp, which put a streaming job's articles in no window). One model per worker
    process, shared by its threads."""

    def __init__(self):
        self._shared = Shared()
        self.embedded = Metrics.counter("newsbeam.semantic", "articles_embedded")
        self.batches = Metrics.counter("newsbeam.semantic", "batches")

    def setup(self):
        self.model = self._shared.acquire(load_encoder)

    def start_bundle(self):
        self.held = []

    def process(self, article, timestamp=beam.DoFn.TimestampParam,
                window=beam.DoFn.WindowParam):
        self.held.append((article, timestamp, window))
        if len(self.held) >= BATCH:
            yield from self._flush()

    def finish_bundle(self):
        yield from self._flush()

    def _flush(self):
        held, self.held = self.held, []
        if not held:
            return
        done = embed_articles(self.model, [article for article, _, _ in held])
        self.batches.inc()
        self.embedded.inc(sum(a.signature.embedding is not None for a in done))
        for article, (_, timestamp, window) in zip(done, held):
            yield WindowedValue(article, timestamp, [window])


class SignTexts(beam.PTransform):
    """Article -> the same Article with its text signature (and, with `semantic`, the embedding
    of English articles)."""

    def __init__(self, semantic=False):
        super().__init__()
        self.semantic = semantic

    def expand(self, articles):
        signed = articles | "Sign" >> beam.Map(sign_text)
        if self.semantic:
            signed = signed | "Embed" >> beam.ParDo(_EmbedArticlesFn())
        return signed


def _attach(article: Article, assignment: dict) -> Article:
    """The article with its copy group and story, without its signature (used: not carried)."""
    dup_id, story_id = assignment.get(article.article_id, (article.article_id,) * 2)
    return Article({**article.row, "dup_id": dup_id, "story_id": story_id}, article.url_key)


def day_of(sig) -> str:
    return (sig.when or datetime.now(timezone.utc)).astimezone(timezone.utc).date().isoformat()


def _rows(readable_file):
    yield from decode(readable_file.read()).to_pylist()


class ReadSignatureIndex(beam.PTransform):
    """Signatures of written articles from the days around the new articles' days."""

    def __init__(self, output, days=INDEX_DAYS):
        super().__init__()
        self.output = output
        self.days = days

    def expand(self, new_signatures):
        output, days = self.output, self.days
        return (new_signatures
                | "Days" >> beam.Map(day_of)
                | "DistinctDays" >> beam.Distinct()
                | "Patterns" >> beam.FlatMap(
                    lambda day: day_partition_patterns(output, SIGNATURES, day, days))
                | "DistinctPatterns" >> beam.Distinct()
                | "Match" >> fileio.MatchAll(fileio.EmptyMatchTreatment.ALLOW)  # one day each
                | "Open" >> fileio.ReadMatches()
                | "Rows" >> beam.FlatMap(_rows)
                | "Signatures" >> beam.Map(signature_from_row))


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
        return (signatures
                | "Postings" >> beam.ParDo(_PostingListsFn(self.hashes_of))
                | "ByHash" >> beam.GroupByKey()
                | "CountShared" >> CountKeys(lambda kv: fragment_pairs(kv[1])))


class Joined(NamedTuple):
    """A candidate pair with what it carried and what is known of each end."""
    pair: tuple
    payload: object
    a: object
    b: object


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
            yield Joined(pair, payload, info_a, infos[0])


class JoinBothEnds(beam.PTransform):
    """((a, b), payload) -> Joined(pair, payload, info[a], info[b]): two joins, no side input,
    so per-article data never has to fit in one worker."""

    def __init__(self, info):
        super().__init__()
        self.info = info

    def expand(self, pairs):
        by_a = pairs | "ByA" >> beam.Map(lambda pp: (pp[0][0], pp))
        with_a = ({"pairs": by_a, "info": self.info} | "JoinA" >> beam.CoGroupByKey()
                  | "EmitA" >> beam.FlatMap(_emit_with_a))
        return ({"pairs": with_a, "info": self.info} | "JoinB" >> beam.CoGroupByKey()
                | "EmitB" >> beam.FlatMap(_emit_with_both))


def _copy_edge(joined: Joined):
    """payload: shared fingerprints; a, b: each end's fingerprint count."""
    if is_copy(joined.payload, joined.a, joined.b):
        yield joined.pair


def _story_counts(element):
    pair, grouped = element
    quotes = sum(grouped["quotes"])
    quoted_fps = sum(grouped["quoted_fps"])
    if quotes_enough(quotes, quoted_fps):
        yield pair, (quotes, quoted_fps)


def _story_edge(joined: Joined, df, n_docs):
    """payload: (shared quoted shingles, shared quoted fingerprints); a, b: each end's
    (member times, packed terms)."""
    (quotes, quoted_fps), (times_a, terms_a), (times_b, terms_b) = \
        joined.payload, joined.a, joined.b
    hours = closest_hours(times_a, times_b)
    if hours is not None and hours <= STORY_HOURS and is_story(    # time first: cheaper
            quotes, quoted_fps, hours,
            tfidf_cosine(unpacked_terms(terms_a), unpacked_terms(terms_b), df, n_docs)):
        yield joined.pair[0], joined.pair[1], quotes


EXACT_COPIES = "exact_copies"


def _split_class(element):
    representatives, edges = split_exact_copies(element[1])
    yield from representatives
    for edge in edges:
        yield beam.pvalue.TaggedOutput(EXACT_COPIES, edge)


def _assign(_, signatures, copy_edges, story_edges):
    yield from assign_groups(signatures, copy_edges, story_edges).items()


def _semantic_edge(joined: Joined):
    """a, b: each end's (member times, embedding)."""
    (times_a, embedding_a), (times_b, embedding_b) = joined.a, joined.b
    if is_semantic_story(closest_hours(times_a, times_b), similarity(embedding_a, embedding_b)):
        yield joined.pair[0], joined.pair[1], 0


def _index_row(sig, assignment, run_id):
    dup_id, story_id = assignment.get(sig.article_id, (sig.article_id, sig.article_id))
    return index_row(sig, dup_id, story_id, run_id)


class GroupArticles(beam.PTransform):
    """Article -> Grouped(articles with dup_id/story_id, signature index rows).

    output: the dataset root whose `_state/signatures/` holds earlier runs' signatures (None: no
    cross-run matching).
    """

    def __init__(self, run_id, output=None, index_days=INDEX_DAYS, semantic=False):
        super().__init__()
        self.run_id = run_id
        self.output = output
        self.index_days = index_days
        self.semantic = semantic

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
             | "CopyEdges" >> beam.FlatMap(_copy_edge),
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
        if self.semantic:
            embedded = classes.representatives | "Embedded" >> beam.Filter(
                lambda r: r[0].text.embedding is not None)
            vectors = embedded | "Vectors" >> beam.Map(
                lambda r: (r[0].article_id, (r[1], r[0].text.embedding)))
            semantic_edges = (
                embedded
                | "EmbeddingOnly" >> beam.Map(lambda r: r[0])
                | "SemanticCandidates" >> CandidatePairs(embedding_bands)
                | "JoinVectors" >> JoinBothEnds(vectors)
                | "SemanticEdges" >> beam.FlatMap(_semantic_edge))
            story_edges = (story_edges, semantic_edges) | "AllStoryEdges" >> beam.Flatten()

        # Clustering runs on one worker over small records: the text signatures stay behind.
        light = signatures | "Light" >> beam.Map(lambda s: replace(s, text=None))
        assignment = (
            articles.pipeline
            | "Once" >> beam.Create([None])
            | "Assign" >> beam.FlatMap(_assign, signatures=beam.pvalue.AsList(light),
                                       copy_edges=beam.pvalue.AsList(copy_edges),
                                       story_edges=beam.pvalue.AsList(story_edges)))
        # The articles wait for the assignment without their signatures (half their size again).
        unsigned = articles | "WithoutSignature" >> beam.Map(lambda a: replace(a, signature=None))
        grouped = unsigned | "Attach" >> beam.Map(_attach,
                                                  assignment=beam.pvalue.AsDict(assignment))
        index = new | "IndexRows" >> beam.Map(_index_row, beam.pvalue.AsDict(assignment),
                                               self.run_id)
        return Grouped(grouped, index)


SIGNATURE_ROWS = "signatures"


class _GroupAcrossWindowsFn(beam.DoFn):
    """One key: the signatures written within the TTL, for each window's new articles."""
    WRITTEN = ReadModifyWriteStateSpec("written", PickleCoder())

    def __init__(self, ttl_seconds, run_id):
        self.ttl = ttl_seconds
        self.run_id = run_id

    def process(self, element, written=beam.DoFn.StateParam(WRITTEN),
                timestamp=beam.DoFn.TimestampParam):
        _, articles = element
        articles = list(articles)
        now = timestamp.to_utc_datetime().replace(tzinfo=None)
        old = [s for s in (written.read() or [])
               if s.when is None or (now - s.when.replace(tzinfo=None)).total_seconds() < self.ttl]
        new = [signature_of(a) for a in articles]
        ids = group_in_memory(new, old)
        written.write(old + [replace(s, dup_id=ids[s.article_id][0],
                                     story_id=ids[s.article_id][1]) for s in new])
        for article in articles:
            yield _attach(article, ids)
        for sig in new:   # for batch runs after this job: the same index as GroupArticles writes
            yield beam.pvalue.TaggedOutput(SIGNATURE_ROWS, _index_row(sig, ids, self.run_id))


class GroupArticlesStreaming(beam.PTransform):
    """Windowed articles -> Grouped: matched within each window and against the articles of
    earlier windows written within `ttl_seconds`.

    All windows meet in one keyed state, so one worker does this step: fine for a newsroom's
    stream (thousands of articles a day), not for a firehose.
    """

    def __init__(self, ttl_seconds, run_id="stream"):
        super().__init__()
        self.ttl_seconds = ttl_seconds
        self.run_id = run_id

    def expand(self, articles):
        windowfn = articles.windowing.windowfn
        grouped = (articles
                   | "OneKey" >> beam.Map(lambda a: (None, a))
                   | "ByWindow" >> beam.GroupByKey()
                   | "AcrossWindows" >> beam.WindowInto(GlobalWindows())
                   | "Group" >> beam.ParDo(_GroupAcrossWindowsFn(self.ttl_seconds, self.run_id))
                   .with_outputs(SIGNATURE_ROWS, main="articles"))
        return Grouped(grouped.articles | "BackToWindows" >> beam.WindowInto(windowfn),
                       grouped[SIGNATURE_ROWS] | "IndexToWindows" >> beam.WindowInto(windowfn))
