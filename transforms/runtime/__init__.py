"""How a worker runs its work, without Beam: child processes that a hang or a crash cannot take
down with them (isolation.py), and allocator settings against fragmentation (memory.py)."""
