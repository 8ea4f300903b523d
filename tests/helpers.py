"""Helpers for the tests: the checkout's root and a way to run the CLI."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `blogarchive ARGS` in a fresh process (Scrapy's reactor runs once per process)."""
    return subprocess.run(
        [sys.executable, "-m", "blogarchive", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def archived_posts(db: Path) -> list[dict]:
    """Every post in the archive at *db*, as the exports see them."""
    from blogarchive.storage import Archive

    archive = Archive(db, create=False)
    try:
        return list(archive.posts())
    finally:
        archive.close()


def write_sites_file(folder: Path, urls: dict[str, str]) -> Path:
    """A sites file listing *urls* (name → start URL)."""
    path = folder / "sites.toml"
    path.write_text("".join(f'[[site]]\nname = "{n}"\nstart_url = "{u}"\n\n' for n, u in urls.items()))
    return path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 10.0) -> None:
    """Until a server listens on 127.0.0.1:port (servers the tests start take a moment)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def session_processes(sid: int) -> list[int]:
    """The live processes of session *sid* (a process started with start_new_session, and its children)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended while we looked
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(stat.parent.name))
    return found


def processes_left(sid: int, timeout: float) -> list[int]:
    """The processes of session *sid* still alive after up to *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while (left := session_processes(sid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left
