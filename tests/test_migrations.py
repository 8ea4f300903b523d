"""Schema changes are versioned migrations, applied once, by the writer; readers never apply them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from blogarchive.storage import MIGRATIONS, POSTS_SCHEMA, Archive, ArchiveError, migrate, schema_version


def _old_archive(path: Path) -> None:
    """An archive as the first releases wrote it: three columns, no version."""
    with sqlite3.connect(path) as conn:
        conn.execute("create table posts (url text primary key, title text, body_text text)")
        conn.execute("insert into posts values ('https://b.example/p', 'P', 'Body')")


def _user_version(path: Path, value: int) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {value}")


def test_the_writer_upgrades_an_unversioned_archive_once_and_keeps_its_posts(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    _old_archive(db)
    archive = Archive(db)
    assert schema_version(archive.db) == len(MIGRATIONS)
    assert set(POSTS_SCHEMA) <= set(archive.db["posts"].columns_dict)
    assert archive.find("https://b.example/p")["title"] == "P"
    assert migrate(archive.db) == 0  # nothing left to apply
    archive.close()
    reader = Archive(db, readonly=True)  # and now readers take it
    assert reader.count() == 1
    reader.close()


def test_readers_refuse_an_unmigrated_archive_and_leave_it_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    _old_archive(db)
    before = db.read_bytes()
    with pytest.raises(ArchiveError, match="older blogarchive"):
        Archive(db, readonly=True)
    assert db.read_bytes() == before
    assert schema_version(Database(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True))) == 0


def test_a_complete_archive_from_before_versioning_is_read_as_it_is(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    Archive(db).close()
    _user_version(db, 0)  # what the releases before versioning left: every column, version 0
    reader = Archive(db, readonly=True)
    assert reader.count() == 0
    reader.close()


def test_an_archive_from_a_newer_release_is_refused_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    Archive(db).close()
    _user_version(db, len(MIGRATIONS) + 1)
    with pytest.raises(ArchiveError, match="newer blogarchive") as raised:
        Archive(db, readonly=True)
    assert "\n" not in str(raised.value)
    with pytest.raises(ArchiveError, match="newer blogarchive"):
        Archive(db)  # nor does a crawl write into it
