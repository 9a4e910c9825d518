"""The summary a run prints at the end (pipeline/summary.py)."""
from pipeline.summary import format_summary
from schemas.counts import RunCounts


def manifest(hosts_slowed=None):
    counts = RunCounts().to_manifest()
    counts["hosts_slowed"] = hosts_slowed or {}
    return {"run_id": "r1", "counts": counts}


def test_hosts_that_were_slowed_or_given_up_on_are_named():
    text = format_summary(manifest({
        "a.example": {"slowed": ["http_429"], "delay": 1.0, "backed_off": False},
        "b.example": {"slowed": [], "delay": 0.25, "backed_off": True}}), "/out", 1.0)
    line = next(l for l in text.splitlines() if "hosts slowed" in l)
    assert "a.example 429, 1s apart" in line and "given up on: b.example" in line


def test_no_line_when_every_host_kept_its_pace():
    assert "hosts slowed" not in format_summary(manifest(), "/out", 1.0)
