"""docs/reading-the-data.md runs: every example, on a dataset two real runs made, must give the
answers pyarrow gives directly (docs that run cannot drift from the data)."""
import re
import shutil
from collections import Counter

import pyarrow.dataset as ds
import pytest

from tests.conftest import ROOT

GUIDE = ROOT / "docs" / "reading-the-data.md"
BLOCKS = {block.splitlines()[0].lstrip("# ").strip(): block
          for block in re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.S)}


@pytest.fixture(scope="module")
def workdir(dataset, tmp_path_factory):
    where = tmp_path_factory.mktemp("reader")
    (where / "news").symlink_to(dataset, target_is_directory=True)
    return where


@pytest.fixture(scope="module")
def truth(dataset):
    rows = ds.dataset(str(dataset / "articles"), format="parquet",
                      partitioning="hive").to_table().to_pylist()
    rejects = ds.dataset(str(dataset / "rejects"), format="parquet",
                         partitioning="hive").to_table().to_pylist()
    sizes = Counter(r["story_id"] for r in rows)
    return {"stories": sum(r["article_id"] == r["story_id"] for r in rows),
            "meridian": sum(r["source"] == "The Daily Meridian"
                            and "2019-11-01" <= str(r["date"]) <= "2019-11-30" for r in rows),
            "biggest": max(sizes.values()),
            "feeds": {r["feed_url"] for r in rows},
            "reasons": {r["reason"] for r in rejects}}


def run_block(name, workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    namespace = {}
    exec(compile(BLOCKS[name], f"{GUIDE}:{name}", "exec"), namespace)  # noqa: S102
    return namespace


def rows(result):
    return result.count() if hasattr(result, "toPandas") else len(result)


def as_pandas(result):
    for method in ("toPandas", "to_pandas"):
        if hasattr(result, method):
            return getattr(result, method)()
    return result


def check(namespace, truth):
    assert truth["meridian"] > 0 and truth["biggest"] >= 3
    assert rows(namespace["stories"]) == truth["stories"]
    assert rows(namespace["meridian"]) == truth["meridian"]
    assert rows(namespace["copies"]) == truth["biggest"]
    gaps = as_pandas(namespace["gaps"]).reset_index()
    shown = set(map(str, gaps.columns)) | {str(v) for v in gaps.to_numpy().ravel()}
    assert truth["feeds"] <= shown and truth["reasons"] <= shown


def test_the_guide_covers_every_reader():
    assert set(BLOCKS) == {"pandas", "pyarrow", "DuckDB", "Polars", "Spark"}


@pytest.mark.parametrize("name", ["pandas", "pyarrow", "DuckDB", "Polars"])
def test_guide_example(name, workdir, truth, monkeypatch):
    check(run_block(name, workdir, monkeypatch), truth)


@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime")
def test_guide_example_spark(workdir, truth, monkeypatch):
    namespace = run_block("Spark", workdir, monkeypatch)
    try:
        check(namespace, truth)
    finally:
        namespace["spark"].stop()


def test_the_readmes_short_example_runs(workdir, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"### Reading the data.*?```python\n(.*?)```", readme, re.S).group(1)
    monkeypatch.chdir(workdir)
    namespace = {}
    exec(compile(block, "README.md: Reading the data", "exec"), namespace)  # noqa: S102
    assert len(namespace["distinct"]) > 0 and namespace["table"].num_rows > 0
