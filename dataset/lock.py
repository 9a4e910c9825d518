"""One run per output: `_lock.json` under the dataset root, taken by a run (and each run of a
loop), a streaming job and `compact` before they touch staging, state or published files, and
released when they end. A second one finds it held and stops at once, naming the holder.

The lock is created only if absent, atomically where the storage allows it: O_EXCL on local
disk, an if-generation-match=0 write on GCS, an If-None-Match write on S3; on other Beam
filesystems it is written when absent and read back (two writers within the same moment could
both believe they won). The holder renews it every LEASE_SECONDS / 4. A lock whose holder ran
on this machine and whose process is gone is stale at once; one from another machine when it
has not been renewed for LEASE_SECONDS. A stale lock is taken over, and the dead run's staging
is then recovered under the new holder's lock.
"""
import json
import os
import secrets
import socket
import threading
from datetime import datetime, timedelta, timezone
from typing import Optional

from apache_beam.io.filesystems import FileSystems

LOCK = "_lock.json"
LEASE_SECONDS = 600
GUARD_SECONDS = 60      # a take-over takes a moment; a guard this old was left by a dead process


class OutputLocked(RuntimeError):
    """The output is held by another live run; the message names it."""


def lock_path(output: str) -> str:
    return FileSystems.join(output, LOCK)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _process_start(pid: int) -> Optional[str]:
    """The process's start time in clock ticks since boot (Linux), which tells a pid reused
    by another process apart from the one that took the lock."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(pid: int, started: Optional[str]) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return started is None or _process_start(pid) in (None, started)


def is_stale(holder: dict, now: Optional[datetime] = None) -> bool:
    """Whether a lock's holder is gone: its process on this machine, or its lease anywhere."""
    now = now or _now()
    if holder.get("host") == socket.gethostname() and holder.get("pid"):
        if not _alive(int(holder["pid"]), holder.get("process_start")):
            return True
    try:
        renewed = datetime.fromisoformat(holder["renewed"])
    except (KeyError, TypeError, ValueError):
        return True
    return now - renewed > timedelta(seconds=LEASE_SECONDS)


def describe(holder: dict) -> str:
    return (f"{holder.get('what', 'a run')} (host {holder.get('host')}, pid {holder.get('pid')}, "
            f"since {holder.get('since')})")


# ---------------------------------------------------------------- storage


def _read(path: str) -> Optional[dict]:
    try:
        with FileSystems.open(path) as fh:
            return json.loads(fh.read())
    except Exception:  # noqa: BLE001 - absent, or half-written by a process that died
        return None


def _remove_if_older(path: str, seconds: float) -> None:
    try:
        found = FileSystems.match([path])[0].metadata_list
        if found and _now().timestamp() - found[0].last_updated_in_seconds > seconds:
            FileSystems.delete([path])
    except Exception:  # noqa: BLE001 - gone meanwhile, or a filesystem without times
        pass


def _bucket_and_key(path: str):
    bucket, _, key = path.split("://", 1)[1].partition("/")
    return bucket, key


def _create_gcs(path: str, data: bytes) -> bool:
    from google.api_core.exceptions import PreconditionFailed
    from google.cloud import storage
    bucket, key = _bucket_and_key(path)
    try:
        storage.Client().bucket(bucket).blob(key).upload_from_string(
            data, content_type="application/json", if_generation_match=0)
    except PreconditionFailed:
        return False
    return True


def _create_s3(path: str, data: bytes) -> bool:
    import boto3
    from botocore.exceptions import ClientError
    bucket, key = _bucket_and_key(path)
    try:
        boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=data, IfNoneMatch="*")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412"):
            return False
        raise
    return True


def _create_local(path: str, data: bytes) -> bool:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return True


def _create_other(path: str, data: bytes) -> bool:
    if FileSystems.exists(path):
        return False
    with FileSystems.create(path) as fh:
        fh.write(data)
    with FileSystems.open(path) as fh:
        return fh.read() == data                 # another writer's lock would differ


def create_exclusive(path: str, data: bytes) -> bool:
    """Write `data` at `path` only if nothing is there. True when this call created it."""
    scheme = path.split("://", 1)[0] if "://" in path else "file"
    create = {"file": _create_local, "gs": _create_gcs, "s3": _create_s3}.get(scheme,
                                                                            _create_other)
    if scheme == "file" and path.startswith("file://"):
        path = path[len("file://"):]
    return create(path, data)


def _replace(path: str, data: bytes) -> None:
    if "://" not in path:
        tmp = f"{path}.{secrets.token_hex(4)}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        return
    with FileSystems.create(path) as fh:
        fh.write(data)


# ---------------------------------------------------------------- the lock


class OutputLock:
    """`with OutputLock(output, "run 2026...-abc"):` holds the output, or raises OutputLocked."""

    def __init__(self, output: str, what: str):
        self.path = lock_path(output)
        self.what = what
        self.token = secrets.token_hex(8)
        self._stop = threading.Event()
        self._renewer = None
        self.took_over = None            # the stale holder replaced, if any

    def _holder(self, now: datetime) -> dict:
        pid = os.getpid()
        return {"what": self.what, "host": socket.gethostname(), "pid": pid,
                "process_start": _process_start(pid), "since": now.isoformat(),
                "renewed": now.isoformat(), "token": self.token}

    def acquire(self) -> "OutputLock":
        now = _now()
        mine = self._holder(now)
        for _ in range(3):
            if create_exclusive(self.path, json.dumps(mine).encode()):
                self._start_renewing(mine)
                return self
            holder = _read(self.path)
            if holder is not None and not is_stale(holder):
                raise OutputLocked(f"in use by {describe(holder)}")
            self._take_over(holder)
        raise OutputLocked(f"could not take {self.path}: another run took it at the same time")

    def _take_over(self, stale: Optional[dict]) -> None:
        """Remove a stale lock, unless someone replaced it meanwhile."""
        guard = self.path + ".takeover"
        if not create_exclusive(guard, self.token.encode()):
            _remove_if_older(guard, GUARD_SECONDS)   # left by a process that died taking over
            return                           # another process is taking it over; try again
        try:
            if _read(self.path) == stale:
                FileSystems.delete([self.path])
                self.took_over = stale
        except Exception:  # noqa: BLE001 - gone already
            pass
        finally:
            FileSystems.delete([guard])

    def _start_renewing(self, mine: dict) -> None:
        def renew():
            while not self._stop.wait(LEASE_SECONDS / 4):
                current = _read(self.path)
                if current is None or current.get("token") != self.token:
                    return                   # taken over: nothing of ours to renew
                _replace(self.path, json.dumps({**mine, "renewed": _now().isoformat()}
                                               ).encode())
        self._renewer = threading.Thread(target=renew, name="newsbeam-lock", daemon=True)
        self._renewer.start()

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        current = _read(self.path)
        if current is not None and current.get("token") == self.token:
            try:
                FileSystems.delete([self.path])
            except Exception:  # noqa: BLE001 - already gone
                pass

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
