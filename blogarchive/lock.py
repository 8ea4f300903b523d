"""One crawl per archive at a time: an advisory lock beside the database file.

The kernel releases an flock when its process ends, so a crashed or killed crawl
never leaves the archive locked.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockedError(RuntimeError):
    """Another crawl holds the archive."""


@contextmanager
def archive_lock(db_path: str | Path) -> Iterator[None]:
    """Hold the archive's lock for the duration of the block, or raise LockedError at once.

    The lock sits beside the resolved file: the same archive reached through a symlink
    (or a symlinked folder) is the same lock.
    """
    path = Path(f"{Path(db_path).resolve()}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LockedError(f"another crawl is running on {db_path} ({holder})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
