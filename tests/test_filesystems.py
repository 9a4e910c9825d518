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
            "--allow_private_hosts"]
    manifest, _ = run_and_wait(argv)
    assert manifest["counts"]["articles"] == 36 and manifest["counts"]["accounting_balanced"]
    articles = [p for p in memfs.STORE if p.startswith("memfs://bucket/news/articles/date=")]
    rows = sum(pq.read_table(io.BytesIO(memfs.STORE[p])).num_rows for p in articles)
    assert rows == 36
    assert any(p.startswith("memfs://bucket/news/_state/seen/") for p in memfs.STORE)
    assert not any("/_staging/" in p for p in memfs.STORE)

    again, _ = run_and_wait(argv)       # state is read back through the same filesystem
    assert again["counts"]["articles"] == 0 and again["counts"]["feeds_not_modified"] == 3
