"""The pipeline: feeds -> entries -> pages -> articles -> copies and stories -> Parquet.

`Newsbeam` is one composite for batch runs and streaming jobs. They differ only where state
lives and when output is published, and that difference is the mode (`Batch`, `Streaming`): a
batch run joins `_state` files and publishes once; a streaming job polls, keeps seen links,
articles and signatures in keyed state (primed from `_state`), and publishes each fixed window.
"""
from dataclasses import dataclass
from datetime import timedelta

import apache_beam as beam
from apache_beam.transforms import window

from transforms.extract import ExtractText
from transforms.feedlist import PollFeedList
from transforms.feeds import ReadFeeds
from transforms.fetch import FetchArticles
from transforms.grouping import GroupArticles, GroupArticlesStreaming, SignTexts
from transforms.language import DetectLanguage
from transforms.normalise import NormaliseMetadata
from transforms.pages import KeepPages
from transforms.progress import TapProgress
from transforms.publish import PublishRun, RunOutputs
from transforms.seen import ARTICLES, BAD_ENTRIES, LINKS, DropSeen, DropSeenByState
from transforms.state import ReadFeedState, ReadSeen
from transforms.web.http import FetchPolicy


@dataclass(frozen=True)
class RunConfig:
    """Everything the graph needs besides Beam's options; built once by pipeline.main."""
    run_id: str
    output: str
    staging: str
    feeds: tuple
    policy: FetchPolicy
    fetch_threads: int
    shards: int
    language_detector: str
    extract_timeout: float
    extract_processes: int
    same_site_links: bool
    run_info: dict
    recent: timedelta = timedelta(days=3)   # sitemap entries older than this: too_old
    spread_pages: bool = False   # reshuffle fetched pages (distributed runners)
    fast_extraction: bool = False
    semantic_stories: bool = False   # the embedding tier of the story rule
    streaming: bool = False
    feeds_path: str = ""
    poll_interval: float = 300
    window: float = 300
    run_duration: float = 0
    state_ttl: float = 3 * 24 * 3600
    progress: str = ""      # loopback address of the launcher's status line, if it shows one


class Batch:
    """One run: poll every feed once, join what earlier runs left in `_state`, publish once."""
    window = None           # the run is one unit

    def __init__(self, cfg: RunConfig):
        self.cfg = cfg

    def list_feeds(self):
        return beam.Create(self.cfg.feeds)

    def known_feeds(self, pbegin):
        return pbegin | "ReadFeedState" >> ReadFeedState(self.cfg.output)

    def drop_seen(self, seen_keys, kind):
        return DropSeen(seen_keys, kind)

    def group_articles(self):
        return GroupArticles(self.cfg.run_id, self.cfg.output,
                             semantic=self.cfg.semantic_stories)


class Streaming:
    """A long job: poll every --poll_interval, remember in keyed state for --state_ttl, publish
    every --window."""

    def __init__(self, cfg: RunConfig):
        self.cfg = cfg
        self.window = cfg.window

    def list_feeds(self):
        return PollFeedList(self.cfg.feeds_path, self.cfg.poll_interval, self.cfg.run_duration)

    def known_feeds(self, pbegin):
        return None          # every poll fetches in full; keyed state drops what was seen

    def drop_seen(self, seen_keys, kind):
        return DropSeenByState(seen_keys, kind, self.cfg.state_ttl)

    def group_articles(self):
        return (beam.WindowInto(window.FixedWindows(self.cfg.window))
                | GroupArticlesStreaming(self.cfg.state_ttl, self.cfg.run_id))


def mode_for(cfg: RunConfig):
    return Streaming(cfg) if cfg.streaming else Batch(cfg)


class Newsbeam(beam.PTransform):
    """The whole pipeline, from the feed list to the published manifests."""

    def __init__(self, cfg: RunConfig):
        super().__init__()
        self.cfg = cfg
        self.mode = mode_for(cfg)

    def expand(self, pbegin):
        cfg, mode = self.cfg, self.mode
        seen = pbegin | "ReadSeen" >> ReadSeen(cfg.output)
        keep = KeepPages(cfg.staging, cfg.run_id, mode.window) if cfg.policy.keep_pages \
            else None
        feeds = (pbegin | "ListFeeds" >> mode.list_feeds()
                 | "ReadFeeds" >> ReadFeeds(cfg.policy, cfg.run_id, mode.known_feeds(pbegin),
                                            cfg.same_site_links, cfg.fetch_threads,
                                            cfg.streaming, cfg.recent, keep))
        links = feeds.entries | "DropSeenLinks" >> mode.drop_seen(seen.links, LINKS)
        bad = feeds.bad_entries | "DropSeenBadEntries" >> mode.drop_seen(seen.links, BAD_ENTRIES)
        fetched = links.fresh | "FetchArticles" >> FetchArticles(
            cfg.policy, cfg.fetch_threads, cfg.streaming, cfg.spread_pages, keep)
        extracted = fetched.pages | "ExtractText" >> ExtractText(
            cfg.extract_timeout, cfg.extract_processes, cfg.fast_extraction)
        normalised = (extracted.pages
                      | "DetectLanguage" >> DetectLanguage(cfg.language_detector)
                      | "NormaliseMetadata" >> NormaliseMetadata(cfg.run_id))
        articles = (normalised.articles
                    | "SignTexts" >> SignTexts(cfg.semantic_stories)
                    | "DropSeenArticles" >> mode.drop_seen(seen.articles, ARTICLES))
        grouped = articles.fresh | "GroupArticles" >> mode.group_articles()
        run = RunOutputs(
            articles=grouped.articles, signatures=grouped.signatures, feed_states=feeds.states,
            rejects=(feeds.rejects, bad.fresh, fetched.rejects, extracted.rejects,
                     normalised.rejects),
            skipped=(feeds.skipped, links.skipped, bad.skipped, articles.skipped),
            hosts=(feeds.hosts, fetched.hosts), discovered=(feeds.discovered,),
            kept_files=(feeds.kept_files, fetched.kept_files) if keep else (),
            kept_rows=(feeds.kept_rows, fetched.kept_rows) if keep else ())
        self._tap_progress(feeds, fetched, normalised, run)
        return run | "PublishRun" >> PublishRun(cfg.output, cfg.staging, cfg.run_id,
                                                cfg.run_info, cfg.shards, mode.window)

    def _tap_progress(self, feeds, fetched, normalised, run):
        """The counts a run shows while it goes (transforms/progress.py)."""
        taps = {"feeds": (feeds.states, feeds.rejects),
                "entries": (feeds.entries, feeds.bad_entries),
                "fetched": (fetched.pages,), "extracted": (normalised.articles,),
                "written": (run.articles,), "rejects": run.rejects, "skipped": run.skipped}
        for name, pcolls in taps.items():
            _ = (pcolls | f"Progress/{name}/All" >> beam.Flatten()
                 | f"Progress/{name}" >> TapProgress(name, self.cfg.progress))


def build(p, cfg: RunConfig):
    """Add newsbeam to pipeline p. Returns the published manifests' PCollection."""
    return p | "Newsbeam" >> Newsbeam(cfg)
