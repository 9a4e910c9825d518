"""Print the data dictionary and reject reasons as Markdown, from the pinned schemas.

    python -m schemas.dictionary             # print it
    python -m schemas.dictionary README.md   # refresh the README's copy between its markers

The README embeds this output between markers, and a test checks it is current.
"""
import re
import sys

START, END = "<!-- dictionary:start -->", "<!-- dictionary:end -->"
from schemas.reasons import REASONS, TRANSIENT_REASONS
from schemas.tables import SCHEMA_VERSION, TABLES


def _table(schema):
    lines = ["| column | type | null | meaning | example |", "|---|---|---|---|---|"]
    for field in schema:
        meta = field.metadata or {}
        doc = meta.get(b"doc", b"").decode()
        example = meta.get(b"example", b"").decode().replace("|", "\\|")
        lines.append(f"| `{field.name}` | `{field.type}` | {'yes' if field.nullable else 'no'} "
                     f"| {doc} | `{example}` |")
    return "\n".join(lines)


def render():
    reasons = ["| reason | retried next run | meaning |", "|---|---|---|"]
    reasons += [f"| `{code}` | {'yes' if code in TRANSIENT_REASONS else 'no'} | {text} |"
                for code, text in REASONS.items()]
    tables = [f"**{t.folder}/** ({t.doc})\n\n{_table(t.schema)}\n"
              for t in TABLES.values() if not t.state]     # the published tables
    return "\n".join([
        f"Schema version {SCHEMA_VERSION} (file metadata key `newsbeam.schema_version`).", "",
        *tables, "**Reject reasons**", "", "\n".join(reasons)])


def embed(text):
    """text with the block between the markers replaced by the current dictionary."""
    return re.sub(re.escape(START) + ".*?" + re.escape(END),
                  lambda _: f"{START}\n{render()}\n{END}", text, flags=re.S)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as fh:
            updated = embed(fh.read())
        with open(sys.argv[1], "w", encoding="utf-8") as fh:
            fh.write(updated)
    else:
        print(render())
