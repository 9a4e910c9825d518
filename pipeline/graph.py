"""The pipeline graph: feeds -> entries -> pages -> articles -> groups -> Parquet -> publish.

One graph for batch runs and streaming jobs. They differ only where state lives: a batch run
joins `_state` files and publishes once; a streaming job polls, keeps seen links, articles and
signatures in keyed state (primed from `_state`), and publishes each fixed window.
"""
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

import apache_beam as beam
from apache_beam.transforms import window

from schemas.tables import (ARTICLE_SCHEMA, FEED_STATE_SCHEMA, REJECT_SCHEMA, SEEN_SCHEMA,
                            SIGNATURE_SCHEMA)
from transforms.extract import ExtractText
from transforms.feedlist import PollFeedList
from transforms.feeds import ReadFeeds
from transforms.fetch import FetchArticles
from transforms.grouping import INDEX_DIR, GroupArticles, with_text_signature
from transforms.language import DetectLanguage
from transforms.normalise import NormaliseMetadata
from transforms.progress import TapProgress
from transforms.publish import PublishRun
from transforms.seen import (DropSeen, article_order, entry_order, skip_article, skip_entry)
from transforms.state import (FEEDS_DIR, SEEN_DIR, ReadFeedState, ReadSeen, seen_from_article,
                              seen_from_reject, seen_from_skip)
from transforms.streaming import DedupByKeyState, GroupArticlesStreaming
from transforms.tally import CountBy, CountGroups, feed_tally_key
from transforms.write import WriteTable, date_partition


@dataclass(frozen=True)
class RunConfig:
    """Everything the graph needs besides Beam's options; built once by pipeline.main."""
    run_id: str
    output: str
    staging: str
    feeds: tuple
    policy: object
    fetch_threads: int
    shards: int
    language_detector: str
    extract_timeout: float
    extract_processes: int
    same_site_links: bool
    run_info: dict
    streaming: bool = False
    feeds_path: str = ""
    poll_interval: float = 300
    window: float = 300
    run_duration: float = 0
    state_ttl: float = 3 * 24 * 3600
    progress: str = ""      # loopback address of the launcher's status line, if it shows one


def reject_row(reject, run_id):
    row = asdict(reject)
    row["run_id"] = run_id
    row["at"] = (reject.at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return row


def reject_tally_key(reject):
    return ("rejects/" if reject.is_entry else "feed_rejects/") + reject.reason


def per_feed_counts(entries, articles, rejects, skipped, feed_states):
    """The manifest's `by_feed` section: what each feed gave this run (for feed health)."""
    return (
        entries | "FeedEntries" >> CountBy(feed_tally_key("entries")),
        articles | "FeedArticles" >> CountBy(feed_tally_key("articles")),
        rejects | "FeedRejects" >> CountBy(feed_tally_key(
            lambda r: "rejected" if r.is_entry else "status:" + r.reason)),
        rejects | "RejectedEntries" >> beam.Filter(lambda r: r.is_entry and r.stage == "entry")
        | "FeedRejectedEntries" >> CountBy(feed_tally_key("entries")),
        skipped | "FeedSkipped" >> CountBy(feed_tally_key("skipped")),
        feed_states | "FeedStatus" >> CountBy(feed_tally_key(lambda s: "status:" + s["status"])))


def build(p, cfg):
    """Add newsbeam's transforms to pipeline p. Returns the manifest PCollection."""
    seen = p | "ReadSeen" >> ReadSeen(cfg.output)
    seen_links = seen | "SeenLinks" >> beam.Map(lambda r: r["url_key"])
    seen_articles = seen | "SeenArticles" >> beam.FlatMap(
        lambda r: [r["article_id"]] if r["article_id"] else [])
    if cfg.streaming:
        specs = p | "PollFeedList" >> PollFeedList(cfg.feeds_path, cfg.poll_interval,
                                                   cfg.run_duration)
        known_feeds = None     # every poll fetches in full; keyed state drops what was seen
        drop_links = DedupByKeyState(lambda e: e.url_key, cfg.state_ttl, skip_entry, seen_links)
        drop_articles = DedupByKeyState(lambda a: a["article_id"], cfg.state_ttl, skip_article,
                                        seen_articles)
    else:
        specs = p | "FeedList" >> beam.Create(cfg.feeds)
        known_feeds = p | "ReadFeedState" >> ReadFeedState(cfg.output)
        drop_links = DropSeen(seen_links, lambda e: e.url_key, entry_order, skip_entry)
        drop_articles = DropSeen(seen_articles, lambda a: a["article_id"], article_order,
                                 skip_article)

    feeds = specs | "ReadFeeds" >> ReadFeeds(cfg.policy, cfg.run_id, known_feeds,
                                             cfg.same_site_links)
    fresh = feeds.entries | "DropSeenLinks" >> drop_links
    pages = fresh.fresh | "FetchArticles" >> FetchArticles(cfg.policy, cfg.fetch_threads)
    extracted = pages.pages | "ExtractText" >> ExtractText(cfg.extract_timeout,
                                                           cfg.extract_processes)
    with_language = (extracted.extracted
                     | "DetectLanguage" >> DetectLanguage(cfg.language_detector))
    normalised = with_language | "NormaliseMetadata" >> NormaliseMetadata(cfg.run_id)
    fingerprinted = normalised.articles | "Fingerprint" >> beam.Map(with_text_signature)
    unique = fingerprinted | "DropSeenArticles" >> drop_articles

    def windowed(pcoll, label):
        """Streaming: into fixed windows (each is written and published on its own)."""
        if not cfg.streaming:
            return pcoll
        return pcoll | label >> beam.WindowInto(window.FixedWindows(cfg.window))

    if cfg.streaming:
        grouped = (windowed(unique.fresh, "WindowArticles")
                   | "GroupArticles" >> GroupArticlesStreaming(cfg.state_ttl, cfg.run_id))
    else:
        grouped = unique.fresh | "GroupArticles" >> GroupArticles(cfg.run_id, cfg.output)
    articles = grouped["articles"]

    rejects = windowed((feeds.rejects, pages.rejects, extracted.rejects, normalised.rejects)
                       | "AllRejects" >> beam.Flatten(), "WindowRejects")
    skipped = windowed((fresh.skipped, unique.skipped) | "AllSkipped" >> beam.Flatten(),
                       "WindowSkipped")
    feed_states = windowed(feeds.states, "WindowFeedStates")
    seen_rows = (
        (articles | "SeenFromArticles" >> beam.Map(seen_from_article),
         skipped | "SeenFromSkips" >> beam.FlatMap(seen_from_skip, run_id=cfg.run_id),
         rejects | "SeenFromRejects" >> beam.FlatMap(seen_from_reject, run_id=cfg.run_id))
        | "AllSeen" >> beam.Flatten())

    staged = (
        (articles | "WriteArticles" >> WriteTable(
            "articles", ARTICLE_SCHEMA, cfg.staging, "articles", cfg.run_id,
            partition=date_partition("published_at", "published_date", "fetched_at"),
            shards=cfg.shards),
         rejects
         | "RejectRows" >> beam.Map(reject_row, run_id=cfg.run_id)
         | "WriteRejects" >> WriteTable(
             "rejects", REJECT_SCHEMA, cfg.staging, "rejects", cfg.run_id,
             partition=date_partition("at"), shards=cfg.shards),
         seen_rows | "WriteSeen" >> WriteTable("seen", SEEN_SCHEMA, cfg.staging, SEEN_DIR,
                                               cfg.run_id),
         feed_states | "WriteFeedState" >> WriteTable(
             "feeds", FEED_STATE_SCHEMA, cfg.staging, FEEDS_DIR, cfg.run_id),
         grouped["index"] | "WriteIndex" >> WriteTable(
             "signatures", SIGNATURE_SCHEMA, cfg.staging, INDEX_DIR, cfg.run_id,
             partition=date_partition("when")))
        | "AllStaged" >> beam.Flatten())

    entries = windowed(feeds.entries, "WindowEntries")
    counts = (
        (windowed(specs, "WindowSpecs") | "CountFeeds" >> CountBy(lambda _: "feeds"),
         entries | "CountEntries" >> CountBy(lambda _: "entries"),
         windowed(feeds.rejects, "WindowFeedRejects")
         | "EntryRejects" >> beam.Filter(lambda r: r.is_entry)
         | "CountRejectedEntries" >> CountBy(lambda _: "entries"),
         articles | "CountArticles" >> CountBy(lambda _: "articles"),
         rejects | "CountRejects" >> CountBy(reject_tally_key),
         skipped | "CountSkipped" >> CountBy(lambda s: "skipped/" + s.reason),
         articles | "CountGroups" >> CountGroups(),
         feed_states | "NotModified" >> beam.Filter(lambda s: s["status"] != "ok")
         | "CountNotModified" >> CountBy(lambda _: "feeds_not_modified"),
         *per_feed_counts(entries, articles, rejects, skipped, feed_states))
        | "AllCounts" >> beam.Flatten()
        | "Sum" >> beam.CombinePerKey(sum))

    if cfg.progress:
        taps = {"feeds": (feeds.states, feeds.rejects | "FeedLevel" >> beam.Filter(
                    lambda r: not r.is_entry)),
                "entries": (feeds.entries,), "fetched": (pages.pages,),
                "extracted": (normalised.articles,), "written": (articles,),
                "rejects": (rejects,),
                "skipped": (skipped,)}
        for name, pcolls in taps.items():
            for i, pcoll in enumerate(pcolls):
                _ = pcoll | f"Progress/{name}{i}" >> TapProgress(name, cfg.progress)

    return (staged, counts) | "PublishRun" >> PublishRun(cfg.output, cfg.run_id, cfg.run_info)
