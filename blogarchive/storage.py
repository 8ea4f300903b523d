"""The SQLite archive: posts keyed by canonical URL, earlier versions, crawl runs."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import jsonify_if_needed

# Fields whose change makes a new version of a post.
CONTENT_FIELDS = (
    "title",
    "published",
    "modified",
    "author",
    "excerpt",
    "body_text",
    "body_html",
    "tags",
    "categories",
    "images",
)
JSON_FIELDS = ("tags", "categories", "images", "aliases")

POSTS_SCHEMA: dict[str, type] = {
    "url": str,
    "title": str,
    "published": str,
    "published_raw": str,
    "modified": str,
    "author": str,
    "excerpt": str,
    "body_text": str,
    "body_html": str,
    "body_markdown": str,
    "tags": str,
    "categories": str,
    "images": str,
    "aliases": str,
    "date_source": str,
    "fetched_url": str,
    "listing_url": str,
    "fetched_at": str,
    "content_hash": str,
    "first_seen": str,
    "last_seen": str,
}


class ArchiveError(Exception):
    """The archive file cannot be opened or used."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def content_hash(record: dict[str, Any]) -> str:
    """A stable hash of a post's content fields (not of when it was fetched)."""
    content = {f: record.get(f) for f in CONTENT_FIELDS}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class Archive:
    """A posts archive in one SQLite file, created on first use."""

    def __init__(self, path: str | Path, create: bool = True) -> None:
        path = Path(path)
        if not create and not path.exists():
            raise ArchiveError(f"no archive at {path}")
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            self.db = Database(path)
            self.db.execute("PRAGMA schema_version").fetchone()  # fails fast on a non-SQLite file
            self._ensure_schema()
        except (sqlite3.DatabaseError, OSError) as err:
            raise ArchiveError(f"cannot open archive {path}: {err}") from err

    def _ensure_schema(self) -> None:
        self.db.enable_wal()  # readers (export, status) never block a nightly crawl
        self.db["posts"].create(POSTS_SCHEMA, pk="url", if_not_exists=True)
        self.db["revisions"].create(
            {"id": int, "url": str, "replaced_at": str, "changed": str, "record": str},
            pk="id",
            if_not_exists=True,
        )
        self.db["revisions"].create_index(["url"], if_not_exists=True)
        self.db["runs"].create(
            {
                "id": int,
                "started": str,
                "finished": str,
                "start_url": str,
                "status": str,
                "pages": int,
                "found": int,
                "new": int,
                "updated": int,
                "unchanged": int,
                "errors": int,
            },
            pk="id",
            if_not_exists=True,
        )

    def _existing(self, urls: list[str]) -> dict[str, dict[str, Any]]:
        marks = ",".join("?" * len(urls))
        rows = self.db.query(f"select * from posts where url in ({marks})", urls)
        return {row["url"]: row for row in rows}

    def save_batch(self, records: Iterable[dict[str, Any]]) -> Counter[str]:
        """Upsert posts in one transaction; count new, updated, unchanged and kept.

        A changed post's previous version goes to `revisions`.  A record with an
        empty body never replaces one with a body: the old version is kept.
        """
        records = list(records)
        counts: Counter[str] = Counter()
        if not records:
            return counts
        now = utc_now()
        old_rows = self._existing([r["url"] for r in records])
        to_write, revisions = [], []
        for rec in records:
            rec = {**rec, "content_hash": content_hash(rec), "last_seen": now}
            old = old_rows.get(rec["url"])
            if old is not None:
                # an alias once seen stays an alias: old links keep working
                rec["aliases"] = sorted(set(json.loads(old.get("aliases") or "[]")) | set(rec.get("aliases") or []))
            if old is None:
                counts["new"] += 1
                to_write.append({**rec, "first_seen": now})
            elif old["content_hash"] == rec["content_hash"]:
                counts["unchanged"] += 1
                to_write.append(
                    {
                        "url": rec["url"],
                        "last_seen": now,
                        "fetched_at": rec.get("fetched_at"),
                        "aliases": rec["aliases"],
                    }
                )
            elif not rec.get("body_text") and old.get("body_text"):
                counts["kept"] += 1
            else:
                counts["updated"] += 1
                changed = [f for f in CONTENT_FIELDS if jsonify_if_needed(rec.get(f)) != old.get(f)]
                revisions.append(
                    {
                        "url": rec["url"],
                        "replaced_at": now,
                        "changed": json.dumps(changed),
                        "record": json.dumps(old, ensure_ascii=False),
                    }
                )
                to_write.append({**rec, "first_seen": old["first_seen"]})
        with self.db.atomic():
            if revisions:
                self.db["revisions"].insert_all(revisions)
            self.db["posts"].upsert_all(to_write, pk="url", alter=True)
        return counts

    def add_aliases(self, redirects: dict[str, str]) -> int:
        """Record redirected URLs (old → new) as aliases of the posts they lead to.

        Chains (a → b → c) resolve to their end; returns how many aliases were added.
        """
        added = 0
        with self.db.atomic():
            for old in redirects:
                target, hops = redirects[old], 0
                while target in redirects and hops < 20:
                    target, hops = redirects[target], hops + 1
                row = next(self.db.query("select aliases from posts where url = ?", [target]), None)
                if row is None or old == target:
                    continue
                aliases = set(json.loads(row["aliases"] or "[]"))
                if old not in aliases:
                    aliases.add(old)
                    self.db["posts"].update(target, {"aliases": sorted(aliases)})
                    added += 1
        return added

    def record_run(self, run: dict[str, Any]) -> int:
        """Store one crawl run's summary; return its id."""
        return self.db["runs"].insert(run, alter=True).last_pk

    def posts(self) -> Iterator[dict[str, Any]]:
        """Every post, newest first, with list fields decoded."""
        for row in self.db["posts"].rows_where(order_by="published desc, url"):
            for f in JSON_FIELDS:
                row[f] = json.loads(row[f]) if row.get(f) else []
            yield row

    def count(self) -> int:
        return self.db["posts"].count

    def close(self) -> None:
        self.db.close()
