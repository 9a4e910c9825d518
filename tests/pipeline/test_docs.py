"""The README's promises that a test can check."""
import re

import pytest

from benchmarks.common import data_folder
from tests.conftest import ROOT


def test_readme_names_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./run_local.sh" in readme and "./run_tests.sh" in readme
    assert "./run_tests.sh" in (ROOT / ".ci" / "run").read_text()


USER_DOCS = ["README.md", "CHANGELOG.md", *(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))]


def test_what_a_user_reads_stays_inside_the_repository():
    for name in USER_DOCS:
        text = (ROOT / name).read_text(encoding="utf-8")
        assert "../shared" not in text and "shared/evaldata" not in text, name
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):   # markdown links
            if "://" in target:
                continue
            resolved = ((ROOT / name).parent / target).resolve()
            assert resolved.is_relative_to(ROOT) and resolved.exists(), f"{name}: {target}"


def test_a_benchmark_without_its_data_says_which_public_data_set_it_needs(tmp_path):
    with pytest.raises(SystemExit, match="--data is required: the article-body folder.*"
                                         "scrapinghub/article-extraction-benchmark"):
        data_folder(None, "article-body")
    with pytest.raises(SystemExit, match=r"--dated .*: no expected.json or html there.*fundus"):
        data_folder(tmp_path, "metadata-dev", "--dated")
    (tmp_path / "index.json").write_text("{}")
    assert data_folder(tmp_path, "real-feeds") == tmp_path
