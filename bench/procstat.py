"""Peak memory and CPU time of a process and of its whole tree, sampled from /proc (Linux).

CPU is read per process while it runs, since worker processes started by a
forkserver are never waited for by the process measured (getrusage misses them).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                # the field after the parenthesised command name is the state, then the ppid
                stat = Path(f"/proc/{entry.name}/stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


@dataclass
class ProcessTree:
    """Samples `pid` and its descendants every `interval` seconds until stopped."""

    pid: int
    interval: float = 0.05
    main_mib: float = 0.0
    tree_mib: float = 0.0
    _cpu: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def main_cpu(self) -> float:
        return self._cpu.get(self.pid, 0.0)

    @property
    def tree_cpu(self) -> float:
        return sum(self._cpu.values())

    def __enter__(self) -> ProcessTree:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            main = _rss_kib(self.pid)
            pids = descendants(self.pid)
            total = sum(_rss_kib(p) for p in pids)
            for pid in pids:
                self._cpu[pid] = max(self._cpu.get(pid, 0.0), _cpu_seconds(pid))
            self.main_mib = max(self.main_mib, main / 1024)
            self.tree_mib = max(self.tree_mib, total / 1024)
            self._stop.wait(self.interval)
