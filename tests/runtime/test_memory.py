"""Allocator settings reach the extraction children (transforms/runtime/memory.py)."""
import os

from transforms.runtime.memory import ARENAS, MMAP_THRESHOLD, limit_fragmentation


def test_allocator_settings_are_exported_to_child_processes(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    limit_fragmentation()
    assert os.environ["MALLOC_ARENA_MAX"] == str(ARENAS)
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == str(MMAP_THRESHOLD)
