"""The data dictionary is generated from the pinned schemas (schemas/dictionary.py)."""
from schemas.dictionary import embed
from tests.conftest import ROOT


def test_readme_dictionary_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == embed(readme), "run: python -m schemas.dictionary README.md"


def test_every_published_column_has_an_example_of_its_type():
    import json
    from datetime import date, datetime

    import pyarrow as pa

    from schemas.tables import ARTICLE_SCHEMA, REJECT_SCHEMA
    for field in list(ARTICLE_SCHEMA) + list(REJECT_SCHEMA):
        value = json.loads(field.metadata[b"example"])
        if pa.types.is_timestamp(field.type):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif pa.types.is_date(field.type):
            value = date.fromisoformat(value)
        assert pa.scalar(value, field.type).is_valid, field.name
