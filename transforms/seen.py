"""Drop what was already handled: in `_state` from earlier runs, or earlier in this run.

Three kinds of record are checked: entry links before fetching (saves requests), entries a feed
lists without a usable link (rejected once, not at every poll), and article ids after
extraction (two links that lead to one canonical page). A batch run joins them with the
seen keys of `_state/seen/` (DropSeen); a streaming job keeps them in keyed state with an
event-time TTL, primed from `_state` (DropSeenByState).
"""
from dataclasses import dataclass
from typing import Callable

import apache_beam as beam
from apache_beam.coders import VarIntCoder
from apache_beam.transforms import window
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from schemas.records import Article, FeedEntry, Reject, Skip

SKIPPED = "skipped"


def skip_entry(entry: FeedEntry, reason: str) -> Skip:
    return Skip(reason=reason, url=entry.link, url_key=entry.url_key, feed_url=entry.feed_url)


def skip_article(article: Article, reason: str) -> Skip:
    # An entry whose page turned out to be an article we already have.
    return Skip(reason="duplicate_article" if reason == "duplicate_in_run" else "seen_article",
                url=article.row["url"], url_key=article.url_key, article_id=article.article_id,
                feed_url=article.feed_url)


def skip_bad_entry(reject: Reject, reason: str) -> Skip:
    # An entry rejected before (no link, a bad link): rejected once, skipped after that.
    return Skip(reason=reason, url=reject.url or "", url_key=reject.url_key,
                feed_url=reject.feed_url)


def reject_key(reject: Reject) -> str:
    return reject.url_key


def reject_order(reject: Reject) -> tuple:
    return (reject.feed_url or "", reject.reason, reject.url or "", reject.detail)


def entry_key(entry: FeedEntry) -> str:
    return entry.url_key


def entry_order(entry: FeedEntry) -> tuple:
    return (entry.feed_url, entry.position, entry.link)


def article_key(article: Article) -> str:
    return article.article_id


def article_order(article: Article) -> tuple:
    return (article.row["url"], article.url_key)


@dataclass(frozen=True)
class Kind:
    """How one kind of record is checked: its key, which of several records with one key is
    kept (the first by `order`), and the Skip recorded for the others."""
    key: Callable
    order: Callable
    skip: Callable


LINKS = Kind(entry_key, entry_order, skip_entry)
ARTICLES = Kind(article_key, article_order, skip_article)
BAD_ENTRIES = Kind(reject_key, reject_order, skip_bad_entry)


def choose_first(records: list, seen_before: bool, kind: Kind) -> tuple:
    """Keep the first record of a key unless the key was seen before; the rest become Skips.

    Pure: the DoFn below only adapts it to CoGroupByKey's output.
    """
    records = sorted(records, key=kind.order)
    if seen_before:
        return None, [kind.skip(r, "seen") for r in records]
    return records[0], [kind.skip(r, "duplicate_in_run") for r in records[1:]]


class _ChooseFn(beam.DoFn):
    def __init__(self, kind):
        self.kind = kind

    def process(self, element):
        _, grouped = element
        records = list(grouped["records"])
        if not records:
            return
        keep, skips = choose_first(records, bool(list(grouped["seen"])), self.kind)
        if keep is not None:
            yield keep
        for skip in skips:
            yield beam.pvalue.TaggedOutput(SKIPPED, skip)


class DropSeen(beam.PTransform):
    """records -> records not seen before (one per key) on `fresh`, and Skips on `skipped`.

    A join (CoGroupByKey), not a side input, so the seen set never has to fit in one worker.
    """

    def __init__(self, seen_keys, kind: Kind):
        super().__init__()
        self.seen_keys = seen_keys
        self.kind = kind

    def expand(self, records):
        keyed = records | "KeyRecords" >> beam.Map(lambda r, f=self.kind.key: (f(r), r))
        seen = self.seen_keys | "KeySeen" >> beam.Map(lambda k: (k, None))
        return ({"records": keyed, "seen": seen}
                | "JoinSeen" >> beam.CoGroupByKey()
                | "Choose" >> beam.ParDo(_ChooseFn(self.kind)).with_outputs(SKIPPED, main="fresh"))


_MICROS = 1_000_000


class _DedupFn(beam.DoFn):
    SEEN_AT = ReadModifyWriteStateSpec("seen_at", VarIntCoder())

    def __init__(self, ttl_seconds, kind):
        self.ttl = int(ttl_seconds * _MICROS)
        self.kind = kind

    def process(self, element, primed, seen_at=beam.DoFn.StateParam(SEEN_AT),
                timestamp=beam.DoFn.TimestampParam):
        key, record = element
        if key in primed:
            yield beam.pvalue.TaggedOutput(SKIPPED, self.kind.skip(record, "seen"))
            return
        last, now = seen_at.read(), timestamp.micros
        if last is not None and now - last < self.ttl:
            yield beam.pvalue.TaggedOutput(SKIPPED, self.kind.skip(record, "duplicate_in_run"))
            return
        seen_at.write(now)
        yield record


class DropSeenByState(beam.PTransform):
    """Streaming: records not seen within `ttl_seconds` (event time) on `fresh`, and Skips on
    `skipped`.

    Expiry is lazy: state remembers the event time it was written, and an element compares its
    own event time with it. No timer clears state, because on the local runners event-time
    timers fire early (at the end of each bundle round), which would forget keys long before
    their TTL. primed_keys: keys handled by earlier runs (from `_state`), never emitted again.
    """

    def __init__(self, primed_keys, kind: Kind, ttl_seconds):
        super().__init__()
        self.primed_keys = primed_keys
        self.kind = kind
        self.ttl_seconds = ttl_seconds

    def expand(self, records):
        primed = self.primed_keys | "PrimedPairs" >> beam.Map(lambda k: (k, True))
        return (records
                | "Key" >> beam.Map(lambda r, f=self.kind.key: (f(r), r))
                | "AcrossWindows" >> beam.WindowInto(window.GlobalWindows())
                | "Dedup" >> beam.ParDo(_DedupFn(self.ttl_seconds, self.kind),
                                        beam.pvalue.AsDict(primed))  # positional: see process
                .with_outputs(SKIPPED, main="fresh"))
