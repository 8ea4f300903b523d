"""Export the archive as CSV, JSON or JSON Lines: one row or object per post."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

from blogarchive.storage import JSON_FIELDS, Archive

FORMATS = ("csv", "json", "jsonl")
# Column order of every export; users script against these names.
EXPORT_FIELDS = (
    "url",
    "title",
    "published",
    "published_raw",
    "modified",
    "author",
    "excerpt",
    "excerpt_source",
    "description",
    "body_text",
    "body_html",
    "body_markdown",
    "word_count",
    "language",
    "tags",
    "categories",
    "images",
    "aliases",
    "links_internal",
    "links_outbound",
    "date_source",
    "date_conflicts",
    "date_evidence",
    "first_seen",
    "last_seen",
    "content_hash",
)


def export_rows(archive: Archive) -> Iterable[dict[str, Any]]:
    """Each post as an export row, in EXPORT_FIELDS order."""
    for post in archive.posts():
        yield {f: post.get(f) for f in EXPORT_FIELDS}


def write_export(rows: Iterable[dict[str, Any]], fmt: str, out: TextIO) -> int:
    """Write *rows* to *out* in format *fmt*; return how many were written.

    In CSV, list fields (tags, categories, images) are JSON arrays, so a cell
    reads back exactly whatever characters the tags contain.
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
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: json.dumps(v, ensure_ascii=False) if k in JSON_FIELDS else v for k, v in row.items()})
            count += 1
    else:
        raise ValueError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    return count
