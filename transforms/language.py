"""DetectLanguage: each extracted page's language (transforms/content/language.py)."""
from dataclasses import replace

import apache_beam as beam

from schemas.records import ExtractedPage
from transforms.content.language import identify_language


def with_language(page: ExtractedPage, detector: str = "langdetect") -> ExtractedPage:
    """The page with `language` and `language_score` set, from its text and what the page and
    its feed declare."""
    content = page.content
    declared = list(content.declared_language or []) + [page.entry.feed_language]
    language, score, _ = identify_language(content.text, declared, detector)
    return replace(page, content=replace(content, language=language, language_score=score))


class DetectLanguage(beam.PTransform):
    """Sets `language` and `language_score` on each extracted page (--language_detector)."""

    def __init__(self, detector="langdetect"):
        super().__init__()
        self.detector = detector

    def expand(self, pages):
        return pages | "Detect" >> beam.Map(with_language, detector=self.detector)
