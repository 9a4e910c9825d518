"""The operator's feed list, text and OPML (transforms/content/feedlist.py)."""
import pytest
from transforms.content.feedlist import FeedListError, parse_feed_list


def test_text_list_with_names_comments_and_duplicates():
    specs = parse_feed_list(
        "# my feeds\n"
        "https://example.com/rss.xml  Example News\n"
        "\n"
        "HTTPS://Other.example.org/feed?utm_source=x   # trailing comment\n"
        "https://example.com/rss.xml\n")
    assert [(s.url, s.name, s.line) for s in specs] == [
        ("https://example.com/rss.xml", "Example News", 2),
        ("https://other.example.org/feed", None, 4),
    ]


def test_bad_lines_fail_together_with_line_numbers():
    with pytest.raises(FeedListError) as err:
        parse_feed_list("https://ok.example/rss\nftp://x.example/feed\nnot a url\n", "feeds.txt")
    message = str(err.value)
    assert "feeds.txt:2" in message and "feeds.txt:3" in message
    assert "only http and https" in message


def test_empty_list_is_an_error():
    with pytest.raises(FeedListError, match="no feeds"):
        parse_feed_list("# nothing here\n\n")


def test_opml_outlines_with_titles_and_folders():
    specs = parse_feed_list("""<?xml version="1.0"?>
<opml version="2.0"><head><title>Subscriptions</title></head><body>
  <outline text="News">
    <outline type="rss" text="Example" title="Example News" xmlUrl="https://example.com/rss"/>
    <outline type="rss" text="Other" xmlUrl="https://other.example/atom.xml"/>
  </outline>
</body></opml>""")
    assert [(s.url, s.name) for s in specs] == [("https://example.com/rss", "Example News"),
                                                 ("https://other.example/atom.xml", "Other")]


def test_opml_with_entities_is_refused():
    with pytest.raises(FeedListError, match="DOCTYPE"):
        parse_feed_list('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><opml></opml>')


def test_broken_opml_names_the_line():
    with pytest.raises(FeedListError, match=r"feeds.opml:2"):
        parse_feed_list("<opml>\n<body><outline xmlUrl='https://a.example/rss'></body></opml>",
                        "feeds.opml")
