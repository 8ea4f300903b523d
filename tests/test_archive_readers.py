"""Readers never write: export, status, search and history leave the archive byte-identical,
and refuse, in one line, an archive they cannot read instead of upgrading it."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from blogarchive.demo.site import DemoPost
from tests.helpers import run_cli


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_commands_leave_the_archive_byte_identical(base_url: str, posts: list[DemoPost], tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    assert run_cli("crawl", f"{base_url}/blog", "--db", str(db), "--quiet").returncode == 0
    before, files = _digest(db), [p.name for p in tmp_path.iterdir()]
    commands = [
        ("export", "--db", str(db), "--format", "jsonl", "--output", str(tmp_path / "out" / "posts.jsonl")),
        ("export", "--db", str(db), "--format", "csv", "--output", str(tmp_path / "out" / "posts.csv")),
        ("export", "--db", str(db), "--format", "markdown", "--output", str(tmp_path / "out" / "md")),
        ("status", "--db", str(db)),
        ("search", "sleep", "--db", str(db)),
        ("history", base_url + posts[0].path, "--db", str(db)),
    ]
    for command in commands:
        result = run_cli(*command)
        assert result.returncode == 0, (command, result.stderr)
        assert _digest(db) == before, f"{command[0]} changed the archive"
    # nothing beside the archive but what the exports were told to write, and SQLite's own
    # write-ahead companions (a read-only reader of a WAL archive opens them, cannot remove them)
    companions = {"archive.db-wal", "archive.db-shm"}
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in companions) == sorted([*files, "out"])


def test_an_old_or_foreign_database_is_refused_in_one_line_and_left_alone(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:
        conn.execute("create table posts (url text primary key, title text, body_text text)")
        conn.execute("insert into posts values ('https://b.example/p', 'P', 'Body')")
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("create table things (id integer)")
    for db, says in ((old, "older blogarchive"), (foreign, "not a blogarchive archive")):
        before = _digest(db)
        for command in (("status",), ("export", "--format", "jsonl", "--output", str(tmp_path / "x.jsonl"))):
            result = run_cli(*command, "--db", str(db))
            assert result.returncode == 2, result.stderr
            assert says in result.stderr and "Traceback" not in result.stderr
            assert len(result.stderr.strip().splitlines()) == 1
        assert _digest(db) == before
    assert not (tmp_path / "x.jsonl").exists()
