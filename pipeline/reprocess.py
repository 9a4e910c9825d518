"""`newsbeam reprocess`: the pages runs kept (--keep_pages) through the current extraction and
metadata rules again, and the article rows they gave rewritten in place.

The pages are read back, extracted, given their language and normalised by the pipeline's
own stages (a Beam pipeline: ReadKeptPages -> ExtractText -> DetectLanguage ->
NormaliseMetadata), each with the feed entry it was fetched for. Then the articles files that
hold those rows are rewritten like `compact` rewrites a partition: staged, then a plan of moves
and deletions that a killed reprocess's successor finishes. What a row is stays: article_id,
url, canonical_url, feed_url, fetched_at, run_id, warc_record_id. What the rules derive is
replaced; a row moves partition when its publication day changes. An article whose text
changed is grouped again as a run groups a new article (against the written articles of the
days around it, whose ids stay): it may leave its copy group or story or join another, and
its signature in `_state/signatures` is replaced. The other rows keep their dup_id and
story_id, as written ids do in every run. A page the current code rejects keeps its
row as it was, and the rejection is counted.
"""
import secrets
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone
from typing import Optional

import apache_beam as beam
import pyarrow as pa
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.io.filesystems import FileSystems

from dataset.layout import day_partition_patterns, partition_of, staging_dir, table_files
from dataset.pages import kept_pages
from dataset.parquet import for_readers, read_file, read_table, to_parquet_bytes
from dataset.publish import StagedFile, publish, recover, write_bytes
from schemas.records import Article
from schemas.tables import TABLES
from transforms.dedup.index import index_row, signature_from_row
from transforms.dedup.rules import group_in_memory, signature_of
from transforms.dedup.semantic import (embed_rows, from_floats, load_encoder, missing_extra,
                                       wants_embedding)
from transforms.extract import ExtractText
from transforms.grouping import INDEX_DAYS, day_of
from transforms.language import DetectLanguage
from transforms.normalise import NormaliseMetadata
from transforms.pages import ReadKeptPages
from transforms.publish import reject_row
from transforms.write import WriteTable

# What the rules derive from the page and its entry; everything else of a row is kept.
DERIVED = ("source", "source_domain", "title", "title_source", "description", "text",
           "language", "language_score", "authors", "agencies", "published_at",
           "published_date", "date_precision", "updated_at", "date_source", "word_count",
           "tags", "image_url")
# The columns an article's signature row is made from (with the text).
SIGNED = ("text", "published_at", "source_domain", "word_count", "dup_id", "story_id")
UNIT = "reprocessing"          # manifests: _runs/reprocessing/<id>.json


class _StageRows(beam.PTransform):
    """Rows of a table, as Parquet files in a folder of the reprocess's staging."""

    def __init__(self, table, folder):
        super().__init__()
        self.table, self.folder = table, folder

    def expand(self, rows):
        return rows | WriteTable(TABLES[self.table], self.folder, "reprocess")


def _staged_rows(folder) -> list:
    found = FileSystems.match([FileSystems.join(folder, "*.parquet")])[0].metadata_list
    data = read_table(sorted(m.path for m in found))
    return data.to_pylist() if data is not None else []


def extract_again(output, pages, staging, options, extract_timeout=30.0, processes=1,
                  detector="langdetect"):
    """The kept pages through the current stages: (new article rows, reject rows)."""
    new, failed = FileSystems.join(staging, "new"), FileSystems.join(staging, "failed")
    with beam.Pipeline(options=options) as p:
        read, unreadable = (p | "KeptPages" >> beam.Create(pages)
                            | "ReadKeptPages" >> ReadKeptPages(output))
        extracted = read | "ExtractText" >> ExtractText(extract_timeout, processes)
        normalised = (extracted.pages
                      | "DetectLanguage" >> DetectLanguage(detector)
                      | "NormaliseMetadata" >> NormaliseMetadata("reprocess"))
        _ = (normalised.articles | "ArticleRows" >> beam.Map(lambda a: a.row)
             | "StageArticles" >> _StageRows("articles", new))
        _ = ((unreadable, extracted.rejects, normalised.rejects) | "AllRejects" >> beam.Flatten()
             | "RejectRows" >> beam.Map(reject_row, run_id="reprocess")
             | "StageRejects" >> _StageRows("rejects", failed))
    return _staged_rows(new), _staged_rows(failed)


def merged(old: dict, new: dict) -> tuple:
    """(the row with what the rules derive now, the columns that changed)."""
    changed = [c for c in DERIVED if new.get(c) != old.get(c)]
    return {**old, **{c: new.get(c) for c in changed}}, changed


def _rows_of(path, spec) -> list:
    """A file's rows in the current schema (columns added since it was written: null)."""
    return read_file(path, columns=list(spec.schema.names)).to_pylist()


def _rows_of_column(path, column) -> list:
    return read_file(path, columns=[column])[column].to_pylist()


def files_holding(output, table, key, keys) -> list:
    """Paths of the files of `table` with a row whose `key` is in `keys` (one column read)."""
    return [meta.path for metas in table_files(output, table).values() for meta in metas
            if not keys.isdisjoint(_rows_of_column(meta.path, key))]


def rewrite(table, paths, key, replacements, staging, rid) -> list:
    """StagedFiles replacing `paths` of `table`: their rows, those whose `key` is in
    `replacements` replaced by its row, one file per partition (a row may move)."""
    spec = TABLES[table]
    partitions = {}
    for path in paths:
        for row in _rows_of(path, spec):
            row = replacements.get(row[key], row)
            partitions.setdefault(partition_of(spec, row), []).append(row)
    staged = []
    for partition, rows in sorted(partitions.items()):
        data = for_readers(pa.Table.from_pylist(rows, schema=spec.schema), spec)
        path = FileSystems.join(staging, f"{table}.{partition.replace('=', '-') or 'all'}"
                                         ".parquet")
        write_bytes(path, to_parquet_bytes(data, spec))
        relative = "/".join(p for p in (spec.folder, partition) if p)
        staged.append(StagedFile(table, path, f"{relative}/part-{rid}-00000.parquet"))
    return staged


def _signature(article: dict, embedding: Optional[bytes] = None):
    """What grouping knows of an article row whose text is judged again (as a new one)."""
    return _with_embedding(signature_of(Article(article, url_key="")), embedding)


def _with_embedding(sig, embedding):
    return replace(sig, text=replace(sig.text, embedding=embedding))


def signature_row(article: dict, old: dict, embedding: Optional[bytes]) -> dict:
    """An article's signature row for its current text and copy group and story."""
    return index_row(_signature(article, embedding), article["dup_id"], article["story_id"],
                     old["run_id"])


def embed_again(rows: list, embedded: set) -> dict:
    """{article_id: vector} of the rows whose earlier signature had one (written with
    --semantic_stories), computed for their new text where the extra is installed; without
    it they lose the vector and keep the lexical rule."""
    wanted = [r for r in rows if r["article_id"] in embedded and wants_embedding(r["language"])]
    if not wanted or missing_extra():
        return {}
    return dict(zip((r["article_id"] for r in wanted), embed_rows(load_encoder(), wanted)))


def rejudge(output, articles: list) -> tuple:
    """({article_id: (dup_id, story_id)}, {article_id: vector}) for articles whose text
    changed, judged as a run judges a new article: against the written articles of the days
    around theirs (their ids fixed), by the batch stage's rules."""
    ids = {a["article_id"] for a in articles}
    lexical = [_signature(a) for a in articles]
    days = {day_of(s) for s in lexical}
    patterns = sorted({pattern for day in days for pattern in day_partition_patterns(
        output, TABLES["signatures"], day, INDEX_DAYS)})
    paths = [m.path for result in FileSystems.match(patterns) for m in result.metadata_list]
    rows = [r for path in paths for r in _rows_of(path, TABLES["signatures"])]
    vectors = embed_again(articles, {r["article_id"] for r in rows
                                     if r["article_id"] in ids and r["embedding"] is not None})
    new = [_with_embedding(s, vectors.get(s.article_id)) for s in lexical]
    old = [signature_from_row(r) for r in rows if r["article_id"] not in ids]
    return group_in_memory(new, old), vectors


def reprocess(output, since=None, until=None, options=None, now=None, **stage_options) -> dict:
    """Re-extract the kept pages fetched in [since, until] and rewrite the rows that changed.
    Returns the manifest (also written to _runs/reprocessing/<id>.json when there were pages)."""
    now = now or datetime.now(timezone.utc)
    rid = "reprocess-" + now.strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)
    output = output.rstrip("/")
    recover(output)
    # each articles file's page records, read once
    records_in = {m.path: set(_rows_of_column(m.path, "warc_record_id")) - {None}
                  for metas in table_files(output, "articles").values() for m in metas}
    written = set().union(*records_in.values())
    pages = [p for p in kept_pages(output, since, until) if p["record_id"] in written]
    manifest = {"reprocess_id": rid, "started_at": now.isoformat(), "since": since,
                "until": until, "pages": len(pages), "rows_changed": 0, "unchanged": 0,
                "changed_by_column": {}, "rejected_by_reason": {}, "files_replaced": 0}
    staging = staging_dir(output, rid)
    if not pages:
        return manifest
    options = options or PipelineOptions(["--runner=FnApiRunner"])
    new, failed = extract_again(output, pages, staging, options, **stage_options)
    manifest["rejected_by_reason"] = dict(Counter(r["reason"] for r in failed))
    by_record = {r["warc_record_id"]: r for r in new}
    spec = TABLES["articles"]
    holding = [path for path, ids in records_in.items() if not ids.isdisjoint(by_record)]
    changes, changed, retexted, before = Counter(), {}, [], {}
    for path in holding:
        for row in _rows_of(path, spec):
            if row["warc_record_id"] in by_record:
                before[row["warc_record_id"]] = row
                updated, columns = merged(row, by_record.pop(row["warc_record_id"]))
                changes.update(columns)
                if columns:
                    changed[row["warc_record_id"]] = updated
                if "text" in columns:
                    retexted.append(updated)
    # a text that changed is judged again: it may leave its copy group or story, or join one
    groups, vectors = rejudge(output, retexted) if retexted else ({}, {})
    for row in retexted:
        dup_id, story_id = groups[row["article_id"]]
        changes.update(c for c, v in (("dup_id", dup_id), ("story_id", story_id)) if row[c] != v)
        row.update(dup_id=dup_id, story_id=story_id)
    manifest.update(rows_changed=len(changed), changed_by_column=dict(changes),
                    unchanged=len(new) - len(changed))
    if not changed:          # recorded all the same: what was checked, and that it held
        return publish(output, rid, f"{UNIT}/{rid}", [], manifest)
    articles = [path for path in holding if not records_in[path].isdisjoint(changed)]
    # the signature rows of those whose signature changes with them
    by_article = {row["article_id"]: row for row in changed.values()
                  if any(row[c] != before[row["warc_record_id"]][c] for c in SIGNED)}
    signatures = files_holding(output, "signatures", "article_id", set(by_article))
    old_signatures = {r["article_id"]: r for p in signatures for r in _rows_of(
        p, TABLES["signatures"]) if r["article_id"] in by_article}
    staged = rewrite("articles", articles, "warc_record_id", changed, staging, rid) + rewrite(
        "signatures", signatures, "article_id",
        {a: signature_row(by_article[a], old, vectors.get(a) if a in groups
                          else from_floats(old["embedding"]))
         for a, old in old_signatures.items()},
        staging, rid)
    manifest["files_replaced"] = len(articles) + len(signatures)
    return publish(output, rid, f"{UNIT}/{rid}", staged, manifest,
                   deletes=articles + signatures)
