"""DetectLanguage and NormaliseMetadata on the runner (transforms/language.py,
transforms/normalise.py)."""
from datetime import datetime, timezone

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import ExtractedPage, FeedEntry, PageContent
from tests.conftest import beam_pipeline
from transforms.language import DetectLanguage
from transforms.normalise import NormaliseMetadata

T = datetime(2024, 8, 1, tzinfo=timezone.utc)
URL = "https://hafenblatt.example/2024/08/01/haushalt"


def test_detect_language_and_normalise():
    content = PageContent(text="Der Gemeinderat hat am Dienstag den neuen Haushalt für den "
                               "Hafen beschlossen und die Bürger informiert.",
                          title="Haushalt", sitename="Hafenblatt")
    page = ExtractedPage(FeedEntry(feed_url="http://f.example/rss", link=URL, url_key="k"),
                         URL, T, content)
    with beam_pipeline() as p:
        out = p | beam.Create([page]) | DetectLanguage() | NormaliseMetadata("run1")
        assert_that(out.articles | beam.Map(lambda a: (
            a.row["language"], a.row["source"], a.row["date_source"], a.row["run_id"],
            a.url_key)), equal_to([("de", "Hafenblatt", "url", "run1", "k")]))


def test_evidence_that_cannot_be_normalised_is_one_reject():
    broken = PageContent(text="Enough text to pass as an article body, in plain English.",
                         dates={"jsonld": None})      # not a (published, updated) pair
    page = ExtractedPage(FeedEntry(feed_url="http://f.example/rss", link=URL, url_key="k"),
                         URL, T, broken)
    with beam_pipeline() as p:
        out = p | beam.Create([page]) | NormaliseMetadata("run1")
        assert_that(out.rejects | beam.Map(lambda r: (r.stage.value, r.reason, r.url_key)),
                    equal_to([("normalise", "normalise_error", "k")]))
        assert_that(out.articles, equal_to([]), label="NoArticles")
