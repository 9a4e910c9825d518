"""Reading what runs left behind: their manifests under `_runs/`, on any Beam filesystem."""
import json

from apache_beam.io.filesystems import FileSystems

from dataset.layout import RUNS


class RunNotFound(LookupError):
    """No manifest for the run asked for; the message names the output."""


def merge_hosts(total, more):
    """Two windows' `hosts_slowed`: a host slowed in either, by every reason, with the longer
    delay; backed off if it was in either."""
    merged = dict(total)
    for host, report in more.items():
        known = merged.get(host)
        merged[host] = report if known is None else {
            "slowed": sorted(set(known["slowed"]) | set(report["slowed"])),
            "delay": max(known["delay"], report["delay"]),
            "backed_off": known["backed_off"] or report["backed_off"]}
    return merged


def merge_counts(total, more):
    """Add one manifest's counts to another's: numbers add, flags must all hold, sections
    merge key by key, and a text (a feed's status) takes the later value."""
    merged = dict(total)
    for key, value in more.items():
        if key == "hosts_slowed":
            merged[key] = merge_hosts(merged.get(key, {}), value)
        elif key not in merged:
            merged[key] = value
        elif isinstance(value, bool):
            merged[key] = merged[key] and value
        elif isinstance(value, (int, float)):
            merged[key] = merged[key] + value
        elif isinstance(value, dict):
            merged[key] = merge_counts(merged[key], value)
        elif isinstance(value, list):          # what a source led to: in either window
            merged[key] = list(dict.fromkeys(merged[key] + value))
        else:
            merged[key] = value
    return merged


def _load(path):
    with FileSystems.open(path) as fh:
        return json.loads(fh.read())


def manifest_paths(output, pattern="*.json"):
    """Manifest paths under OUTPUT/_runs, oldest run first (run ids sort by start time)."""
    found = FileSystems.match([FileSystems.join(output, RUNS, pattern)])[0].metadata_list
    return sorted(m.path for m in found)


def _combine(manifests):
    """One manifest for a run: itself, or a streaming run's windows added up."""
    if len(manifests) == 1:
        return manifests[0]
    counts = {}
    for manifest in manifests:
        counts = merge_counts(counts, manifest["counts"])
    files = [f for manifest in manifests for f in manifest.get("files", [])]
    return {**manifests[0], "counts": counts, "files": files, "windows": len(manifests),
            "finished_at": manifests[-1].get("finished_at")}


def read_manifest(output, run_id):
    """The run's manifest; for a streaming run, one adding up the manifests of its windows."""
    paths = manifest_paths(output, f"{run_id}*.json")
    if not paths:
        raise RunNotFound(f"run {run_id} wrote no manifest under {output}/{RUNS}")
    return _combine([_load(p) for p in paths])


def _runs(output):
    """{run_id: its manifest paths}, oldest run first (a streaming run has one per window)."""
    runs = {}
    for path in manifest_paths(output):
        name = path.rsplit("/", 1)[-1][:-len(".json")]
        runs.setdefault(name.split("-w", 1)[0], []).append(path)
    return runs


def run_ids(output):
    """Ids of the runs with a manifest, oldest first."""
    return list(_runs(output))


def latest_run_id(output):
    ids = run_ids(output)
    if not ids:
        raise RunNotFound(f"no runs under {output}/{RUNS}")
    return ids[-1]


def history(output, last=500):
    """Manifests of the last `last` runs, oldest first (feed health looks back over them);
    one listing of `_runs/`, not one per run."""
    runs = list(_runs(output).values())[-last:]
    return [_combine([_load(p) for p in paths]) for paths in runs]
