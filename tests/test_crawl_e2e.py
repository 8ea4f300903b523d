"""End to end: `blogarchive crawl` and `export` against the demo blog served on 127.0.0.1."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from blogarchive.demo.server import serve
from blogarchive.demo.site import DemoPost, Page
from blogarchive.storage import JSON_FIELDS
from tests.helpers import ROOT, archived_posts, run_cli

NAV_AND_FOOTER = [
    "Book an appointment", "Lantern Way", "All rights reserved", "Stay in touch", "Recent Posts", "Ready to talk?",
]  # fmt: skip


@pytest.fixture(scope="module")
def crawled(base_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    db = tmp_path_factory.mktemp("crawl") / "blog.db"
    result = run_cli("crawl", f"{base_url}/blog", "--db", str(db))
    return db, result


_rows = archived_posts


def test_every_post_found_once_with_exact_fields(crawled, base_url: str, posts: list[DemoPost]) -> None:
    db, result = crawled
    assert result.returncode == 0, result.stderr
    assert "posts found 45: new 45, updated 0, unchanged 0" in result.stderr
    rows = {row["url"]: row for row in _rows(db)}
    assert sorted(rows) == sorted(base_url + p.path for p in posts)
    for post in posts:
        row = rows[base_url + post.path]
        assert (row["title"], row["published"], row["excerpt"]) == (post.title, post.date.isoformat(), post.excerpt)
        assert row["published_raw"] == post.date_text and row["date_source"] == "listing"
        assert row["author"] == post.author and row["tags"] == list(post.tags)
        # no other post's date among its own claims: the widget goes whole, before the template
        # (which would take the entries every page shares and leave a stub that reads as a date)
        own = {c["date"] for c in row["date_conflicts"]}
        assert own <= {post.date.isoformat()}, (post.slug, row["date_conflicts"])


def test_bodies_hold_the_article_and_nothing_else(crawled, base_url: str, posts: list[DemoPost]) -> None:
    rows = {row["url"]: row for row in _rows(crawled[0])}
    for post in posts:
        body = rows[base_url + post.path]["body_text"]
        assert post.paragraphs[0] in body and post.paragraphs[-1] in body
        for chrome in NAV_AND_FOOTER:
            assert chrome not in body
        for other in posts:
            if other is not post:
                assert other.excerpt not in body and other.date_text not in body


def test_second_crawl_adds_no_duplicates(crawled, base_url: str) -> None:
    db, _ = crawled
    # nightly: the first index page's 10 posts answer 304 (and the index page and robots.txt),
    # then the walk stops early
    nightly = run_cli("crawl", f"{base_url}/blog", "--db", str(db))
    assert nightly.returncode == 0, nightly.stderr
    assert "posts found 10: new 0, updated 0, unchanged 10" in nightly.stderr
    assert "(12 not modified" in nightly.stderr, nightly.stderr
    assert "35 known posts not revisited" in nightly.stderr
    # weekly: every post fetched again in full
    full = run_cli("crawl", f"{base_url}/blog", "--db", str(db), "--full")
    assert full.returncode == 0, full.stderr
    assert "posts found 45: new 0, updated 0, unchanged 45" in full.stderr
    assert "(0 not modified" in full.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*), count(distinct url) from posts").fetchone() == (45, 45)
        assert conn.execute("select count(*) from revisions").fetchone() == (0,)
        assert conn.execute("select count(*) from runs where status = 'ok'").fetchone()[0] >= 2


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_exports_parse_back_to_the_archive(crawled, fmt: str, tmp_path: Path) -> None:
    db, _ = crawled
    out = tmp_path / f"posts.{fmt}"
    result = run_cli("export", "--db", str(db), "--format", fmt, "--output", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    if fmt == "jsonl":
        exported = [json.loads(line) for line in text.splitlines()]
    elif fmt == "json":
        exported = json.loads(text)
    else:
        exported = list(csv.DictReader(text.splitlines(keepends=True)))
        for row in exported:
            for key in JSON_FIELDS:
                row[key] = json.loads(row[key])
            for key, value in row.items():
                row[key] = value if value != "" else None  # CSV writes None as an empty cell
    archived = _rows(db)
    assert len(exported) == len(archived) == 45
    for got, want in zip(exported, archived, strict=True):
        for key in (
            "url",
            "title",
            "published",
            "modified",
            "author",
            "excerpt",
            "body_text",
            "body_html",
            "tags",
            "first_seen",
        ):
            assert got[key] == want[key], key


def test_export_to_stdout(crawled) -> None:
    result = run_cli("export", "--db", str(crawled[0]), "--format", "jsonl")
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 45


def test_failed_pages_give_exit_status_1_and_the_rest_is_archived(
    site: dict[str, Page], posts: list[DemoPost], tmp_path: Path
) -> None:
    broken = {path: page for path, page in site.items() if path != posts[5].path}
    with serve(broken) as url:
        result = run_cli("crawl", f"{url}/blog", "--db", str(tmp_path / "b.db"))
    assert result.returncode == 1
    assert "posts found 44" in result.stderr and "errors 1" in result.stderr
    assert len(_rows(tmp_path / "b.db")) == 44


@pytest.mark.parametrize("spider", ["clinic", "blog"])
def test_scrapy_crawl_from_the_checkout(spider: str, base_url: str, tmp_path: Path) -> None:
    scrapy = shutil.which("scrapy", path=str(Path(sys.executable).parent))
    assert scrapy, "scrapy is installed with the project"
    db = tmp_path / "s.db"
    result = subprocess.run(
        [
            scrapy,
            "crawl",
            "clinic",
            "-a",
            f"start_url={base_url}/blog",
            "-s",
            f"BLOGARCHIVE_DB={db}",
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert len(_rows(db)) == 45
