"""Scoring a crawl of a corpus blog against its truth: URLs, every field, bodies, leaks."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from blogarchive.urls import canonical_url
from tests.corpus import FIELDS, Blog, Truth

_WORD = re.compile(r"\w+")
# Text of the generators' own chrome that must never reach a body (their footers, bylines, labels).
LEAKS = ("Proudly powered by", "Powered by", "Published:", "Last updated", "Read more", "read more", "tags:",
         "Category:", "Subscribe", "Leave a Reply", "Comments", "Posted by")  # fmt: skip


def token_f1(got: str, want: str) -> float:
    """F1 of the two texts' word multisets (case-insensitive): 1.0 when they hold the same words."""
    a, b = Counter(_WORD.findall(got.lower())), Counter(_WORD.findall(want.lower()))
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def _same_moment(got: str | None, want: datetime | None, with_time: bool) -> bool:
    """The same day (and, *with_time*, the same time and UTC offset) as the truth."""
    if want is None or got is None:
        return want is None and got is None
    if not with_time:
        return got[:10] == want.date().isoformat()
    try:
        moment = datetime.fromisoformat(got)
    except ValueError:
        return False
    return moment == want and moment.utcoffset() == want.utcoffset()


@dataclass
class Row:
    """One blog's scores; rates are over the posts found (None: the platform does not render it)."""

    name: str
    found: int = 0
    wanted: int = 0
    extra: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    duplicates: int = 0
    hits: dict[str, list[bool]] = field(default_factory=dict)
    f1: list[float] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)  # "field url: got … want …", for the test's message

    @property
    def recall(self) -> float:
        return (self.wanted - len(self.missing)) / self.wanted if self.wanted else 0.0

    @property
    def precision(self) -> float:
        return (self.found - len(self.extra)) / self.found if self.found else 0.0

    def rate(self, name: str) -> float | None:
        values = self.hits.get(name)
        return sum(values) / len(values) if values else None

    @property
    def body_f1(self) -> float:
        return sum(self.f1) / len(self.f1) if self.f1 else 0.0


def _rows(db: Path) -> dict[str, dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {row["url"]: dict(row) for row in conn.execute("select * from posts where removed_at is null")}


def score(blog: Blog, db: Path) -> Row:
    """Compare the archive *db* made by crawling *blog* with the blog's truth."""
    rows = _rows(db)
    by_canon = {canonical_url(url): row for url, row in rows.items()}
    truths = {canonical_url(t.url): t for t in blog.posts}
    row = Row(blog.name, found=len(rows), wanted=len(truths))
    row.extra = sorted(u for u in by_canon if u not in truths)
    row.missing = sorted(u for u in truths if u not in by_canon)
    row.duplicates = len(rows) - len(by_canon)
    for canon, truth in truths.items():
        if (got := by_canon.get(canon)) is not None:
            _score_post(row, blog, truth, got)
    return row


def _score_post(row: Row, blog: Blog, truth: Truth, got: dict[str, Any]) -> None:
    post, timed = truth.post, "time" in blog.renders
    checks: dict[str, tuple[Any, Any, bool]] = {
        "title": (got["title"], post.title, got["title"] == post.title),
        "published": (got["published"], post.published.date(), _same_moment(got["published"], post.published, False)),
        "time": (got["published"], post.published, _same_moment(got["published"], post.published, True)),
        "modified": (got["modified"], post.modified, _same_moment(got["modified"], post.modified, timed)),
        "excerpt": (got["excerpt"], post.excerpt, got["excerpt"] == post.excerpt),
        "author": (got["author"], post.author, got["author"] == post.author),
        "tags": (got["tags"], list(post.tags), sorted(json.loads(got["tags"] or "[]")) == sorted(post.tags)),
    }  # fmt: skip
    for name, (value, want, ok) in checks.items():
        if name not in blog.renders:
            continue
        row.hits.setdefault(name, []).append(ok)
        if not ok:
            row.misses.append(f"{name} {truth.url}: got {value!r}, want {want!r}")
    body = got["body_text"] or ""
    row.f1.append(token_f1(body, post.body_words))
    leaked = [text for text in LEAKS if text in body and text not in post.body_words]
    if leaked:
        row.leaks.append(f"{truth.url}: {leaked}")


HEADER = (f"{'blog':<28} {'posts':>5} {'recall':>6} {'prec.':>6} {'dups':>4} "
          + " ".join(f"{n[:8]:>8}" for n in FIELDS)
          + f" {'body F1':>7} {'leaks':>5}")  # fmt: skip


def line(row: Row) -> str:
    def rate(name: str) -> str:
        value = row.rate(name)
        return f"{value:>8.0%}" if value is not None else f"{'-':>8}"

    rates = " ".join(rate(n) for n in FIELDS)
    return (f"{row.name:<28} {row.found:>5} {row.recall:>6.0%} {row.precision:>6.0%} {row.duplicates:>4} {rates}"
            f" {row.body_f1:>7.3f} {len(row.leaks):>5}")  # fmt: skip
