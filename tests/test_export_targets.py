"""Exports respect what is at --output: devices and FIFOs are written to, never replaced;
a symlink keeps pointing at its file; a file keeps its mode; a new one gets the umask's."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from tests.helpers import run_cli


@pytest.fixture(scope="module")
def archive(base_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("archive") / "archive.db"
    assert run_cli("crawl", f"{base_url}/blog", "--db", str(db), "--quiet").returncode == 0
    return db


def _export(db: Path, output: Path | str, fmt: str = "jsonl") -> None:
    result = run_cli("export", "--db", str(db), "--format", fmt, "--output", str(output))
    assert result.returncode == 0, result.stderr


def test_a_fifo_is_written_to_not_replaced(archive: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "posts.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    _export(archive, fifo)
    reader.join(timeout=60)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert len(received[0].splitlines()) == 45 and json.loads(received[0].splitlines()[0])["url"]


def test_a_symlink_keeps_pointing_at_its_file_and_a_file_keeps_its_mode(archive: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    real.chmod(0o644)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    _export(archive, link, "csv")
    assert link.is_symlink() and link.resolve() == real
    assert stat.S_IMODE(real.stat().st_mode) == 0o644 and "old" not in real.read_text(encoding="utf-8-sig")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]  # no temporary file left


def test_a_new_file_gets_the_umasks_mode(archive: Path, tmp_path: Path) -> None:
    new = tmp_path / "new" / "posts.jsonl"
    _export(archive, new)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~mask


def test_a_folder_at_output_is_refused_in_one_line(archive: Path, tmp_path: Path) -> None:
    result = run_cli("export", "--db", str(archive), "--format", "jsonl", "--output", str(tmp_path))
    assert result.returncode == 2 and "it is a folder" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
