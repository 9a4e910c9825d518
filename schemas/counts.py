"""A run's counts, as the manifest carries them: one typed accumulator over typed events.

Every output record of a run becomes one Tally (`tally_of`); RunCounts adds them up and merges
with another RunCounts, so one CombineFn computes the whole manifest section on any runner.
The accounting invariant, every feed entry ends as exactly one article, reject or skip, is
`RunCounts.accounting_balanced`: entries are what the feeds listed, counted once, where they
were parsed.
"""
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Optional, Union

from schemas.records import Article, Discovery, FeedState, HostReport, Level, Reject, Skip


class Outcome(str, Enum):
    FEED_POLLED = "feed_polled"     # a feed fetched: ok, not_modified or unchanged
    FEED_FAILED = "feed_failed"     # a feed that could not be fetched or parsed
    ARTICLE = "article"
    REJECTED = "rejected"           # a feed entry rejected
    SKIPPED = "skipped"             # a feed entry skipped (already handled)
    HOST = "host"                   # a host the fetcher slowed down or gave up on
    DISCOVERED = "discovered"       # what a home page, robots.txt or sitemap index led to


@dataclass(frozen=True)
class Tally:
    """One thing a run counts."""
    outcome: Outcome
    feed_url: Optional[str] = None
    reason: Optional[str] = None   # the feed's status, or the reject or skip reason
    entries: int = 0               # FEED_POLLED: entries the feed listed
    article_id: Optional[str] = None   # ARTICLE: it, its copy group and its story
    dup_id: Optional[str] = None
    story_id: Optional[str] = None
    host: Optional[HostReport] = None
    discovery: Optional[Discovery] = None


Record = Union[Article, Reject, Skip, FeedState, HostReport, Discovery]


def tally_of(record: Record) -> Tally:
    """The Tally of one output record of a run."""
    if isinstance(record, Article):
        return Tally(Outcome.ARTICLE, record.feed_url, article_id=record.article_id,
                     dup_id=record.row["dup_id"], story_id=record.row["story_id"])
    if isinstance(record, Reject):
        outcome = Outcome.FEED_FAILED if record.level is Level.FEED else Outcome.REJECTED
        return Tally(outcome, record.feed_url, record.reason)
    if isinstance(record, Skip):
        return Tally(Outcome.SKIPPED, record.feed_url, record.reason)
    if isinstance(record, FeedState):
        return Tally(Outcome.FEED_POLLED, record.feed_url, record.status, record.entries)
    if isinstance(record, HostReport):
        return Tally(Outcome.HOST, host=record)
    if isinstance(record, Discovery):
        return Tally(Outcome.DISCOVERED, discovery=record)
    raise TypeError(f"not a counted record: {type(record).__name__}")


@dataclass
class FeedCounts:
    """What one feed gave this run (the manifest's `by_feed`, for feed health)."""
    entries: int = 0
    articles: int = 0
    rejected: int = 0
    skipped: int = 0
    status: Optional[str] = None   # ok, not_modified, unchanged, or why the feed failed

    def merge(self, other: "FeedCounts") -> None:
        self.entries += other.entries
        self.articles += other.articles
        self.rejected += other.rejected
        self.skipped += other.skipped
        self.status = other.status if other.status is not None else self.status

    def as_dict(self) -> dict:
        out = {"entries": self.entries, "articles": self.articles, "rejected": self.rejected,
               "skipped": self.skipped}
        if self.status is not None:
            out["status"] = self.status
        return out


@dataclass
class RunCounts:
    feeds_polled: int = 0
    feeds_failed: int = 0
    feeds_not_modified: int = 0
    entries: int = 0
    rejects_by_reason: Counter = field(default_factory=Counter)
    feed_rejects_by_reason: Counter = field(default_factory=Counter)
    skipped_by_reason: Counter = field(default_factory=Counter)
    by_feed: dict = field(default_factory=dict)          # feed_url -> FeedCounts
    articles_per_dup: Counter = field(default_factory=Counter)
    articles_per_story: Counter = field(default_factory=Counter)
    # (article_id, dup_id, story_id) of the articles whose copy group or story an earlier run
    # began, as far as this run can tell (resolved in to_manifest)
    grouped_elsewhere: set = field(default_factory=set)
    article_ids: set = field(default_factory=set)
    hosts: dict = field(default_factory=dict)            # host -> HostReport
    discovered: dict = field(default_factory=dict)       # source url -> Discovery

    def _feed(self, feed_url: str) -> FeedCounts:
        return self.by_feed.setdefault(feed_url, FeedCounts())

    def add(self, tally: Tally) -> "RunCounts":
        outcome = tally.outcome
        if outcome is Outcome.HOST:
            self._host(tally.host)
            return self
        if outcome is Outcome.DISCOVERED:
            self._discovered(tally.discovery)
            return self
        feed = self._feed(tally.feed_url)
        if outcome is Outcome.FEED_POLLED:
            self.feeds_polled += 1
            self.feeds_not_modified += tally.reason != "ok"
            self.entries += tally.entries
            feed.entries += tally.entries
            feed.status = tally.reason
        elif outcome is Outcome.FEED_FAILED:
            self.feeds_failed += 1
            self.feed_rejects_by_reason[tally.reason] += 1
            feed.status = tally.reason
        elif outcome is Outcome.ARTICLE:
            self.articles_per_dup[tally.dup_id] += 1
            self.articles_per_story[tally.story_id] += 1
            self.article_ids.add(tally.article_id)
            if tally.article_id != tally.dup_id or tally.article_id != tally.story_id:
                self.grouped_elsewhere.add((tally.article_id, tally.dup_id, tally.story_id))
            feed.articles += 1
        elif outcome is Outcome.REJECTED:
            self.rejects_by_reason[tally.reason] += 1
            feed.rejected += 1
        elif outcome is Outcome.SKIPPED:
            self.skipped_by_reason[tally.reason] += 1
            feed.skipped += 1
        return self

    def merge(self, other: "RunCounts") -> "RunCounts":
        for name in ("feeds_polled", "feeds_failed", "feeds_not_modified", "entries"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("rejects_by_reason", "feed_rejects_by_reason", "skipped_by_reason",
                     "articles_per_dup", "articles_per_story", "grouped_elsewhere",
                     "article_ids"):
            getattr(self, name).update(getattr(other, name))
        for feed_url, theirs in other.by_feed.items():
            self._feed(feed_url).merge(theirs)
        for report in other.hosts.values():
            self._host(report)
        for discovery in other.discovered.values():
            self._discovered(discovery)
        return self

    def _discovered(self, discovery: Discovery) -> None:
        known = self.discovered.get(discovery.url)
        self.discovered[discovery.url] = known.merge(discovery) if known else discovery

    def _host(self, report: HostReport) -> None:
        known = self.hosts.get(report.host)
        self.hosts[report.host] = known.merge(report) if known else report

    @property
    def articles(self) -> int:
        return sum(self.articles_per_dup.values())

    @property
    def rejects(self) -> int:
        return sum(self.rejects_by_reason.values())

    @property
    def skipped(self) -> int:
        return sum(self.skipped_by_reason.values())

    @property
    def accounting_balanced(self) -> bool:
        return self.entries == self.articles + self.rejects + self.skipped

    def to_manifest(self) -> dict:
        """The manifest's `counts` section."""
        copy_groups = [n for n in self.articles_per_dup.values() if n > 1]
        stories = [n for n in self.articles_per_story.values() if n > 1]
        # a canonical copy or a lead this run did not write: an earlier run's article
        earlier_copies = sum(1 for a, dup, _ in self.grouped_elsewhere
                             if dup != a and dup not in self.article_ids)
        earlier_stories = sum(1 for a, _, story in self.grouped_elsewhere
                              if story != a and story not in self.article_ids)
        return {
            "feeds": self.feeds_polled + self.feeds_failed,
            "feeds_failed": self.feeds_failed, "feeds_not_modified": self.feeds_not_modified,
            "entries": self.entries, "articles": self.articles, "rejects": self.rejects,
            "skipped": self.skipped, "rejects_by_reason": dict(self.rejects_by_reason),
            "feed_rejects_by_reason": dict(self.feed_rejects_by_reason),
            "skipped_by_reason": dict(self.skipped_by_reason),
            "copy_groups": len(copy_groups), "copies_in_groups": sum(copy_groups),
            "stories": len(stories), "articles_in_stories": sum(stories),
            "copies_of_earlier_articles": earlier_copies,
            "joined_earlier_stories": earlier_stories,
            "by_feed": {url: feed.as_dict() for url, feed in self.by_feed.items()},
            "hosts_slowed": {host: report.as_dict()
                             for host, report in sorted(self.hosts.items())},
            "discovered": {url: found.as_dict()
                           for url, found in sorted(self.discovered.items())},
            "accounting_balanced": self.accounting_balanced,
        }
