"""The pages a run kept (--keep_pages): WARC files under `_pages/`, found through the `pages`
table, on any Beam filesystem. One record is read by seeking to its offset, not by scanning;
reading the record itself is transforms/web/warc.py's.
"""
import pyarrow.compute as pc
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from dataset.layout import PAGES, table_files
from dataset.parquet import read_table


class PageNotFound(LookupError):
    """No stored page for what was asked; the message says why."""


def warc_files(output: str) -> list:
    """FileMetadata (path, size_in_bytes) of every WARC file of the dataset."""
    pattern = FileSystems.join(output, PAGES, "*", "*.warc.gz")
    return sorted(FileSystems.match([pattern])[0].metadata_list, key=lambda m: m.path)


def _rows(output: str, table: str, column: str, value: str, columns: list) -> list:
    paths = [m.path for group in table_files(output, table).values() for m in group]
    data = read_table(paths, columns=columns)
    if data is None:
        return []
    return data.filter(pc.equal(data[column], value)).to_pylist()


def read_member(output: str, warc_file: str, offset: int, length: int) -> bytes:
    """The record (one gzip member) at `offset` of a WARC file relative to the dataset."""
    path = FileSystems.join(output, warc_file)
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as fh:
        fh.seek(offset)
        return fh.read(length)


def find_page(output: str, article_id: str) -> tuple:
    """(article row, its page's WARC record as bytes), or PageNotFound saying why."""
    articles = _rows(output, "articles", "article_id", article_id,
                     ["article_id", "url", "fetched_at", "warc_record_id", "run_id"])
    if not articles:
        raise PageNotFound(f"no article {article_id} in {output}")
    article = max(articles, key=lambda r: r["fetched_at"])
    if not article.get("warc_record_id"):
        raise PageNotFound(f"article {article_id} was written by run {article['run_id']}, "
                           "which did not keep pages (--keep_pages)")
    index = _rows(output, "pages", "record_id", article["warc_record_id"],
                  ["record_id", "warc_file", "warc_offset", "warc_length"])
    if not index:
        raise PageNotFound(f"the pages table has no record {article['warc_record_id']} "
                           f"(article {article_id})")
    row = index[0]
    return article, read_member(output, row["warc_file"], row["warc_offset"],
                                row["warc_length"])


def kept_pages(output: str, since: str = None, until: str = None) -> list:
    """Index rows of the article pages kept with their feed entry, fetched on a day (UTC) in
    [since, until] (ISO dates; None: open)."""
    files = table_files(output, "pages")
    chosen = [m.path for partition, metas in files.items() for m in metas
              if (since is None or partition >= f"date={since}")
              and (until is None or partition <= f"date={until}")]
    data = read_table(chosen)
    if data is None:
        return []
    return [r for r in data.to_pylist() if r["kind"] == "page" and r.get("entry_length")]
