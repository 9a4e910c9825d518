"""What later runs need to know: which entry links and articles were already handled.

`_state/seen/part-<run_id>-*.parquet` holds one row per handled entry link. It is published after
the articles it describes, so a crash in between can only repeat a fetch, never lose an article.
"""
import io

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems

from schemas.reasons import TRANSIENT_REASONS

SEEN_DIR = "_state/seen"


def seen_pattern(output):
    return FileSystems.join(output, SEEN_DIR, "*.parquet")


def read_seen_file(readable_file):
    """Rows of one seen-state file as dicts (only the columns the join needs)."""
    data = pq.read_table(io.BytesIO(readable_file.read()), columns=["url_key", "article_id"])
    yield from data.to_pylist()


class ReadSeen(beam.PTransform):
    """The seen-state rows of all earlier runs (none on a first run)."""

    def __init__(self, output):
        super().__init__()
        self.output = output

    def expand(self, pbegin):
        return (pbegin
                | "Match" >> fileio.MatchFiles(seen_pattern(self.output),
                                               empty_match_treatment=fileio.EmptyMatchTreatment.ALLOW)
                | "Open" >> fileio.ReadMatches()
                | "Rows" >> beam.FlatMap(read_seen_file))


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
