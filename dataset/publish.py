"""Publish a run: move its staged files where readers look, then its state, then its manifest.

Files are written to the run's staging folder first (tensorflow-transform's write-to-temp, then
publish). The plan is written to staging before the first move, and every step is idempotent,
so a run killed while publishing is finished by the next run (`recover`): readers never see a
partial file, and `_state` never runs ahead of the articles it describes.
"""
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from apache_beam.io.filesystems import FileSystems

from dataset.layout import STAGING, manifest_path, staging_dir
from schemas.tables import TABLES

PLAN = ".plan.json"

_LOG = logging.getLogger(__name__)


class PublishError(IOError):
    """Output could not be written or moved: the run must fail loudly."""


@dataclass(frozen=True)
class StagedFile:
    """A file written to staging, and where publishing puts it (relative to the output root)."""
    table: str
    staged_path: str
    final_relpath: str


def make_plan(output: str, staged_files) -> list:
    """[(source, destination)]: data tables first, then state, each in path order."""
    ordered = sorted(staged_files,
                     key=lambda f: (TABLES[f.table].publish_order, f.final_relpath))
    return [(f.staged_path, FileSystems.join(output, f.final_relpath)) for f in ordered]


def write_bytes(path, data):
    try:
        with FileSystems.create(path) as fh:
            fh.write(data)
    except Exception as exc:  # noqa: BLE001 - every backend raises its own kinds
        raise PublishError(f"cannot write {path}: {exc}") from exc


def _ensure_parent(path):
    parent = FileSystems.split(path)[0]
    try:
        FileSystems.mkdirs(parent)
    except IOError:
        pass  # exists already (object stores have no folders at all)


def execute_plan(output, unit, moves, manifest, plan_path=None, staging=None, deletes=()):
    """Carry out (or finish) a publish plan; raises PublishError if a file went missing.

    unit: the run (batch) or the run's window (streaming), which names the manifest. staging:
    the run's staging folder, removed when the run is over (a streaming run keeps it for its
    next windows and removes only the plan). deletes: files the moved ones replace (compaction),
    removed once every move is done.
    """
    for source, destination in moves:
        if FileSystems.exists(source):
            _ensure_parent(destination)
            try:
                FileSystems.rename([source], [destination])
            except Exception as exc:  # noqa: BLE001
                raise PublishError(f"cannot move {source} to {destination}: {exc}") from exc
        if not FileSystems.exists(destination):
            raise PublishError(f"{destination} was not published: staged file {source} is gone")
    for path in deletes:
        if FileSystems.exists(path):
            try:
                FileSystems.delete([path])
            except Exception as exc:  # noqa: BLE001
                raise PublishError(f"cannot remove replaced file {path}: {exc}") from exc
    target = manifest_path(output, unit)
    _ensure_parent(target)
    write_bytes(target, json.dumps(manifest, indent=2, sort_keys=True, default=str).encode())
    leftovers = [staging] if staging else [plan_path] if plan_path else []
    try:
        FileSystems.delete(leftovers)
    except Exception as exc:  # noqa: BLE001 - leftovers under _staging are harmless to readers
        _LOG.warning("could not remove %s: %s", leftovers, exc)


def publish(output, run_id, unit, staged_files, manifest, final=True, deletes=()):
    """Write the plan, then carry it out. final: the run ends here (remove its staging).

    deletes: published files that the staged ones replace (compaction).
    """
    moves = make_plan(output, staged_files)
    manifest = {**manifest, "unit": unit, "files": [dst for _, dst in moves],
                "finished_at": datetime.now(timezone.utc).isoformat()}
    staging = staging_dir(output, run_id)
    plan_path = FileSystems.join(staging, unit.replace("/", "_") + PLAN)
    _ensure_parent(plan_path)
    write_bytes(plan_path, json.dumps({"unit": unit, "moves": moves, "deletes": list(deletes),
                                       "manifest": manifest}, default=str).encode())
    execute_plan(output, unit, moves, manifest, plan_path, staging if final else None, deletes)
    return manifest


def recover(output):
    """Finish publishing units that died mid-publish; drop staging of runs that died earlier.

    Returns (finished units, discarded run ids). Call before a run starts, one run per output
    at a time (a run still writing its staging folder would lose it).
    """
    finished = []
    root = FileSystems.join(output, STAGING)

    def run_of(path):
        return path[len(root):].lstrip("/").split("/", 1)[0]

    pattern = FileSystems.join(root, "*", "*" + PLAN)
    plans = sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
    for plan_path in plans:
        with FileSystems.open(plan_path) as fh:
            plan = json.loads(fh.read())
        execute_plan(output, plan["unit"], [tuple(m) for m in plan["moves"]],
                     {**plan["manifest"], "recovered": True}, plan_path,
                     deletes=plan.get("deletes", ()))
        finished.append(plan["unit"])
    leftovers = FileSystems.match([FileSystems.join(root, "**")])[0].metadata_list
    dead = {run_of(m.path) for m in leftovers}
    for run_id in sorted(dead | {run_of(p) for p in plans}):
        FileSystems.delete([FileSystems.join(root, run_id)])
    return finished, sorted(dead)
