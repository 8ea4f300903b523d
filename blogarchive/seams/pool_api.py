"""concurrent.futures' process pool, where its public API stops short.

A pool that lost a worker cannot be shut down politely (its manager thread waits on
processes it is still starting): `kill_workers` ends them through the executor's
private `_processes` map, pinned by tests/test_seams.py.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor


def kill_workers(executor: ProcessPoolExecutor) -> int:
    """Kill the executor's worker processes; return how many there were."""
    workers = list((getattr(executor, "_processes", None) or {}).values())
    for process in workers:
        process.kill()
    return len(workers)
