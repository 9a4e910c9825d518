"""Counts for the run manifest, computed from the data itself (not from metrics), so they are
exact on every runner and available to the publish step inside the pipeline."""
from collections import Counter

import apache_beam as beam


class CountBy(beam.PTransform):
    """PCollection -> (key, 1) per element, for a later CombinePerKey(sum)."""

    def __init__(self, key_fn):
        super().__init__()
        self.key_fn = key_fn

    def expand(self, pcoll):
        return pcoll | "Key" >> beam.Map(lambda x, f=self.key_fn: (f(x), 1))


def feed_tally_key(what):
    """Key for the manifest's per-feed section: ("feed", feed_url, what).

    Records are FeedEntry, Skip and Reject objects or article rows; `what` is a count name, or
    a callable giving one (a feed's status is counted as "status:<status or reason>").
    """
    def key(record):
        feed_url = record["feed_url"] if isinstance(record, dict) else record.feed_url
        return ("feed", feed_url, what(record) if callable(what) else what)
    return key


def group_counts(ids):
    """Copy-group and story counts from (dup_id, story_id) pairs of all written articles."""
    dup_sizes = Counter(dup for dup, _ in ids)
    story_sizes = Counter(story for _, story in ids)
    multi_dups = [n for n in dup_sizes.values() if n > 1]
    multi_stories = [n for n in story_sizes.values() if n > 1]
    return [("copy_groups", len(multi_dups)), ("copies_in_groups", sum(multi_dups)),
            ("stories", len(multi_stories)), ("articles_in_stories", sum(multi_stories))]


class CountGroups(beam.PTransform):
    def expand(self, articles):
        return (articles
                | "Ids" >> beam.Map(lambda a: (a["dup_id"], a["story_id"]))
                | "All" >> beam.CombineGlobally(beam.combiners.ToListCombineFn()).without_defaults()
                | "Count" >> beam.FlatMap(group_counts))
