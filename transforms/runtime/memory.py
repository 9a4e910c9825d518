"""Worker memory: glibc allocator settings that keep a long run's RSS near what it holds."""
import ctypes
import ctypes.util
import os

# mallopt(3) parameters
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
MMAP_THRESHOLD = 64 * 1024
ARENAS = 2


def limit_fragmentation():
    """Pages of 100+ KB are decoded and dropped by the thousand, from several fetch threads.
    glibc raises its mmap threshold after the first such free and gives threads their own
    arenas, so freed pages stay in the heap, fragmented: the worker grew ~90 KB per article.
    A fixed 64 KB threshold hands every large buffer back to the OS when it is freed, and two
    arenas bound the spread. Exported for child processes too; a no-op without glibc."""
    os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(MMAP_THRESHOLD))
    os.environ.setdefault("MALLOC_ARENA_MAX", str(ARENAS))
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        libc.mallopt(_M_ARENA_MAX, ARENAS)
    except (OSError, AttributeError, TypeError):
        pass
