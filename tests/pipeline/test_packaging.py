"""The source distribution carries everything, and an installed copy runs the demo."""
import socket
import subprocess
import sys
import sysconfig
import tarfile

from tests.conftest import PYTHON, ROOT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.11", 0))
        return s.getsockname()[1]


def test_sdist_installs_into_a_fresh_virtualenv_and_runs_the_demo(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([PYTHON, "setup.py", "-q", "sdist", "-d", str(dist)], cwd=ROOT, check=True,
                   capture_output=True)
    tarball = next(dist.glob("newsbeam-*.tar.gz"))
    names = "\n".join(tarfile.open(tarball).getnames())
    for needed in ("pipeline/demo_corpus/sites.json", "pipeline/demo_corpus/LICENSE.txt",
                   "pipeline/demo_corpus/harbor/feed.rdf", "schemas/tables.py",
                   "transforms/grouping.py", "transforms/web/http.py", "dataset/publish.py",
                   "run_local.sh", "README.md"):
        assert needed in names, needed

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # dependencies come from the project's environment (a plain path entry: its editable
    # install of this repository is not picked up), so nothing is downloaded
    site = subprocess.run([str(venv / "bin" / "python"), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (tmp_path / "venv" / site.split(str(venv) + "/", 1)[1] / "deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--no-index", str(tarball)], check=True,
                   capture_output=True)
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import pipeline; print(pipeline.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(venv)), where

    result = subprocess.run([str(venv / "bin" / "newsbeam-demo"), "--output", "out"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=600,
                            env={"PATH": str(venv / "bin"), "NEWSBEAM_DEMO_PORT": str(free_port())})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "articles written  36" in result.stdout
    assert list((tmp_path / "out" / "articles").rglob("*.parquet"))
