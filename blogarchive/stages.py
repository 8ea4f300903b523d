"""CPU time by stage of a page's reading, for bench/crawl's breakdown.

Thread CPU time (time.thread_time): a page read in the crawl's own process shares it
with the reactor thread, whose work is not the page's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Stats keys: CPU_STAT + "main/STAGE" (the crawl's process) or "pool/STAGE" (page workers),
# in whole microseconds (Scrapy's stats count integers).
CPU_STAT = "blogarchive/cpu_us/"


class Stopwatch:
    """Laps of CPU time: `lap(name)` adds the time since the last lap to *name*."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self._last = time.thread_time()

    def lap(self, name: str) -> None:
        now = time.thread_time()
        self.ms[name] = self.ms.get(name, 0.0) + (now - self._last) * 1000
        self._last = now


@contextmanager
def timed(stats: Any, stage: str) -> Iterator[None]:
    """Count the CPU time of the block as the main process's *stage* in Scrapy *stats*."""
    start = time.thread_time()
    try:
        yield
    finally:
        if stats is not None:
            stats.inc_value(f"{CPU_STAT}main/{stage}", round((time.thread_time() - start) * 1e6))


def cpu_by_stage(stats: dict[str, Any]) -> dict[str, float]:
    """"main/STAGE" and "pool/STAGE" → CPU ms, from a crawl's stats."""
    return {k.removeprefix(CPU_STAT): round(v / 1000, 1) for k, v in stats.items() if k.startswith(CPU_STAT)}
