"""The README's promises that a test can check."""
from tests.conftest import ROOT


def test_readme_names_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./run_local.sh" in readme and "./run_tests.sh" in readme
    assert "./run_tests.sh" in (ROOT / ".ci" / "run").read_text()
