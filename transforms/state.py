"""What later runs need to know, under `_state/` (ignored by readers of the dataset):

- `seen/`: one row per handled entry link, published after the articles it describes, so a crash
  in between can only repeat a fetch, never lose an article;
- `feeds/`: each feed's validators (ETag, Last-Modified) and content hash, for conditional GET;
- `signatures/`: the copy and story index (transforms/grouping.py).

This module reads the first two and makes the seen rows a run leaves behind.
"""
from typing import NamedTuple

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems

from dataset.parquet import decode
from schemas.reasons import TRANSIENT_REASONS
from schemas.records import Article, FeedState, Reject, Skip
from schemas.tables import FEEDS, SEEN, Table


def _rows(readable_file, columns=None):
    yield from decode(readable_file.read(), columns).to_pylist()


class ReadStateTable(beam.PTransform):
    """All rows of one state table written by earlier runs (none on a first run)."""

    def __init__(self, output: str, table: Table, columns=None):
        super().__init__()
        self.pattern = FileSystems.join(output, table.folder, "*.parquet")
        self.columns = columns

    def expand(self, pbegin):
        return (pbegin
                | "Match" >> fileio.MatchFiles(self.pattern,
                                               empty_match_treatment=fileio.EmptyMatchTreatment.ALLOW)
                | "Open" >> fileio.ReadMatches()
                | "Rows" >> beam.FlatMap(_rows, columns=self.columns))


class Seen(NamedTuple):
    """The keys earlier runs handled: entry links (url_key) and article ids."""
    links: beam.PCollection
    articles: beam.PCollection


class ReadSeen(beam.PTransform):
    def __init__(self, output: str):
        super().__init__()
        self.output = output

    def expand(self, pbegin):
        rows = pbegin | "Rows" >> ReadStateTable(self.output, SEEN, ["url_key", "article_id"])
        return Seen(rows | "Links" >> beam.Map(lambda r: r["url_key"]),
                    rows | "Articles" >> beam.FlatMap(
                        lambda r: [r["article_id"]] if r["article_id"] else []))


def _latest(states):
    return max(states, key=lambda s: s.at)


class ReadFeedState(beam.PTransform):
    """(feed_url, FeedState) for every feed an earlier run fetched: its latest state."""

    def __init__(self, output: str):
        super().__init__()
        self.output = output

    def expand(self, pbegin):
        return (pbegin
                | "Rows" >> ReadStateTable(self.output, FEEDS)
                | "ByFeed" >> beam.Map(lambda r: (r["feed_url"], FeedState(**r)))
                | "Latest" >> beam.CombinePerKey(_latest))


def seen_from_article(article: Article) -> dict:
    return {"url_key": article.url_key, "article_id": article.article_id,
            "status": "article", "reason": None, "run_id": article.row["run_id"]}


def seen_from_skip(skip: Skip, run_id: str) -> list:
    """Only skips that learned something new: an entry link that led to a known article."""
    if skip.article_id is None:
        return []
    return [{"url_key": skip.url_key, "article_id": skip.article_id, "status": "duplicate",
             "reason": None, "run_id": run_id}]


def seen_from_reject(reject: Reject, run_id: str) -> list:
    """Permanent entry failures are remembered; transient ones are retried by the next run."""
    if reject.url_key is None or reject.reason in TRANSIENT_REASONS:
        return []
    return [{"url_key": reject.url_key, "article_id": None, "status": "rejected",
             "reason": reject.reason, "run_id": run_id}]
