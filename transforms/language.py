"""Language detection with langdetect: seeded (deterministic) and on bounded input (fast)."""
import apache_beam as beam
from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

# langdetect samples randomly; without a fixed seed the same text can get different answers.
# Set at import, so every worker process that imports this module is seeded.
DetectorFactory.seed = 0

MAX_CHARS = 2000


def detect_language(text, hint=None):
    """(ISO 639-1 code, probability) of text, or (hint, None) when the text says nothing.

    Only the first MAX_CHARS characters are read: more costs time and changes no answer on
    article-length text. langdetect's Chinese codes (zh-cn, zh-tw) are folded to `zh`.
    """
    sample = (text or "")[:MAX_CHARS]
    if sum(ch.isalpha() for ch in sample) < 20:
        return hint, None
    try:
        best = detect_langs(sample)[0]
    except LangDetectException:
        return hint, None
    return best.lang.split("-")[0], round(float(best.prob), 4)


def _with_language(element):
    entry, final_url, fetched_at, page = element
    language, score = detect_language(page["text"],
                                      hint=page.get("html_lang") or entry.feed_language)
    return entry, final_url, fetched_at, {**page, "language": language, "language_score": score}


class DetectLanguage(beam.PTransform):
    """Adds `language` and `language_score` to each extracted page."""

    def expand(self, extracted):
        return extracted | "Detect" >> beam.Map(_with_language)
