"""`newsbeam-demo`: serve the bundled demo corpus on loopback and run the pipeline on it.

    newsbeam-demo [--output DIR] [any newsbeam or Beam option]

Three fake outlets listen on 127.0.0.11-13 at port 8780 ($NEWSBEAM_DEMO_PORT), a fixed port so
that a second run sees the same URLs and adds nothing.
"""
import os
import sys
import tempfile
from pathlib import Path

from pipeline.demo_server import DemoSites

CORPUS = Path(__file__).resolve().parent / "demo_corpus"


def _has(argv, flag):
    return any(a == flag or a.startswith(flag + "=") for a in argv)


USAGE = """\
usage: newsbeam-demo [--output DIR] [any newsbeam or Beam option]

Serves the bundled demo corpus (three outlets on 127.0.0.11-13, port $NEWSBEAM_DEMO_PORT or
8780) and runs newsbeam on it, into ./demo-output unless --output says otherwise. Run it again
and nothing new is written. `newsbeam run --help` lists the options.
"""


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if "-h" in argv or "--help" in argv:
        print(USAGE, end="")
        return
    port = int(os.environ.get("NEWSBEAM_DEMO_PORT", 8780))
    try:
        sites = DemoSites(CORPUS, port=port)
    except OSError as exc:
        sys.exit(f"newsbeam-demo: cannot listen on port {port} ({exc}); "
                 "set NEWSBEAM_DEMO_PORT to a free port")
    from pipeline.main import main as run_main     # (extraction children import this module)
    with sites, tempfile.TemporaryDirectory() as tmp:
        feeds = Path(tmp) / "feeds.txt"
        feeds.write_text(sites.feed_list())
        if not _has(argv, "--quiet"):
            print(f"demo: {len(sites.bases)} outlets served on loopback: "
                  + ", ".join(sites.bases.values()), flush=True)
        defaults = ["--allow_private_hosts", "--feeds", str(feeds)]
        if not _has(argv, "--output"):
            defaults += ["--output", "demo-output"]
        run_main(defaults + argv)


def cli():
    from pipeline.main import exit_after
    exit_after(main)


if __name__ == "__main__":
    cli()
