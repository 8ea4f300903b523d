"""One schema: the posts table, the export columns and the content hash all follow PostItem's declaration."""

from __future__ import annotations

import io
import json
from dataclasses import fields
from pathlib import Path

import pytest

from blogarchive.export import EXPORT_FIELDS, parse_fields, write_export
from blogarchive.items import PostItem, as_record
from blogarchive.storage import CONTENT_FIELDS, JSON_FIELDS, POSTS_SCHEMA, Archive, Batch, content_hash

ITEM_FIELDS = {f.name: f for f in fields(PostItem)}
SAMPLE_VALUES = {"str": "a value", "int": 7, "list": ["x"], "dict": {"k": "v"}}


def _value(name: str) -> object:
    typ = str(ITEM_FIELDS[name].type)
    return next(v for prefix, v in SAMPLE_VALUES.items() if typ.startswith(prefix) or prefix in typ)


def test_every_field_says_what_the_archive_does_with_it() -> None:
    for f in ITEM_FIELDS.values():
        assert set(f.metadata) == {"export", "content", "stored", "archive"}, f.name


def test_the_posts_table_has_a_column_per_stored_field(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a.db")
    columns = {c.name: c.type for c in archive.db["posts"].columns}
    archive.close()
    stored = {f.name for f in ITEM_FIELDS.values() if f.metadata["stored"]}
    assert set(columns) == stored == set(POSTS_SCHEMA)
    assert columns["word_count"] == "INTEGER" and columns["title"] == "TEXT"
    assert "asset_urls" not in columns  # downloaded, not stored


def test_exports_follow_the_declaration_order(tmp_path: Path) -> None:
    declared = [f.name for f in ITEM_FIELDS.values() if f.metadata["export"] == "default"]
    assert list(EXPORT_FIELDS) == declared
    archive = Archive(tmp_path / "a.db")
    archive.apply(Batch(records=[as_record(PostItem(url="https://b.example/p", title="T", tags=["a"]))]))
    rows = [{f: row.get(f) for f in EXPORT_FIELDS} for row in archive.posts()]
    archive.close()
    out = io.StringIO()
    write_export(rows, "jsonl", out)
    exported = json.loads(out.getvalue())
    assert list(exported) == declared
    assert exported["tags"] == ["a"]  # a JSON field comes back as a list, not a string
    assert parse_fields("url,removed_at") == ("url", "removed_at")  # optional: by name only
    assert "removed_at" not in EXPORT_FIELDS
    with pytest.raises(ValueError, match="unknown field"):
        parse_fields("url,asset_urls")


def test_json_fields_are_the_list_and_dict_columns() -> None:
    expected = {n for n, f in ITEM_FIELDS.items() if f.metadata["stored"] and str(f.type).startswith(("list", "dict"))}
    assert set(JSON_FIELDS) == expected


@pytest.mark.parametrize("name", [n for n, f in ITEM_FIELDS.items() if f.metadata["stored"] and n != "url"])
def test_only_content_fields_move_the_content_hash(name: str) -> None:
    base = as_record(PostItem(url="https://b.example/p"))
    changed = {**base, name: _value(name)}
    moved = content_hash(changed) != content_hash(base)
    assert moved == (name in CONTENT_FIELDS) == ITEM_FIELDS[name].metadata["content"]


def test_a_crawl_record_never_carries_the_archive_bookkeeping() -> None:
    record = as_record(PostItem(url="https://b.example/p"))
    for name in ("first_seen", "last_seen", "content_hash", "removed_at", "moved_to"):
        assert name not in record  # an upsert of None would blank what the archive recorded
