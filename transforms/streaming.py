"""The streaming variants of the seen check and of copy/story grouping: keyed Beam state with
event-time expiry instead of `_state` files, the same rules as the batch stages.

Expiry is lazy: state remembers the event time it was written, and an element compares its own
event time with it. No timer clears state, because on the local runners event-time timers fire
early (at the end of each bundle round), which would forget keys long before their TTL.
"""
from collections import Counter, defaultdict
from dataclasses import replace

import apache_beam as beam
from apache_beam.coders import PickleCoder, VarIntCoder
from apache_beam.transforms import window
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from transforms.grouping import (_attach, assign_groups, candidate_pairs, closest_hours,
                                 index_row, is_copy, is_story, quotes_enough, signature_of,
                                 split_exact_copies, text_key, tfidf_cosine)
from transforms.seen import SKIPPED

_MICROS = 1_000_000


class _DedupFn(beam.DoFn):
    SEEN_AT = ReadModifyWriteStateSpec("seen_at", VarIntCoder())

    def __init__(self, ttl_seconds, make_skip):
        self.ttl = int(ttl_seconds * _MICROS)
        self.make_skip = make_skip

    def process(self, element, primed, seen_at=beam.DoFn.StateParam(SEEN_AT),
                timestamp=beam.DoFn.TimestampParam):
        key, record = element
        if key in primed:
            yield beam.pvalue.TaggedOutput(SKIPPED, self.make_skip(record, "seen"))
            return
        last, now = seen_at.read(), timestamp.micros
        if last is not None and now - last < self.ttl:
            yield beam.pvalue.TaggedOutput(SKIPPED, self.make_skip(record, "duplicate_in_run"))
            return
        seen_at.write(now)
        yield record


class DedupByKeyState(beam.PTransform):
    """records -> records not seen within `ttl_seconds` (event time), and Skips on `skipped`.

    primed_keys: keys handled by earlier runs (from `_state`), never emitted again.
    """

    def __init__(self, key_fn, ttl_seconds, make_skip, primed_keys):
        super().__init__()
        self.key_fn = key_fn
        self.ttl_seconds = ttl_seconds
        self.make_skip = make_skip
        self.primed_keys = primed_keys

    def expand(self, records):
        primed = self.primed_keys | "PrimedPairs" >> beam.Map(lambda k: (k, True))
        return (records
                | "Key" >> beam.Map(lambda r, f=self.key_fn: (f(r), r))
                | "AcrossWindows" >> beam.WindowInto(window.GlobalWindows())
                | "Dedup" >> beam.ParDo(_DedupFn(self.ttl_seconds, self.make_skip),
                                        beam.pvalue.AsDict(primed))  # positional: see process
                .with_outputs(SKIPPED, main="fresh"))


def _counts(signatures, hashes_of):
    """{(a, b): shared hashes} over an in-memory inverted index: the batch stage's GroupByKey
    and candidate_pairs (boilerplate caps, no pairs of two written articles), in one process."""
    postings = defaultdict(set)
    for sig in signatures:
        for h in hashes_of(sig):
            postings[h].add((sig.article_id, sig.domain, sig.is_new))
    return Counter(pair for members in postings.values() for pair in candidate_pairs(members))


def group_batch(new, old):
    """{article_id: (dup_id, story_id)} for `new` signatures, judged against each other and
    against `old` ones (already written, ids fixed), by the batch stage's rules."""
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
    return assign_groups(signatures, copies, stories)


INDEX = "index"


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
        ids = group_batch(new, old)
        written.write(old + [replace(s, dup_id=ids[s.article_id][0],
                                     story_id=ids[s.article_id][1]) for s in new])
        for article in articles:
            yield _attach(article, ids)
        for sig in new:   # for batch runs after this job: the same index as GroupArticles writes
            yield beam.pvalue.TaggedOutput(INDEX, index_row(sig, *ids[sig.article_id], self.run_id))


class GroupArticlesStreaming(beam.PTransform):
    """Windowed article rows -> the same rows with dup_id and story_id, matched within each
    window and against the articles of earlier windows written within `ttl_seconds`.

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
                   | "AcrossWindows" >> beam.WindowInto(window.GlobalWindows())
                   | "Group" >> beam.ParDo(_GroupAcrossWindowsFn(self.ttl_seconds, self.run_id))
                   .with_outputs(INDEX, main="articles"))
        return {"articles": grouped.articles | "BackToWindows" >> beam.WindowInto(windowfn),
                "index": grouped[INDEX] | "IndexToWindows" >> beam.WindowInto(windowfn)}
