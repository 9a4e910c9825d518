"""PublishRun: everything a run leaves becomes rows of its tables, staged, counted, and published
unit by unit (the run in batch, each fixed window in streaming) through dataset/publish.py."""
from dataclasses import asdict
from datetime import timezone
from typing import NamedTuple, Optional

import apache_beam as beam
from apache_beam.transforms import window as windows
from apache_beam.transforms.window import GlobalWindow

from dataset.publish import publish
from schemas.counts import RunCounts
from schemas.records import FeedState, Reject
from schemas.tables import TABLES
from transforms.counts import CountRun
from transforms.state import seen_from_article, seen_from_reject, seen_from_skip
from transforms.write import WriteTable, window_token


class RunOutputs(NamedTuple):
    """What a run produced, by kind: Article, signature index rows, FeedState, Reject, Skip,
    HostReport, Discovery."""
    articles: beam.PCollection
    signatures: beam.PCollection
    feed_states: beam.PCollection
    rejects: tuple        # of PCollections of Reject, one per stage that rejects
    skipped: tuple        # of PCollections of Skip
    hosts: tuple = ()     # of PCollections of HostReport, one per stage that fetches
    discovered: tuple = ()   # of PCollections of Discovery
    kept_files: tuple = ()   # of PCollections of StagedFile (WARC, --keep_pages), per fetch stage
    kept_rows: tuple = ()    # of PCollections of pages table rows, per fetch stage


def reject_row(reject: Reject, run_id: str) -> dict:
    row = asdict(reject)
    row.update(stage=reject.stage.value, run_id=run_id, at=reject.at.astimezone(timezone.utc))
    return row


def feed_state_row(state: FeedState) -> dict:
    return asdict(state)


class _PublishFn(beam.DoFn):
    def __init__(self, output, run_id, run_info):
        self.output = output
        self.run_id = run_id
        self.run_info = run_info

    def process(self, element, window=beam.DoFn.WindowParam):
        _, grouped = element
        final = isinstance(window, GlobalWindow)   # batch: the run is one unit
        unit = self.run_id + window_token(window)
        counts = next(iter(grouped["counts"]), None) or RunCounts()
        manifest = {**self.run_info, "counts": counts.to_manifest(), "status": "complete"}
        if not final:
            manifest["window"] = [window.start.to_utc_datetime().isoformat(),
                                  window.end.to_utc_datetime().isoformat()]
        yield publish(self.output, self.run_id, unit, list(grouped["staged"]), manifest, final)


class PublishRun(beam.PTransform):
    """RunOutputs -> the published manifests: every table staged, the run counted, then each
    unit's files published, its state after them and its manifest last.

    window: seconds per unit in streaming (each fixed window is written and published on its
    own); None in batch, where the run is one unit.
    """

    def __init__(self, output: str, staging: str, run_id: str, run_info: dict, shards: int = 1,
                 window: Optional[float] = None):
        super().__init__()
        self.output = output
        self.staging = staging
        self.run_id = run_id
        self.run_info = run_info
        self.shards = shards
        self.window = window

    def _into_units(self, pcoll, label):
        if self.window is None:
            return pcoll
        return pcoll | label >> beam.WindowInto(windows.FixedWindows(self.window))

    def expand(self, run):
        run_id = self.run_id
        articles = self._into_units(run.articles, "ArticlesIntoUnits")
        signatures = self._into_units(run.signatures, "SignaturesIntoUnits")
        feed_states = self._into_units(run.feed_states, "FeedStatesIntoUnits")
        rejects = self._into_units(run.rejects | "AllRejects" >> beam.Flatten(),
                                   "RejectsIntoUnits")
        skipped = self._into_units(run.skipped | "AllSkipped" >> beam.Flatten(),
                                   "SkippedIntoUnits")
        hosts = self._into_units(
            run.hosts | "AllHosts" >> beam.Flatten(pipeline=articles.pipeline),
            "HostsIntoUnits")
        discovered = self._into_units(
            run.discovered | "AllDiscovered" >> beam.Flatten(pipeline=articles.pipeline),
            "DiscoveredIntoUnits")
        rows = {
            "articles": articles | "ArticleRows" >> beam.Map(lambda a: a.row),
            "rejects": rejects | "RejectRows" >> beam.Map(reject_row, run_id=run_id),
            "seen": (articles | "SeenFromArticles" >> beam.Map(seen_from_article),
                     skipped | "SeenFromSkips" >> beam.FlatMap(seen_from_skip, run_id=run_id),
                     rejects | "SeenFromRejects" >> beam.FlatMap(seen_from_reject, run_id=run_id))
            | "SeenRows" >> beam.Flatten(),
            "feeds": feed_states | "FeedStateRows" >> beam.Map(feed_state_row),
            "signatures": signatures,
        }
        staged = [rows[name] | f"Write/{name}" >> WriteTable(table, self.staging, run_id,
                                                              self.shards)
                  for name, table in TABLES.items() if name in rows]
        if run.kept_files:       # --keep_pages: WARC files written where they were fetched
            kept_files = run.kept_files | "AllKeptFiles" >> beam.Flatten()
            kept_rows = run.kept_rows | "AllKeptRows" >> beam.Flatten()
            staged += [self._into_units(kept_files, "KeptFilesIntoUnits"),
                       self._into_units(kept_rows, "KeptRowsIntoUnits")
                       | "Write/pages" >> WriteTable(TABLES["pages"], self.staging, run_id,
                                                     self.shards)]
        staged = staged | "AllStaged" >> beam.Flatten()
        counts = ((articles, rejects, skipped, feed_states, hosts, discovered)
                  | "AllCounted" >> beam.Flatten()
                  | "CountRun" >> CountRun())
        return ({"staged": staged | "KeyStaged" >> beam.Map(lambda f: (None, f)),
                 "counts": counts | "KeyCounts" >> beam.Map(lambda c: (None, c))}
                | "ByUnit" >> beam.CoGroupByKey()
                | "Publish" >> beam.ParDo(_PublishFn(self.output, self.run_id, self.run_info)))
