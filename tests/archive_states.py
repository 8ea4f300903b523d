"""What the stateful archive test drives: a blog that changes between crawls, the crawls
themselves, and what the archive must then hold.

The blog is the bundled demo blog (a clinic-style site: cards on a paginated index,
article pages with no date of their own and a recent-posts widget), served on
127.0.0.1 by the project's fixture server.  It is an imitation of such a site, written
for the tests; its second template adds JSON-LD dates and other class names, so that
a night can switch the site's markup.  The expected archive is derived from what the
server actually answered during each crawl (its request log), never from what the
crawler is believed to do.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from blogarchive.demo.site import DemoPost, Page, build_site, load_posts
from blogarchive.lock import LockedError, archive_lock
from tests.helpers import ROOT, processes_left

WIDGET = 3
MAINTENANCE = Page(
    b"<!DOCTYPE html><html><head><title>Down for maintenance</title></head><body><main>"
    b"<h1>We will be right back</h1><p>Our website is undergoing scheduled maintenance tonight. "
    b"Please check back in a few hours; for urgent matters call the front desk.</p></main></body></html>"
)
NOT_FOUND = Page(b"<html><body><h1>Not found</h1></body></html>", status=404)
UNAVAILABLE = Page(b"<html><body><h1>Service unavailable</h1></body></html>", status=503)


@dataclass(frozen=True)
class Snapshot:
    """A post as the archive should hold it: at which path, with what content."""

    path: str
    title: str
    published: str
    excerpt: str
    paragraphs: tuple[str, ...]
    removed: bool = False


class Blog(Mapping[str, Page]):
    """The served site: posts that come and go, renamed slugs, validators on or off, a
    night's mode (normal, maintenance: every page a maintenance page, down: every page
    404), posts answering 503, and one of two templates."""

    def __init__(self, posts: list[DemoPost]) -> None:
        self.log: list[tuple[str, str, int]] = []  # (method, target, status), as the server answered
        self.reset(posts)

    def reset(self, posts: list[DemoPost]) -> None:
        """A new blog of *posts*, on the same server (whose log list stays the same object)."""
        self.posts = sorted(posts, key=lambda p: p.date, reverse=True)
        self.deleted: dict[str, DemoPost] = {}  # slug → the post as it was
        self.renamed: dict[str, str] = {}  # original slug → current path
        self.validators = True
        self.night = "normal"
        self.failing: set[str] = set()  # paths answering 503 tonight
        self.template = 0
        self.delay = 0.0  # seconds per answer (crawls that must be stopped mid-way)
        self.log.clear()
        self._pages: dict[str, Page] = {}
        self.rebuild()

    # --- what the server answers ---------------------------------------------

    def path_of(self, post: DemoPost) -> str:
        return self.renamed.get(post.slug, post.path)

    def rebuild(self) -> None:
        pages = build_site(self.posts, WIDGET)
        for post in self.posts:
            if post.slug in self.renamed:
                new = self.renamed[post.slug]
                pages[new] = pages.pop(post.path)
                pages[post.path] = Page(status=301, location=new)
        for old_slug, new in self.renamed.items():
            pages = {k: _relinked(v, f"/{old_slug}", new) for k, v in pages.items()}
        if self.template == 1:
            pages = {k: _second_template(k, v, self.posts, self) for k, v in pages.items()}
        self._pages = pages

    # The fixture server asks `target in blog`, then `blog[target]` (or `blog.get(path)`
    # for a target with a query), and logs each answer's final status (304 included).
    def __contains__(self, target: object) -> bool:
        if not isinstance(target, str):
            return False
        return self.night != "normal" or target in self._pages or target.partition("?")[0] in self.failing

    def __getitem__(self, target: str) -> Page:
        if self.delay:
            time.sleep(self.delay)
        if self.night == "maintenance":
            page = MAINTENANCE
        elif self.night == "down":
            page = NOT_FOUND
        elif target.partition("?")[0] in self.failing:
            page = UNAVAILABLE
        else:
            page = self._pages[target]
        return page if self.validators else dataclasses.replace(page, validators=False)

    def get(self, target: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[target] if target in self else default

    def __iter__(self) -> Iterator[str]:
        return iter(self._pages)

    def __len__(self) -> int:
        return len(self._pages)

    # --- what the archive should hold -----------------------------------------

    def snapshot(self, post: DemoPost) -> Snapshot:
        return Snapshot(self.path_of(post), post.title, post.date.isoformat(), post.excerpt, post.paragraphs)

    def answered(self) -> dict[str, set[int]]:
        """Path → statuses answered since the log was last cleared."""
        out: dict[str, set[int]] = {}
        for _, target, status in list(self.log):
            out.setdefault(target.partition("?")[0], set()).add(status)
        return out


def _relinked(page: Page, old: str, new: str) -> Page:
    if not page.body:
        return page
    body = page.body.replace(f'href="{old}"'.encode(), f'href="{new}"'.encode())
    return dataclasses.replace(page, body=body)


def _second_template(path: str, page: Page, posts: list[DemoPost], blog: Blog) -> Page:
    """The same site after a redesign: other class names, and post pages that state
    their date in JSON-LD (as most blog platforms do)."""
    if not page.body or not page.content_type.startswith("text/html"):
        return page
    body = page.body
    for old, new in ((b"blog-card", b"entry-card"), (b"post-body", b"entry-content"), (b"module", b"sidebar-box")):
        body = body.replace(old, new)
    post = next((p for p in posts if blog.path_of(p) == path), None)
    if post is not None:
        data = {"@context": "https://schema.org", "@type": "BlogPosting", "headline": post.title,
                "datePublished": post.date.isoformat()}  # fmt: skip
        script = f'<script type="application/ld+json">{json.dumps(data)}</script></head>'
        body = body.replace(b"</head>", script.encode(), 1)
    return dataclasses.replace(page, body=body)


def new_post(n: int, day: date) -> DemoPost:
    base = load_posts(limit=1)[0]
    excerpt = f"Fresh notes number {n}: small habits that make evenings calmer for the whole family."
    return DemoPost(
        slug=f"fresh-notes-{n}",
        title=f"Fresh Notes Number {n}",
        date=day,
        excerpt=excerpt,
        topic="evening routines",
        paragraphs=(excerpt, f"Post {n} goes on about lamps, tea and reading aloud.", *base.paragraphs[2:]),
    )


def edited(post: DemoPost, n: int, what: str) -> DemoPost:
    if what == "title":
        return dataclasses.replace(post, title=f"{post.title} (Revised {n})")
    if what == "excerpt":
        excerpt = f"Revised summary {n}: {post.excerpt}"
        return dataclasses.replace(post, excerpt=excerpt, paragraphs=(excerpt, *post.paragraphs[1:]))
    return dataclasses.replace(post, paragraphs=(*post.paragraphs, f"Update {n}: a note on hydrangeas added."))


def newest_day(posts: list[DemoPost], deleted: Mapping[str, DemoPost]) -> date:
    return max(p.date for p in [*posts, *deleted.values()]) + timedelta(days=7)


# --- crawls ---------------------------------------------------------------------


class CrawlWorker:
    """One `python -m tests.crawlworker` process for many crawls."""

    def __init__(self, stderr: Path) -> None:
        self._err = stderr.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.crawlworker"], cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err,
        )  # fmt: skip

    def crawl(self, **job: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the crawl worker died"
        summary = json.loads(line)
        assert "error" not in summary, summary["error"]
        return summary

    def close(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe:
                pipe.close()
        self.proc.wait(timeout=30)
        self._err.close()


def stopped_crawl(url: str, db: Path, blog: Blog, how: int, after: int) -> int:
    """A real `blogarchive crawl` process sent *how* (SIGTERM, SIGKILL) once the server has
    answered *after* requests; returns its exit status.  Asserts that no process of it is
    left behind."""
    blog.delay = 0.02
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "blogarchive", "crawl", url, "--db", str(db), "--quiet",
             "-s", "BLOGARCHIVE_BATCH_SIZE=2", "-s", "BLOGARCHIVE_POOL_AFTER=0", "-s", "BLOGARCHIVE_WORKERS=1"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(blog.log) < after and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        if proc.poll() is None:
            os.kill(proc.pid, how)
        status = proc.wait(timeout=60)
    finally:
        blog.delay = 0.0
    left = processes_left(proc.pid, timeout=10)
    assert left == [], f"processes left behind by the stopped crawl: {left}"
    return status


def lock_is_free(db: Path) -> bool:
    try:
        with archive_lock(db):
            return True
    except LockedError:
        return False


# --- the archive ------------------------------------------------------------------


@dataclass
class Archived:
    """What the archive holds, read with plain SQL."""

    rows: dict[str, dict[str, Any]]
    revisions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    held: set[str] = field(default_factory=set)
    runs: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def read(cls, db: Path, origin: str) -> Archived:
        if not db.exists():
            return cls({})
        with sqlite3.connect(db) as conn:
            conn.row_factory = sqlite3.Row
            rows = {r["url"].removeprefix(origin): dict(r) for r in conn.execute("select * from posts")}
            revisions: dict[str, list[dict[str, Any]]] = {}
            for r in conn.execute("select url, record from revisions order by id"):
                revisions.setdefault(r["url"].removeprefix(origin), []).append(json.loads(r["record"]))
            tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
            held_rows = conn.execute("select url from held").fetchall() if "held" in tables else []
            held = {r[0].removeprefix(origin) for r in held_rows}
            runs = [dict(r) for r in conn.execute("select * from runs order by id")] if "runs" in tables else []
        return cls(rows, revisions, held, runs)


def matches(row: dict[str, Any] | None, snap: Snapshot | None, others: list[str]) -> bool:
    """True when the archive's *row* holds *snap* (None: no live row), with no widget text
    of other posts (their excerpts) in its body."""
    live = row is not None and not row["removed_at"]
    if snap is None:
        return not live
    if row is None or bool(row["removed_at"]) != snap.removed:
        return False
    body = row["body_text"] or ""
    return (
        row["title"] == snap.title
        and (row["published"] or "")[:10] == snap.published
        and bool(row["excerpt"])
        and (row["excerpt_source"] != "listing" or row["excerpt"] == snap.excerpt)
        and all(_text(p) in body for p in snap.paragraphs if not p.startswith(("## ", "- ")))
        and not any(other in body for other in others)
    )


def in_history(archived: Archived, snap: Snapshot) -> bool:
    """True when *snap* is the current version at its path or one of its revisions."""
    versions = [archived.rows.get(snap.path), *archived.revisions.get(snap.path, [])]
    for version in versions:
        if version and version["title"] == snap.title and all(
            _text(p) in (version["body_text"] or "") for p in snap.paragraphs if not p.startswith(("## ", "- "))
        ):
            return True
    return False


def _text(paragraph: str) -> str:
    return paragraph.strip()
