"""`blogarchive reextract`: every post derived again from the archive's WARC captures.

Each blog the archive holds (its latest run's start URL and name) is crawled again as a
--full crawl whose requests are all answered from the captures (blogarchive.captures.
FromCaptures): the same spider, extractor, evidence rules, merge and store path as a
crawl, listings and feeds included, so card dates and excerpts are derived again too.
No request reaches the network.  A post that comes out different gets a revision (the
archive's upsert); an unchanged one nothing.  What changed is counted per field.  With
--since, posts last captured before the date are not replayed, and not counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from blogarchive.captures import stale_posts
from blogarchive.storage import CONTENT_FIELDS, Archive


def blogs(archive: Archive, site: str | None = None) -> list[tuple[str | None, str]]:
    """(name, start URL) of each blog the archive's runs crawled, the latest run's, oldest first."""
    sql = "select site, start_url from runs where id in (select max(id) from runs group by coalesce(site, ''))"
    found = [(row["site"], row["start_url"]) for row in archive.db.query(sql + " order by id")]
    return [(name, url) for name, url in found if site is None or name == site]


def snapshot(archive: Archive, since: str = "") -> dict[str, dict[str, Any]]:
    """Each post's content fields, by URL: the posts captured on or after *since* (ISO date)."""
    older = stale_posts(archive, archive.capture_index(), since)
    return {row["url"]: {f: row.get(f) for f in CONTENT_FIELDS} for row in archive.posts() if row["url"] not in older}


def changes(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> tuple[int, Counter[str]]:
    """How many posts changed, and how many changed in each field."""
    fields: Counter[str] = Counter()
    changed = 0
    for url, old in before.items():
        new = after.get(url, old)
        moved = [f for f in CONTENT_FIELDS if old.get(f) != new.get(f)]
        fields.update(moved)
        changed += bool(moved)
    return changed, fields


def report(changed: int, fields: Counter[str], total: int) -> Iterable[str]:
    yield f"{total} posts re-derived from the captures: {changed} changed"
    for name, count in fields.most_common():
        yield f"  {name}: {count}"
