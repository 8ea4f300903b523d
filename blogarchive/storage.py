"""The SQLite archive: posts keyed by canonical URL, earlier versions, crawl runs.

Nothing is ever deleted: a changed post's previous version goes to `revisions`,
a post that answers 404/410 is marked removed (and restored if it comes back),
an empty page never replaces a body, and a change that looks like a maintenance
page or a broken template is held (`held`) until a later run confirms it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import sqlite3
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database
from sqlite_utils.db import jsonify_if_needed

from blogarchive.items import post_field_types, post_fields
from blogarchive.template import TemplateLearner

if TYPE_CHECKING:
    from blogarchive.evidence import Claim

# Derived from PostItem's one declaration (blogarchive.items): fields whose change makes
# a new version of a post; columns stored as JSON (lists and dicts).
CONTENT_FIELDS = post_fields(content=True)
JSON_FIELDS = tuple(name for name, typ in post_field_types().items()
                    if typ.startswith(("list", "dict")) and name in post_fields(stored=True))  # fmt: skip
FTS_COLUMNS = ["title", "excerpt", "body_text"]
_PAGES_KEY = "__pages__"  # the template table's row that counts the pages seen
# A body that shrinks below this share of its last version is a drift warning (and held).
SHORTER_BODY = 0.5
# A new body sharing less than this share of its word pairs with the old one was rewritten
# wholesale: a maintenance page, another page's text, a template gone wrong (held).
REWRITTEN_BODY = 0.25
# Columns written for a post seen again whose content did not change: how and when
# it was seen, never its content (a partial record upserted with full ones would
# blank every column it lacks).
SEEN_COLUMNS = (
    "last_seen", "fetched_at", "aliases", "removed_at", "moved_to", "etag", "http_last_modified",
    "sitemap_lastmod", "card_title", "card_date",
)  # fmt: skip

# the posts table: every stored field of PostItem, text but for the counts
POSTS_SCHEMA: dict[str, type] = {
    name: int if post_field_types()[name] == "int" else str for name in post_fields(stored=True)
}
RUNS_SCHEMA: dict[str, type] = {
    "id": int, "started": str, "finished": str, "start_url": str, "status": str, "complete": int,
    "pages": int, "not_modified": int, "found": int, "new": int, "updated": int, "unchanged": int,
    "removed": int, "restored": int, "kept": int, "errors": int, "bytes": int, "warnings": str,
    "date_conflicts": int, "failures": str, "site": str, "held": int, "fatal": str,
    # why the run did not see every post (blogarchive.runs.CrawlSummary.incomplete)
    "incomplete": str,
}  # fmt: skip
HELD_SCHEMA: dict[str, type] = {
    "url": str, "held_at": str, "session": str, "reasons": str, "content_hash": str, "body_hash": str,
    "record": str,
}  # fmt: skip


# Fields a record may lack (a post fetched without its card, from a feed): the stored value stays.
_KEPT_WHEN_SILENT = ("card_title", "card_date", "sitemap_lastmod")
# Bodies shorter than this are too short to call two posts' bodies the same page.
_TWIN_MIN_CHARS = 40
_JUDGED_MIN_CHARS = 200
_WORD = re.compile(r"\w+")


class ArchiveError(Exception):
    """The archive file cannot be opened or used."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def content_hash(record: dict[str, Any]) -> str:
    """A stable hash of a post's content fields (not of when it was fetched)."""
    content = {f: record.get(f) for f in CONTENT_FIELDS}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class Batch:
    """What one flush writes: full records, URLs that answered 304, URLs that answered 404/410."""

    records: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.records) + len(self.unchanged) + len(self.gone)


class Archive:
    """A posts archive in one SQLite file, created on first use."""

    def __init__(self, path: str | Path, create: bool = True, readonly: bool = False) -> None:
        """Open (or create) the archive at *path*; *readonly*: for readers (export, status,
        search, history), which never change the file, and refuse an archive they cannot read."""
        path = Path(path)
        self.path = path
        # one id per opening (one crawl): a held change is confirmed by a later one
        self.session = uuid.uuid4().hex
        # hashes of the new bodies written or held in this session (a page shared by many posts)
        self._new_bodies: dict[str, str] = {}
        self._seen: set[str] = set()  # posts this session wrote or touched (seen by this crawl)
        if (readonly or not create) and not path.exists():
            raise ArchiveError(f"no archive at {path}")
        if readonly:
            self._open_readonly(path)
            return
        blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            raise ArchiveError(f"cannot make the archive {path}: {blocking} is a file, not a folder")
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            self.db = Database(path)
            self.db.execute("PRAGMA schema_version").fetchone()  # fails fast on a non-SQLite file
            migrate(self.db)
        except (sqlite3.DatabaseError, OSError) as err:
            raise ArchiveError(f"cannot open archive {path}: {err}") from err

    def _open_readonly(self, path: Path) -> None:
        """A read-only connection (SQLite's mode=ro), after a check that the schema is this
        version's: an older archive is upgraded by the next crawl, never by a reader."""
        try:
            self.db = Database(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True))
            tables = set(self.db.table_names())
            columns = set(self.db.table("posts").columns_dict) if "posts" in tables else set()
        except (sqlite3.DatabaseError, OSError) as err:
            raise ArchiveError(f"cannot open archive {path}: {err}") from err
        if "posts" not in tables:
            raise ArchiveError(f"{path} is not a blogarchive archive (it has no posts table)")
        version = schema_version(self.db)
        if version > len(MIGRATIONS):
            raise ArchiveError(f"{path} was made by a newer blogarchive (schema {version}): upgrade blogarchive")
        # an archive made before versioning (0) is read if it has every column already
        complete = not set(POSTS_SCHEMA) - columns and {"runs", "revisions", "held", "posts_fts"} <= tables
        if version < len(MIGRATIONS) and not (version == 0 and complete):
            raise ArchiveError(f"{path} was made by an older blogarchive: the next crawl into it upgrades it")

    # --- reading ----------------------------------------------------------------

    def _existing(self, urls: list[str]) -> dict[str, dict[str, Any]]:
        marks = ",".join("?" * len(urls))
        rows = self.db.query(f"select * from posts where url in ({marks})", urls)
        return {row["url"]: row for row in rows}

    def known_posts(self, site: str | None = None) -> dict[str, dict[str, Any]]:
        """What a later crawl needs of each archived post: validators, card fields, removal
        (of the posts named *site*, when given)."""
        sql = (
            "select url, etag, http_last_modified, sitemap_lastmod, title, published, published_raw, date_source,"
            " card_title, card_date, excerpt, excerpt_source, removed_at, site, fetched_url from posts"
        )
        rows = self.db.query(sql + " where site = ?", [site]) if site else self.db.query(sql)
        return {row["url"]: row for row in rows}

    def find(self, url: str) -> dict[str, Any] | None:
        """The post at *url* or with *url* among its aliases."""
        row = next(self.db.query("select * from posts where url = ?", [url]), None)
        if row is None:
            sql = "select posts.* from posts, json_each(posts.aliases) where json_each.value = ?"
            row = next(self.db.query(sql, [url]), None)
        return row

    def revisions(self, url: str) -> list[dict[str, Any]]:
        """Earlier versions of a post, oldest first."""
        return list(self.db.query("select * from revisions where url = ? order by id", [url]))

    def posts(self, include_removed: bool = True) -> Iterator[dict[str, Any]]:
        """Every post, newest first, with list fields decoded."""
        where = None if include_removed else "removed_at is null or removed_at = ''"
        for row in self.db.table("posts").rows_where(where, order_by="published desc, url"):
            row.update(_decoded(row))
            yield row

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Posts matching an FTS5 query, best first, with a snippet of the body."""
        sql = """
            select posts.url, posts.title, posts.published,
                   snippet(posts_fts, 2, '[', ']', ' … ', 12) as snippet
            from posts_fts join posts on posts.rowid = posts_fts.rowid
            where posts_fts match ? order by rank limit ?"""
        return list(self.db.query(sql, [query, limit]))

    def runs(self, limit: int = 10) -> list[dict[str, Any]]:
        return list(self.db.query("select * from runs order by id desc limit ?", [limit]))

    def last_good_run(self, start_url: str | None = None) -> dict[str, Any] | None:
        """The latest complete run without errors (of the blog at *start_url*, when given:
        an archive of many blogs compares each with its own last run)."""
        sql = "select * from runs where status = 'ok' and complete = 1"
        args: list[Any] = []
        if start_url is not None:
            sql += " and start_url = ?"
            args.append(start_url)
        return next(self.db.query(sql + " order by id desc limit 1", args), None)

    def count(self) -> int:
        return self.db.table("posts").count

    def removed_count(self) -> int:
        """Posts marked removed (they answered 404/410; kept, never deleted)."""
        return int(self.db.execute("select count(*) from posts where removed_at > ''").fetchone()[0])

    def archived_urls(self) -> set[str]:
        """Every URL a post is archived under: its key and its aliases."""
        found: set[str] = set()
        for row in self.db.query("select url, aliases from posts"):
            found |= {row["url"], *json.loads(row["aliases"] or "[]")}
        return found

    # --- writing ----------------------------------------------------------------

    def apply(self, batch: Batch) -> Counter[str]:
        """Write one batch in one transaction; count what happened.

        Counts: new, updated, unchanged (same content or 304), kept (an empty page
        did not replace a body), removed, restored, and drift signals: lost_title,
        lost_date, shorter_body, body_changed.
        """
        counts: Counter[str] = Counter()
        with self.db.atomic():
            counts += self._save_records(batch.records)
            counts += self._touch(batch.unchanged)
            counts += self._mark_removed(batch.gone)
        return counts

    def save_batch(self, records: Iterable[dict[str, Any]]) -> Counter[str]:
        """Upsert full post records in one transaction (see apply)."""
        return self.apply(Batch(records=list(records)))

    def _save_records(self, records: list[dict[str, Any]]) -> Counter[str]:
        """New posts are inserted; changed ones replace their row (the old one goes to
        revisions) unless the change looks wrong, when it is held; unchanged ones get
        only their SEEN_COLUMNS, in statements of their own."""
        counts: Counter[str] = Counter()
        if not records:
            return counts
        now = utc_now()
        urls = [r["url"] for r in records]
        self._seen.update(urls)
        old_rows, held_rows = self._existing(urls), self._held(urls)
        writes: list[dict[str, Any]] = []
        seen: list[dict[str, Any]] = []
        revisions: list[dict[str, Any]] = []
        holds: list[dict[str, Any]] = []
        released: list[str] = []
        for rec in records:
            rec = {**rec, "content_hash": content_hash(rec), "last_seen": now, "removed_at": None, "moved_to": None}
            url, old = rec["url"], old_rows.get(rec["url"])
            if old is None:
                counts["new"] += 1
                self._is_twin(rec)
                if moved_from := self._renamed_from(rec):
                    # the same post under a new slug: the old row is kept, marked moved
                    rec["aliases"] = sorted({*(rec.get("aliases") or []), *moved_from})
                    counts["moved"] += self._mark_moved(moved_from, url, now)
                writes.append({**rec, "first_seen": now})
                continue
            # an alias once seen stays an alias: old links keep working
            rec["aliases"] = sorted(set(json.loads(old.get("aliases") or "[]")) | set(rec.get("aliases") or []))
            for name in _KEPT_WHEN_SILENT:
                if rec.get(name) is None:
                    rec[name] = old.get(name)
            counts["restored"] += bool(old.get("removed_at"))
            held = held_rows.get(url)
            if not rec.get("body_text") and old.get("body_text"):
                counts["kept"] += 1
                seen.append(_with_old_validators(rec, old))
                continue
            if old["content_hash"] == rec["content_hash"]:
                counts["unchanged"] += 1
                seen.append(rec)
                if held is not None:  # the site is back to the archived version
                    released.append(url)
                continue
            counts += _drift(old, rec)
            twin = self._is_twin(rec)
            # a held change seen again by a later crawl is the site's real content now,
            # unless this crawl too serves it for other posts (a maintenance page)
            confirmed = held is not None and held["content_hash"] == rec["content_hash"]
            confirmed = confirmed and held is not None and held["session"] != self.session and not twin
            reasons = [] if confirmed else suspicions(old, rec, twin)
            if reasons:
                counts["held"] += 1
                holds.append(self._hold_row(rec, reasons, now, held))
                # the archived version's validators: tomorrow's request must not get a 304
                # for a page whose content the archive does not hold
                seen.append(_with_old_validators(rec, old))
                continue
            counts["updated"] += 1
            counts["confirmed"] += confirmed
            if held is not None:
                released.append(url)
            revisions.append(_revision(old, rec, now))
            writes.append({**rec, "first_seen": old["first_seen"]})
        if revisions:
            self.db.table("revisions").insert_all(revisions)
        if writes:
            # every column given: a full record replaces the row, it never leaves a column to chance
            self.db.table("posts").upsert_all([{c: row.get(c) for c in POSTS_SCHEMA} for row in writes], pk="url")
        self._mark_seen(seen)
        if holds:
            self.db.table("held").upsert_all(holds, pk="url")
        if released:
            self.db.execute(f"delete from held where url in ({','.join('?' * len(released))})", released)
        assets = [
            {
                "url": a["url"],
                "path": a["path"],
                "checksum": a.get("checksum"),
                "post_url": rec["url"],
                "stored_at": now,
            }
            for rec in records
            for a in rec.get("assets") or []
        ]
        if assets:
            self.db.table("assets").upsert_all(assets, pk="url")
        return counts

    def _renamed_from(self, rec: dict[str, Any]) -> list[str]:
        """Live posts of the same blog with exactly this content that this crawl has not
        seen: the post moved to a new URL (a slug renamed, a permalink scheme changed)."""
        sql = (
            "select url from posts where content_hash = ? and url != ? and site is ?"
            " and (removed_at is null or removed_at = '')"
        )
        rows = self.db.query(sql, [rec["content_hash"], rec["url"], rec.get("site")])
        return [row["url"] for row in rows if row["url"] not in self._seen]

    def _mark_moved(self, urls: list[str], target: str, now: str) -> int:
        moved = 0
        for url in urls:
            cursor = self.db.execute(
                "update posts set removed_at = ?, moved_to = ? where url = ?"
                " and (removed_at is null or removed_at = '')",
                [now, target, url],
            )
            moved += cursor.rowcount
        return moved

    def _held(self, urls: list[str]) -> dict[str, dict[str, Any]]:
        marks = ",".join("?" * len(urls))
        return {row["url"]: row for row in self.db.query(f"select * from held where url in ({marks})", urls)}

    def _is_twin(self, rec: dict[str, Any]) -> bool:
        """True when another post got the same new body in this session or is held with it
        (a page the site serves for every post: maintenance, login, error)."""
        body = rec.get("body_text") or ""
        if len(body) < _TWIN_MIN_CHARS:
            return False
        key = _body_hash(rec)
        first = self._new_bodies.setdefault(key, rec["url"])
        if first != rec["url"]:
            return True
        sql = "select 1 from held where body_hash = ? and url != ? limit 1"
        return self.db.execute(sql, [key, rec["url"]]).fetchone() is not None

    def _hold_row(
        self, rec: dict[str, Any], reasons: list[str], now: str, held: dict[str, Any] | None
    ) -> dict[str, Any]:
        same = held is not None and held["content_hash"] == rec["content_hash"]
        return {
            "url": rec["url"],
            "held_at": held["held_at"] if same and held else now,
            "session": self.session,
            "reasons": json.dumps(reasons),
            "content_hash": rec["content_hash"],
            "body_hash": _body_hash(rec),
            "record": json.dumps({c: rec.get(c) for c in POSTS_SCHEMA}, ensure_ascii=False),
        }

    def _mark_seen(self, records: list[dict[str, Any]]) -> None:
        """Posts seen again with their content unchanged (or held, or kept): SEEN_COLUMNS only."""
        if not records:
            return
        assignments = ", ".join(f"{c} = ?" for c in SEEN_COLUMNS)
        rows = [[jsonify_if_needed(rec.get(c)) for c in SEEN_COLUMNS] + [rec["url"]] for rec in records]
        self.db.conn.executemany(f"update posts set {assignments} where url = ?", rows)

    def held_changes(self) -> list[dict[str, Any]]:
        """Changes held back, oldest first: url, held_at, reasons (decoded), record."""
        rows = list(self.db.query("select * from held order by held_at, url"))
        for row in rows:
            row["reasons"] = json.loads(row["reasons"] or "[]")
        return rows

    def accept(self, urls: Iterable[str] | None = None) -> int:
        """Apply held changes (those of *urls*, or all): the archived version goes to
        revisions, the held one becomes current.  Returns how many were applied."""
        wanted = None if urls is None else set(urls)
        now, applied = utc_now(), 0
        with self.db.atomic():
            for held in self.held_changes():
                if wanted is not None and held["url"] not in wanted:
                    continue
                old = next(self.db.query("select * from posts where url = ?", [held["url"]]), None)
                rec = json.loads(held["record"])
                if old is not None:
                    self.db.table("revisions").insert(_revision(old, rec, now))
                    rec = {**rec, "first_seen": old["first_seen"], "last_seen": old["last_seen"]}
                    self.db.table("posts").upsert({c: rec.get(c) for c in POSTS_SCHEMA}, pk="url")
                    applied += 1
                self.db.execute("delete from held where url = ?", [held["url"]])
        return applied

    def _touch(self, urls: list[str]) -> Counter[str]:
        """Posts that answered 304: seen again, unchanged (a change held for them is gone from the site)."""
        now = utc_now()
        self._seen.update(urls)
        for url in urls:
            self.db.execute("update posts set last_seen = ? where url = ?", [now, url])
            self.db.execute("delete from held where url = ?", [url])
        return Counter(unchanged=len(urls))

    def _mark_removed(self, urls: list[str]) -> Counter[str]:
        """Posts that answered 404/410: marked removed once, never deleted."""
        now, removed = utc_now(), 0
        for url in urls:
            cursor = self.db.execute(
                "update posts set removed_at = ? where url = ? and (removed_at is null or removed_at = '')", [now, url]
            )
            removed += cursor.rowcount
        return Counter(removed=removed)

    def add_aliases(self, redirects: dict[str, str]) -> Counter[str]:
        """Record redirected URLs (old → new) as aliases of the posts they lead to.

        Chains (a → b → c) resolve to their end.  A post archived at an old URL that
        now redirects to another post is that post: it is marked moved (moved_to, and
        removed, so that it is exported once), never deleted.  Counts aliases_added, moved.
        """
        counts: Counter[str] = Counter()
        now = utc_now()
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
                    self.db.table("posts").update(target, {"aliases": sorted(aliases)})
                    counts["aliases_added"] += 1
                counts["moved"] += self._mark_moved([old], target, now)
        return +counts

    def cross_check(self, extra: dict[str, list[Claim]]) -> int:
        """Add date claims gathered elsewhere in the crawl (other posts' widgets, sitemaps).

        Recomputes each post's chosen date and conflicts; a post that had no date
        takes the best claim.  Returns how many posts now have conflicting claims.
        """
        # imported here: reading an archive (export, status) need not load htmldate
        from blogarchive.evidence import choose, conflicts, from_json, to_json

        with self.db.atomic():
            for url, more in extra.items():
                row = next(self.db.query("select * from posts where url = ?", [url]), None)
                if row is None:
                    continue
                claims = list(dict.fromkeys(from_json(json.loads(row["date_evidence"] or "[]")) + more))
                chosen = choose(claims, "published")
                update: dict[str, Any] = {"date_evidence": to_json(claims), "date_conflicts": conflicts(claims, chosen)}
                if not row["published"] and chosen is not None:
                    update |= {"published": chosen.value, "date_source": chosen.source, "published_raw": chosen.raw}
                    update["content_hash"] = content_hash({**row, **update, **_decoded(row)})
                self.db.table("posts").update(url, update)
        sql = "select count(*) from posts where date_conflicts is not null and date_conflicts not in ('', '[]')"
        return self.db.execute(sql).fetchone()[0]

    def record_sitemap_lastmods(self, lastmods: dict[str, str], since: str) -> int:
        """Store the sitemap's lastmod of each post seen (fetched or answered 304) since *since*:
        a later crawl skips the post while its lastmod stays the same.  A post not seen is
        left alone, so that a change the sitemap announces is still fetched next time."""
        rows = [(lastmod, url, since) for url, lastmod in lastmods.items()]
        with self.db.atomic():
            cursor = self.db.conn.executemany(
                # only changed values: an update also rewrites the post's full-text index row
                "update posts set sitemap_lastmod = ?1 where url = ?2 and last_seen >= ?3 and removed_at is null"
                " and sitemap_lastmod is not ?1 and url not in (select url from held)",
                rows,
            )
        return cursor.rowcount

    def known_assets(self) -> dict[str, dict[str, Any]]:
        return {row["url"]: {"path": row["path"], "checksum": row["checksum"]} for row in self.db.table("assets").rows}

    @staticmethod
    def _template_rows(site: str | None) -> tuple[str, list[str], str]:
        """Each site's template rows carry 'SITE/' before the key (none for a one-blog archive)."""
        if site:
            prefix = f"{site}/"
            return "substr(key, 1, length(?)) = ?", [prefix, prefix], prefix
        return "instr(key, '/') = 0", [], ""

    def load_template(self, site: str | None = None) -> TemplateLearner:
        """The template of *site* (None: the archive's one blog) learned by earlier crawls."""
        where, args, prefix = self._template_rows(site)
        rows = self.db.query(f"select key, count from template where {where}", args)
        counts = Counter({row["key"].removeprefix(prefix): row["count"] for row in rows})
        pages = counts.pop(_PAGES_KEY, 0)
        return TemplateLearner(pages, counts)

    def save_template(self, learner: TemplateLearner, site: str | None = None) -> None:
        pages, counts = learner.state()
        where, args, prefix = self._template_rows(site)
        with self.db.atomic():
            self.db.execute(f"delete from template where {where}", args)
            rows = [{"key": prefix + k, "count": v} for k, v in counts.items()]
            self.db.table("template").insert_all([*rows, {"key": prefix + _PAGES_KEY, "count": pages}])

    def record_captures(self, rows: list[dict[str, Any]]) -> None:
        """Index WARC records (blogarchive.captures.Capture rows)."""
        if rows:
            with self.db.atomic():
                self.db.table("captures").insert_all(rows)

    def last_captures(self) -> dict[str, tuple[str, str]]:
        """URL → (payload digest, date) of its latest full 200 capture: a body unchanged since
        is written as a revisit."""
        sql = ("select url, digest, date from captures where id in"
               " (select max(id) from captures where kind = 'response' and status = 200 group by url)")  # fmt: skip
        if "captures" not in self.db.table_names():
            return {}
        return {row["url"]: (row["digest"], row["date"]) for row in self.db.query(sql)}

    def capture_index(self) -> dict[str, dict[str, Any]]:
        """URL → its latest record with a body (a revisit's body is its original's)."""
        sql = "select * from captures where id in (select max(id) from captures where kind = 'response' group by url)"
        if "captures" not in self.db.table_names():
            return {}
        return {row["url"]: row for row in self.db.query(sql)}

    def all_captures(self) -> list[dict[str, Any]]:
        if "captures" not in self.db.table_names():
            return []
        return list(self.db.query("select * from captures order by id"))

    def versions(self) -> list[tuple[str, str]]:
        """(fetched URL, fetched_at) of every post's current and earlier versions."""
        current = [(r["fetched_url"] or r["url"], r["fetched_at"]) for r in self.db.query(
            "select url, fetched_url, fetched_at from posts")]  # fmt: skip
        earlier = []
        for row in self.db.query("select url, record from revisions"):
            record = json.loads(row["record"] or "{}")
            earlier.append((record.get("fetched_url") or row["url"], record.get("fetched_at") or ""))
        return current + earlier

    def prune_captures(self, kept: set[int], moved: dict[int, tuple[str, int]]) -> int:
        """Forget the records not kept; point the moved ones at their new file and offset."""
        with self.db.atomic():
            ids = [c["id"] for c in self.all_captures()]
            dropped = [i for i in ids if i not in kept]
            for start in range(0, len(dropped), 500):
                chunk = dropped[start : start + 500]
                self.db.execute(f"delete from captures where id in ({','.join('?' * len(chunk))})", chunk)
            for capture_id, (file, offset) in moved.items():
                self.db.execute("update captures set file = ?, offset = ? where id = ?", [file, offset, capture_id])
        return len(dropped)

    def capture_files(self) -> list[str]:
        if "captures" not in self.db.table_names():
            return []
        return [row["file"] for row in self.db.query("select distinct file from captures order by file")]

    def start_run(self, start_url: str, site: str | None, started: str) -> int:
        """A run's row while it runs: one that stays 'running' died (SIGKILL, power cut)."""
        row = {"started": started, "start_url": start_url, "status": "running", "complete": 0, "site": site}
        return int(self.db.table("runs").insert(row).last_pk or 0)

    def previous_run(self, start_url: str, before: int | None = None) -> dict[str, Any] | None:
        """The latest run of the blog at *start_url* (before run *before*, when given)."""
        sql = "select * from runs where start_url = ? and (? is null or id < ?) order by id desc limit 1"
        return next(self.db.query(sql, [start_url, before, before]), None)

    def record_run(self, run: dict[str, Any], run_id: int | None = None) -> int:
        """Store one crawl run's summary (in the row start_run made, when given); return its id."""
        if run_id is not None:
            self.db.table("runs").update(run_id, run)
            return run_id
        return int(self.db.table("runs").insert(run, alter=True).last_pk or 0)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def schema_version(db: Database) -> int:
    """The migrations applied to the archive (SQLite's user_version; 0 before versioning)."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: Database) -> int:
    """Apply the migrations the archive lacks, each once and in order (the writer does, when a
    crawl opens it); return how many were applied."""
    done = schema_version(db)
    if done > len(MIGRATIONS):
        raise ArchiveError(f"the archive was made by a newer blogarchive (schema {done}): upgrade blogarchive")
    for version, step in enumerate(MIGRATIONS[done:], start=done + 1):
        step(db)
        db.execute(f"PRAGMA user_version = {version}")
    # the columns PostItem declares today (a no-op when all are there): a field added to the
    # item reaches every archive even before its own step is written
    for table, schema in (("posts", POSTS_SCHEMA), ("runs", RUNS_SCHEMA)):
        db.table(table).add_missing_columns([{name: typ() for name, typ in schema.items()}])
    return max(0, len(MIGRATIONS) - done)


def _schema_1(db: Database) -> None:
    """The archive as of schema 1: every table, index and the full-text index.  Idempotent, so
    that archives made before versioning (user_version 0, any older column set) are grown to it."""
    db.enable_wal()  # readers (export, status) never block a nightly crawl
    posts = db.table("posts")
    posts.create(POSTS_SCHEMA, pk="url", if_not_exists=True)
    # archives made by earlier versions gain the newer columns
    posts.add_missing_columns([{name: typ() for name, typ in POSTS_SCHEMA.items()}])
    db.table("revisions").create(
        {"id": int, "url": str, "replaced_at": str, "changed": str, "record": str},
        pk="id",
        if_not_exists=True,
    )
    db.table("revisions").create_index(["url"], if_not_exists=True)
    # a new URL whose content an archived post has: a renamed slug (see _renamed_from)
    posts.create_index(["content_hash"], if_not_exists=True)
    db.table("runs").create(RUNS_SCHEMA, pk="id", if_not_exists=True)
    db.table("runs").add_missing_columns([{name: typ() for name, typ in RUNS_SCHEMA.items()}])
    db.table("template").create({"key": str, "count": int}, pk="key", if_not_exists=True)
    # changes held back until a later crawl confirms them (or `blogarchive accept`)
    db.table("held").create(HELD_SCHEMA, pk="url", if_not_exists=True)
    # downloaded images and PDFs: original URL → content-addressed path under the assets folder
    db.table("assets").create(
        {"url": str, "path": str, "checksum": str, "post_url": str, "stored_at": str}, pk="url", if_not_exists=True
    )
    # a no-op when the index and its triggers already exist
    posts.enable_fts(FTS_COLUMNS, create_triggers=True, replace=True)


# Each step takes the archive from the version before it to its own (its index + 1); a new
# column or table is a new step at the end, never an edit of an old one.
def _schema_2(db: Database) -> None:
    """Schema 2: the index of the WARC captures (blogarchive.captures): every record's place."""
    captures = db.table("captures")
    captures.create(
        {"id": int, "url": str, "file": str, "offset": int, "length": int, "kind": str, "status": int,
         "digest": str, "date": str, "refers_to": str},
        pk="id",
        if_not_exists=True,
    )  # fmt: skip
    captures.create_index(["url"], if_not_exists=True)


MIGRATIONS: tuple[Callable[[Database], None], ...] = (_schema_1, _schema_2)


def suspicions(old: dict[str, Any], new: dict[str, Any], twin: bool) -> list[str]:
    """Why a change to an archived post looks like the site failing rather than an edit
    (empty: it looks like an edit)."""
    reasons = []
    if old.get("title") and not new.get("title"):
        reasons.append("lost its title")
    if old.get("published") and not new.get("published"):
        reasons.append("lost its date")
    old_body, new_body = old.get("body_text") or "", new.get("body_text") or ""
    # a few lines rewritten are an edit whatever their share: only a real body is judged
    judged = len(old_body) >= _JUDGED_MIN_CHARS
    if judged and len(new_body) < SHORTER_BODY * len(old_body):
        reasons.append("body less than half its last version")
    elif judged and _shared_pairs(old_body, new_body) < REWRITTEN_BODY:
        reasons.append("body rewritten wholesale")
    if twin:
        reasons.append("same body as another post tonight")
    return reasons


def _shared_pairs(old: str, new: str) -> float:
    """The share of the new body's distinct word pairs that the old body has: an edit keeps
    most, another text keeps few (single words are shared by any two English texts)."""

    def pairs(text: str) -> set[tuple[str, str]]:
        words = _WORD.findall(text.lower())
        return set(itertools.pairwise(words))

    new_pairs = pairs(new)
    return len(pairs(old) & new_pairs) / len(new_pairs) if new_pairs else 1.0


def _with_old_validators(rec: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    """*rec* seen with the archived version's validators and sitemap lastmod: the next crawl
    must fetch the page again (no 304, no sitemap skip) while the archive lacks its content."""
    keep = ("etag", "http_last_modified", "sitemap_lastmod")
    return {**rec, **{name: old.get(name) for name in keep}}


def _body_hash(rec: dict[str, Any]) -> str:
    return hashlib.sha256((rec.get("body_text") or "").encode()).hexdigest()


def _revision(old: dict[str, Any], new: dict[str, Any], now: str) -> dict[str, Any]:
    """The revisions row that keeps *old*, replaced by *new*."""
    changed = [f for f in CONTENT_FIELDS if jsonify_if_needed(new.get(f)) != old.get(f)]
    return {"url": old["url"], "replaced_at": now, "changed": json.dumps(changed),
            "record": json.dumps(old, ensure_ascii=False)}  # fmt: skip


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row's JSON list fields as lists (content_hash hashes them as such)."""
    empty: dict[str, Any] = {"field_sources": {}}
    return {f: json.loads(row[f]) if row.get(f) else empty.get(f, []) for f in JSON_FIELDS if f in row}


def _drift(old: dict[str, Any], new: dict[str, Any]) -> Counter[str]:
    """Signs that extraction degraded on a post that changed."""
    signs: Counter[str] = Counter()
    signs["lost_title"] += bool(old.get("title")) and not new.get("title")
    signs["lost_date"] += bool(old.get("published")) and not new.get("published")
    old_len, new_len = len(old.get("body_text") or ""), len(new.get("body_text") or "")
    signs["shorter_body"] += old_len > 0 and new_len < SHORTER_BODY * old_len
    signs["body_changed"] += (old.get("body_text") or "") != (new.get("body_text") or "")
    return +signs
