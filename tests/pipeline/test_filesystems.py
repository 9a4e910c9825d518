"""Output and state go through Beam's FileSystems only: a run on memfs:// reads back right."""
import io

import pyarrow.parquet as pq

from pipeline.main import run_and_wait
from tests import memfs


def test_a_run_on_a_non_local_filesystem(demo_sites, tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(demo_sites.feed_list())
    memfs.STORE.clear()
    argv = ["--runner=FnApiRunner", "--feeds", str(feeds), "--output", "memfs://bucket/news",
            "--allow_private_hosts", "--keep_pages"]
    manifest, _ = run_and_wait(argv)
    assert manifest["counts"]["articles"] == 36 and manifest["counts"]["accounting_balanced"]
    articles = [p for p in memfs.STORE if p.startswith("memfs://bucket/news/articles/date=")]
    rows = sum(pq.read_table(io.BytesIO(memfs.STORE[p])).num_rows for p in articles)
    assert rows == 36
    assert any(p.startswith("memfs://bucket/news/_state/seen/") for p in memfs.STORE)
    assert not any("/_staging/" in p for p in memfs.STORE)
    # the kept pages: WARC files and their index, read back through the same filesystem
    from dataset.pages import find_page
    from transforms.web.warc import read_response
    assert any(p.startswith("memfs://bucket/news/_pages/date=") and p.endswith(".warc.gz")
               for p in memfs.STORE)
    first = pq.read_table(io.BytesIO(memfs.STORE[articles[0]])).to_pylist()[0]
    article, member = find_page("memfs://bucket/news", first["article_id"])
    page = read_response(io.BytesIO(member), 0)
    assert page.status == 200 and page.url == first["url"] and b"<html" in page.body.lower()
    # and re-extracted through it: the same code gives the same rows, and says so
    from apache_beam.options.pipeline_options import PipelineOptions
    from pipeline.reprocess import reprocess
    checked = reprocess("memfs://bucket/news", options=PipelineOptions(["--runner=FnApiRunner"]))
    assert (checked["pages"], checked["rows_changed"], checked["unchanged"]) == (36, 0, 36)
    assert f"memfs://bucket/news/_runs/reprocessing/{checked['reprocess_id']}.json" in memfs.STORE

    again, _ = run_and_wait(argv)       # state is read back through the same filesystem
    assert again["counts"]["articles"] == 0 and again["counts"]["feeds_not_modified"] == 3

    # report, stats and compact go through the same filesystem
    from dataset.compact import compact
    from pipeline.report import write_report
    from pipeline.stats import dataset_stats
    output = "memfs://bucket/news"
    assert write_report(output, again["run_id"]) in memfs.STORE
    assert dataset_stats(output)["articles"] == 36

    def feed_rows():         # each run wrote one file of feed states
        paths = sorted(p for p in memfs.STORE if p.startswith(output + "/_state/feeds/"))
        rows = [r for p in paths for r in pq.read_table(io.BytesIO(memfs.STORE[p])).to_pylist()]
        return len(paths), sorted(rows, key=lambda r: (r["feed_url"], r["run_id"]))

    files_before, rows_before = feed_rows()
    done = compact(output, ("seen", "feeds"))
    files_after, rows_after = feed_rows()
    assert files_before == 2 and files_after == 1 and rows_after == rows_before
    assert output + "/_runs/compactions/" + done["compaction_id"] + ".json" in memfs.STORE
