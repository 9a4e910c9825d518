"""Drop what was already handled: in `_state` from earlier runs, or earlier in this run."""
import apache_beam as beam

from schemas.records import Skip

SKIPPED = "skipped"


def choose_first(records, seen_before, sort_key, make_skip):
    """Keep the first record of a key unless the key was seen before; the rest become Skips.

    Pure: the DoFn below only adapts it to CoGroupByKey's output.
    """
    records = sorted(records, key=sort_key)
    if seen_before:
        return None, [make_skip(r, "seen") for r in records]
    return records[0], [make_skip(r, "duplicate_in_run") for r in records[1:]]


class _ChooseFn(beam.DoFn):
    def __init__(self, sort_key, make_skip):
        self.sort_key = sort_key
        self.make_skip = make_skip

    def process(self, element):
        _, grouped = element
        records = list(grouped["records"])
        if not records:
            return
        keep, skips = choose_first(records, bool(list(grouped["seen"])), self.sort_key,
                                   self.make_skip)
        if keep is not None:
            yield keep
        for skip in skips:
            yield beam.pvalue.TaggedOutput(SKIPPED, skip)


class DropSeen(beam.PTransform):
    """records -> records not seen before (one per key), and Skips on the `skipped` output.

    A join (CoGroupByKey), not a side input, so the seen set never has to fit in one worker.
    """

    def __init__(self, seen_keys, key_fn, sort_key, make_skip):
        super().__init__()
        self.seen_keys = seen_keys
        self.key_fn = key_fn
        self.sort_key = sort_key
        self.make_skip = make_skip

    def expand(self, records):
        keyed = records | "KeyRecords" >> beam.Map(lambda r, f=self.key_fn: (f(r), r))
        seen = self.seen_keys | "KeySeen" >> beam.Map(lambda k: (k, None))
        return ({"records": keyed, "seen": seen}
                | "JoinSeen" >> beam.CoGroupByKey()
                | "Choose" >> beam.ParDo(_ChooseFn(self.sort_key, self.make_skip))
                .with_outputs(SKIPPED, main="fresh"))


def skip_entry(entry, reason):
    return Skip(reason=reason, url=entry.link, url_key=entry.url_key, feed_url=entry.feed_url)


def skip_article(article, reason):
    # An entry whose page turned out to be an article we already have.
    return Skip(reason="duplicate_article" if reason == "duplicate_in_run" else "seen_article",
                url=article["url"], url_key=article["_url_key"], article_id=article["article_id"],
                feed_url=article["feed_url"])


def entry_order(entry):
    return (entry.feed_url, entry.position, entry.link)


def article_order(article):
    return (article["url"], article["_url_key"])
