"""NormaliseMetadata: one article row per extracted page, from page and feed evidence
(transforms/content/article.py)."""
import apache_beam as beam

from schemas.records import ExtractedPage, Reject, Stage
from transforms.content.article import build_article

REJECTS = "rejects"


class _BuildArticleFn(beam.DoFn):
    def __init__(self, run_id):
        self.run_id = run_id

    def process(self, page: ExtractedPage):
        try:
            yield build_article(page.entry, page.url, page.fetched_at, page.content, self.run_id,
                                warc_record_id=page.warc_record_id)
        except Exception as exc:  # noqa: BLE001 - one bad page is one reject, never the run
            yield beam.pvalue.TaggedOutput(REJECTS, Reject(
                stage=Stage.NORMALISE, reason="normalise_error", url=page.url,
                feed_url=page.entry.feed_url, detail=f"{type(exc).__name__}: {exc}"[:500],
                url_key=page.entry.url_key))


class NormaliseMetadata(beam.PTransform):
    """ExtractedPage -> Article on `articles`; `rejects` when the evidence cannot be
    normalised (a bug: the reason asks for a report)."""

    def __init__(self, run_id):
        super().__init__()
        self.run_id = run_id

    def expand(self, pages):
        return pages | "BuildArticle" >> beam.ParDo(_BuildArticleFn(self.run_id)).with_outputs(
            REJECTS, main="articles")
