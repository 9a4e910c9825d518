"""The run's counts as the manifest carries them (schemas/counts.py)."""
from schemas.counts import RunCounts, tally_of
from schemas.records import Article, FeedState, Reject, Skip, Stage

FEED, OTHER = "https://a.example/rss", "https://b.example/rss"


def article(article_id, dup_id, story_id, feed=FEED):
    return Article({"article_id": article_id, "dup_id": dup_id, "story_id": story_id,
                    "feed_url": feed}, "k-" + article_id)


def records():
    """A run over two feeds: one listed 5 entries (2 articles, a 404, a bad link, a skip),
    the other could not be parsed."""
    return [FeedState(feed_url=FEED, status="ok", entries=5, run_id="r"),
            article("a", "a", "a"), article("b", "a", "a"),
            Reject(stage=Stage.ARTICLE_FETCH, reason="http_404", url="u", feed_url=FEED),
            Reject(stage=Stage.ENTRY, reason="bad_url", url="u", feed_url=FEED),
            Skip(reason="seen", url="u", url_key="k", feed_url=FEED),
            Reject(stage=Stage.FEED_PARSE, reason="not_a_feed", url=OTHER, feed_url=OTHER)]


def add_all(items):
    counts = RunCounts()
    for record in items:
        counts.add(tally_of(record))
    return counts


def test_counts_balance_and_say_where_each_entry_ended():
    counts = add_all(records()).to_manifest()
    assert (counts["feeds"], counts["feeds_failed"], counts["feeds_not_modified"]) == (2, 1, 0)
    assert (counts["entries"], counts["articles"], counts["rejects"], counts["skipped"]) == \
        (5, 2, 2, 1)
    assert counts["accounting_balanced"]
    assert counts["rejects_by_reason"] == {"http_404": 1, "bad_url": 1}
    assert counts["feed_rejects_by_reason"] == {"not_a_feed": 1}
    assert counts["skipped_by_reason"] == {"seen": 1}
    assert (counts["copy_groups"], counts["copies_in_groups"]) == (1, 2)
    assert (counts["stories"], counts["articles_in_stories"]) == (1, 2)
    assert counts["by_feed"] == {
        FEED: {"entries": 5, "articles": 2, "rejected": 2, "skipped": 1, "status": "ok"},
        OTHER: {"entries": 0, "articles": 0, "rejected": 0, "skipped": 0,
                "status": "not_a_feed"}}


def test_partial_counts_merge_to_the_same_manifest():
    items = records()
    merged = add_all(items[:3]).merge(add_all(items[3:]))
    assert merged.to_manifest() == add_all(items).to_manifest()


def test_an_entry_lost_on_the_way_unbalances_the_accounts():
    assert not add_all(records()[:-2]).accounting_balanced      # the skip is missing
    assert RunCounts().to_manifest()["accounting_balanced"]
    unchanged = add_all([FeedState(feed_url=FEED, status="not_modified", entries=0, run_id="r")])
    assert unchanged.to_manifest()["feeds_not_modified"] == 1
