"""Pinned output schemas and the typed records passed between stages."""
from schemas.records import FeedEntry, FeedSpec, Reject, Skip
from schemas.reasons import REASONS, TRANSIENT_REASONS
from schemas.tables import (ARTICLE_SCHEMA, REJECT_SCHEMA, SCHEMA_VERSION, SEEN_SCHEMA,
                            SIGNATURE_SCHEMA, TABLES)

__all__ = [
    "ARTICLE_SCHEMA", "REJECT_SCHEMA", "SEEN_SCHEMA", "SIGNATURE_SCHEMA", "SCHEMA_VERSION", "TABLES",
    "FeedSpec", "FeedEntry", "Reject", "Skip", "REASONS", "TRANSIENT_REASONS",
]
