"""What later runs need to know, under `_state/` (ignored by readers of the dataset):

- `seen/`: one row per handled entry link, published after the articles it describes, so a crash
  in between can only repeat a fetch, never lose an article;
- `feeds/`: each feed's validators (ETag, Last-Modified) and content hash, for conditional GET;
- `signatures/`: the copy and story index (transforms/grouping.py).
"""
import io

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems

from schemas.reasons import TRANSIENT_REASONS

SEEN_DIR = "_state/seen"
FEEDS_DIR = "_state/feeds"


def read_parquet_rows(readable_file, columns=None):
    data = pq.read_table(io.BytesIO(readable_file.read()), columns=columns, use_threads=False)
    yield from data.to_pylist()


class ReadStateTable(beam.PTransform):
    """All rows of one state table written by earlier runs (none on a first run)."""

    def __init__(self, output, subdir, columns=None):
        super().__init__()
        self.pattern = FileSystems.join(output, subdir, "*.parquet")
        self.columns = columns

    def expand(self, pbegin):
        return (pbegin
                | "Match" >> fileio.MatchFiles(self.pattern,
                                               empty_match_treatment=fileio.EmptyMatchTreatment.ALLOW)
                | "Open" >> fileio.ReadMatches()
                | "Rows" >> beam.FlatMap(read_parquet_rows, columns=self.columns))


def ReadSeen(output):  # noqa: N802 - reads like the other transforms
    return ReadStateTable(output, SEEN_DIR, ["url_key", "article_id"])


class ReadFeedState(beam.PTransform):
    """(feed_url, validators row) for every feed an earlier run fetched."""

    def __init__(self, output):
        super().__init__()
        self.output = output

    def expand(self, pbegin):
        return (pbegin
                | "Rows" >> ReadStateTable(self.output, FEEDS_DIR)
                | "ByFeed" >> beam.Map(lambda r: (r["feed_url"], r))
                | "Latest" >> beam.CombinePerKey(lambda rows: max(rows, key=lambda r: r["at"])))


def seen_from_article(article):
    return {"url_key": article["_url_key"], "article_id": article["article_id"],
            "status": "article", "reason": None, "run_id": article["run_id"]}


def seen_from_skip(skip, run_id):
    """Only skips that learned something new: an entry link that led to a known article."""
    if skip.article_id is None:
        return []
    return [{"url_key": skip.url_key, "article_id": skip.article_id, "status": "duplicate",
             "reason": None, "run_id": run_id}]


def seen_from_reject(reject, run_id):
    """Permanent entry failures are remembered; transient ones are retried by the next run."""
    if reject.url_key is None or reject.reason in TRANSIENT_REASONS:
        return []
    return [{"url_key": reject.url_key, "article_id": None, "status": "rejected",
             "reason": reject.reason, "run_id": run_id}]
