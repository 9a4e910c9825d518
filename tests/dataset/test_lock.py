"""One run per output (dataset/lock.py), on local disk and on a Beam filesystem (memfs)."""
import json
import os
import socket
import subprocess
import sys
import time
import types
from datetime import datetime, timedelta, timezone

import pytest

from dataset import lock as lock_module
from dataset.lock import OutputLock, OutputLocked, create_exclusive, is_stale, lock_path
from tests import memfs


def dead_pid():
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def holder(**kw):
    now = datetime.now(timezone.utc).isoformat()
    return {"what": "run r1", "host": socket.gethostname(), "pid": os.getpid(), "since": now,
            "renewed": now, "token": "t1", **kw}


@pytest.fixture(params=["local", "memfs"])
def output(request, tmp_path):
    if request.param == "local":
        return str(tmp_path / "news")
    memfs.STORE.clear()
    return "memfs://bucket/news"


def test_one_holder_at_a_time_and_released_after(output):
    with OutputLock(output, "run first"):
        with pytest.raises(OutputLocked, match="in use by run first"):
            OutputLock(output, "run second").acquire()
    with OutputLock(output, "run second") as second:      # free again
        assert second.took_over is None


def test_a_lock_is_only_created_where_none_is(output):
    path = lock_path(output)
    assert create_exclusive(path, b'{"token": "a"}')
    assert not create_exclusive(path, b'{"token": "b"}')


def test_stale_when_the_process_is_gone_here_or_the_lease_ran_out_anywhere():
    assert not is_stale(holder())
    assert is_stale(holder(pid=dead_pid()))
    assert is_stale(holder(pid=os.getpid(), process_start="0"))     # the pid was reused
    long_ago = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    assert is_stale(holder(host="elsewhere", pid=1, renewed=long_ago))
    assert not is_stale(holder(host="elsewhere", pid=1))
    assert is_stale({"what": "half-written"})


def test_a_stale_lock_is_taken_over_and_named(output):
    path = lock_path(output)
    stale = holder(pid=dead_pid())
    create_exclusive(path, json.dumps(stale).encode())
    with OutputLock(output, "run new") as taken:
        assert taken.took_over == stale
        with pytest.raises(OutputLocked, match="run new"):
            OutputLock(output, "run third").acquire()


def test_a_take_over_left_half_done_by_a_dead_process_does_not_block(tmp_path):
    output = str(tmp_path / "news")
    path = lock_path(output)
    create_exclusive(path, json.dumps(holder(pid=dead_pid())).encode())
    guard = path + ".takeover"
    create_exclusive(guard, b"dead")
    with pytest.raises(OutputLocked, match="at the same time"):   # a fresh guard: someone is at it
        OutputLock(output, "run new").acquire()
    old = time.time() - lock_module.GUARD_SECONDS - 5
    os.utime(guard, (old, old))
    with OutputLock(output, "run new") as taken:
        assert taken.took_over is not None
    assert not os.path.exists(guard)


def test_a_live_holder_renews_its_lease(monkeypatch, tmp_path):
    monkeypatch.setattr(lock_module, "LEASE_SECONDS", 0.2)
    output = str(tmp_path / "news")
    with OutputLock(output, "run long"):
        first = json.loads(open(lock_path(output)).read())["renewed"]
        time.sleep(0.3)
        later = json.loads(open(lock_path(output)).read())
        assert later["renewed"] > first and not is_stale(later)


def test_object_stores_write_the_lock_with_a_precondition(monkeypatch):
    calls = []

    class PreconditionFailed(Exception):
        pass

    class Blob:
        def __init__(self, key):
            self.key = key

        def upload_from_string(self, data, content_type, if_generation_match):
            calls.append(("gs", self.key, if_generation_match))
            if len(calls) > 1:
                raise PreconditionFailed()

    client = types.SimpleNamespace(bucket=lambda name: types.SimpleNamespace(blob=Blob))
    google = types.ModuleType("google")
    cloud = types.ModuleType("google.cloud")
    cloud.storage = types.SimpleNamespace(Client=lambda: client)
    api_core = types.ModuleType("google.api_core")
    exceptions = types.ModuleType("google.api_core.exceptions")
    exceptions.PreconditionFailed = PreconditionFailed
    for name, module in {"google": google, "google.cloud": cloud, "google.api_core": api_core,
                         "google.api_core.exceptions": exceptions}.items():
        monkeypatch.setitem(sys.modules, name, module)
    assert create_exclusive("gs://bucket/news/_lock.json", b"{}")
    assert not create_exclusive("gs://bucket/news/_lock.json", b"{}")
    assert calls[0] == ("gs", "news/_lock.json", 0)

    class ClientError(Exception):
        def __init__(self, code):
            self.response = {"Error": {"Code": code}}

    puts = []

    def put_object(Bucket, Key, Body, IfNoneMatch):  # noqa: N803 - boto3's names
        puts.append((Bucket, Key, IfNoneMatch))
        if len(puts) > 1:
            raise ClientError("PreconditionFailed")

    boto3 = types.ModuleType("boto3")
    boto3.client = lambda service: types.SimpleNamespace(put_object=put_object)
    botocore = types.ModuleType("botocore")
    botocore_exceptions = types.ModuleType("botocore.exceptions")
    botocore_exceptions.ClientError = ClientError
    for name, module in {"boto3": boto3, "botocore": botocore,
                         "botocore.exceptions": botocore_exceptions}.items():
        monkeypatch.setitem(sys.modules, name, module)
    assert create_exclusive("s3://bucket/news/_lock.json", b"{}")
    assert not create_exclusive("s3://bucket/news/_lock.json", b"{}")
    assert puts[0] == ("bucket", "news/_lock.json", "*")
