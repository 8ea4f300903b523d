"""Export the archive: tabular formats here (CSV, JSON, JSON Lines); migration formats
(Markdown, WXR, a static HTML archive, redirect maps) in their own modules."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from blogarchive.items import post_fields
from blogarchive.storage import JSON_FIELDS, Archive

TABULAR = ("csv", "json", "jsonl")
FORMATS = (*TABULAR, "markdown", "jekyll", "wxr", "html", "redirects", "warc")
# A cell starting with one of these is a formula to a spreadsheet: neutralised in CSV.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Column order of every export (PostItem's declaration order); users script against these
# names.  Optional fields are exported when asked for by name (`--fields url,removed_at`).
EXPORT_FIELDS = post_fields(export="default")
# derived, not stored: whether the post is marked removed (beside removed_at)
DERIVED_FIELDS: dict[str, Callable[[dict[str, Any]], Any]] = {"removed": lambda post: bool(post.get("removed_at"))}
EXPORTABLE_FIELDS = (*EXPORT_FIELDS, *post_fields(export="optional"), *DERIVED_FIELDS)
# the default columns when removed posts are exported too: what marks them
REMOVED_FIELDS = ("removed_at", "removed")


@dataclass(frozen=True)
class Selection:
    """Which posts and fields an export takes."""

    since: str | None = None  # ISO date: published on or after
    until: str | None = None  # ISO date: published on or before
    include_removed: bool = False
    fields: tuple[str, ...] = EXPORT_FIELDS
    site: str | None = None  # only the posts of this blog of a sites file

    def keeps(self, post: dict[str, Any]) -> bool:
        if self.site is not None and post.get("site") != self.site:
            return False
        day = (post.get("published") or "")[:10]
        if (self.since or self.until) and not day:
            return False  # an undated post is outside every date range
        if (self.since and day < self.since) or (self.until and day > self.until):
            return False
        return self.include_removed or not post.get("removed_at")


def parse_fields(spec: str | None, include_removed: bool = False) -> tuple[str, ...]:
    """'url,title' → ('url', 'title'); ValueError naming an unknown field.  No *spec*: the
    default columns, and what marks a removed post when removed posts are *include*d."""
    if not spec:
        return (*EXPORT_FIELDS, *REMOVED_FIELDS) if include_removed else EXPORT_FIELDS
    fields = tuple(f.strip() for f in spec.split(",") if f.strip())
    unknown = [f for f in fields if f not in EXPORTABLE_FIELDS]
    if unknown or not fields:
        known = ", ".join(EXPORTABLE_FIELDS)
        raise ValueError(f"unknown field {unknown[0] if unknown else spec!r} (known: {known})")
    return fields


def select_posts(archive: Archive, selection: Selection = Selection()) -> Iterator[dict[str, Any]]:
    """The posts an export takes, newest first, all their fields."""
    return (post for post in archive.posts(include_removed=True) if selection.keeps(post))


def export_rows(archive: Archive, selection: Selection = Selection()) -> Iterable[dict[str, Any]]:
    """Each selected post as an export row, in the selection's field order."""
    for post in select_posts(archive, selection):
        yield {f: DERIVED_FIELDS[f](post) if f in DERIVED_FIELDS else post.get(f) for f in selection.fields}


def _neutralise(value: Any) -> Any:
    """Prefix a cell a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_export(
    rows: Iterable[dict[str, Any]], fmt: str, out: TextIO, fields: tuple[str, ...] = EXPORT_FIELDS,
    formula_guard: bool = True,
) -> int:  # fmt: skip
    """Write *rows* to *out* in a tabular format; return how many were written.

    In CSV, list fields (tags, categories, images) are JSON arrays, so a cell
    reads back exactly whatever characters the tags contain; cells that start
    like a formula (=, +, -, @) get a leading apostrophe so that a spreadsheet
    shows them instead of running them.
    """
    count = 0
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    elif fmt == "json":
        # streamed item by item: the archive may be larger than memory wants
        out.write("[")
        for row in rows:
            out.write(("," if count else "") + "\n  " + json.dumps(row, ensure_ascii=False))
            count += 1
        out.write("\n]\n" if count else "]\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            cells = {k: json.dumps(v, ensure_ascii=False) if k in JSON_FIELDS else v for k, v in row.items()}
            writer.writerow({k: _neutralise(v) for k, v in cells.items()} if formula_guard else cells)
            count += 1
    else:
        raise ValueError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    return count
