"""An archive over time: a site crawled, changed, crawled again (the nightly run)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from blogarchive.demo.server import serve
from blogarchive.demo.site import DemoPost, Page, build_site, load_posts
from blogarchive.lock import archive_lock
from tests.helpers import run_cli

WIDGET = 3  # small, so that posts added below the top of the blog leave every widget as it was


def _new_post(n: int, day: date) -> DemoPost:
    return DemoPost(
        slug=f"fresh-notes-{n}",
        title=f"Fresh Notes Number {n}",
        date=day,
        excerpt=f"A brand new post, number {n}, about evening walks and slowing down.",
        topic="evening walks",
        paragraphs=(f"A brand new post, number {n}, about evening walks and slowing down.", "It has two paragraphs."),
    )


@pytest.fixture(scope="module")
def nightly(tmp_path_factory: pytest.TempPathFactory):
    """Crawl 8 posts; then add 2, edit 1, delete 1, make 1 answer 503; crawl again."""
    db = tmp_path_factory.mktemp("nightly") / "blog.db"
    posts = load_posts(limit=8)
    pages: dict[str, Page] = dict(build_site(posts, WIDGET))
    log: list[tuple[str, str, int]] = []
    edited, deleted, failing = posts[4], posts[5], posts[6]
    with serve(pages, log=log) as url:
        first = run_cli("crawl", f"{url}/blog", "--db", str(db))
        # below the top four posts, so that no widget changes
        added = [_new_post(1, date(2025, 12, 30)), _new_post(2, date(2025, 12, 29))]
        edit = dataclasses.replace(edited, paragraphs=(*edited.paragraphs, "Update: a note on hydrangeas added."))
        now = [edit if p is edited else p for p in posts if p is not deleted] + added
        now.sort(key=lambda p: p.date, reverse=True)
        pages.clear()
        pages.update(build_site(now, WIDGET))
        pages[failing.path] = Page(b"<h1>Service unavailable</h1>", status=503)
        log.clear()
        second = run_cli("crawl", f"{url}/blog", "--db", str(db))
    return {
        "db": db, "url": url, "first": first, "second": second, "log": list(log),
        "posts": posts, "added": added, "edited": edited, "deleted": deleted, "failing": failing,
    }  # fmt: skip


def _row(db: Path, url: str) -> dict:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return dict(conn.execute("select * from posts where url = ?", [url]).fetchone())


def test_second_crawl_counts(nightly) -> None:
    assert nightly["first"].returncode == 0, nightly["first"].stderr
    second = nightly["second"]
    assert second.returncode == 1  # the 503 page failed: cron must hear of it
    assert "new 2, updated 1, unchanged 5" in second.stderr, second.stderr
    assert "removed 1" in second.stderr and "errors 1" in second.stderr


def test_new_edited_removed_and_failing_posts(nightly) -> None:
    db, url = nightly["db"], nightly["url"]
    for post in nightly["added"]:
        assert _row(db, url + post.path)["title"] == post.title
    edited = _row(db, url + nightly["edited"].path)
    assert "hydrangeas" in edited["body_text"]
    with sqlite3.connect(db) as conn:
        (record, changed), *more = conn.execute(
            "select record, changed from revisions where url = ?", [url + nightly["edited"].path]
        ).fetchall()
    assert not more and "body_text" in json.loads(changed)
    assert "hydrangeas" not in json.loads(record)["body_text"]  # the old version, kept whole
    deleted = _row(db, url + nightly["deleted"].path)
    assert deleted["removed_at"] and deleted["body_text"]  # marked, never deleted
    failing = _row(db, url + nightly["failing"].path)
    assert not failing["removed_at"] and nightly["failing"].paragraphs[0] in failing["body_text"]


def test_exports_mark_the_removed_post(nightly) -> None:
    db, gone = nightly["db"], nightly["url"] + nightly["deleted"].path
    plain = [json.loads(line) for line in run_cli("export", "--db", str(db), "--format", "jsonl").stdout.splitlines()]
    assert gone not in {row["url"] for row in plain} and "removed" not in plain[0]
    every = run_cli("export", "--db", str(db), "--format", "jsonl", "--include-removed")
    rows = {row["url"]: row for row in map(json.loads, every.stdout.splitlines())}
    assert len(rows) == len(plain) + 1
    assert rows[gone]["removed"] is True and rows[gone]["removed_at"]
    assert all(row["removed"] is False and row["removed_at"] is None for url, row in rows.items() if url != gone)
    # the default export has no column that moves when nothing changed
    assert "last_seen" not in plain[0] and "first_seen" in plain[0]


def test_unchanged_pages_answered_304(nightly) -> None:
    answered = {path: status for _, path, status in nightly["log"]}
    touched = {nightly["edited"].path, nightly["deleted"].path, nightly["failing"].path}
    unchanged = [p.path for p in nightly["posts"] if p.path not in touched]
    assert len(unchanged) == 5
    for path in unchanged:
        assert answered[path] == 304, path
    assert answered[nightly["deleted"].path] == 404
    assert answered[nightly["edited"].path] == 200


def test_a_night_with_no_change_asks_for_every_page_conditionally(tmp_path: Path) -> None:
    """Index pages, robots.txt and posts alike: every page the site has not changed answers 304,
    and the walk still goes on from the index pages' stored cards."""
    db = tmp_path / "blog.db"
    log: list[tuple[str, str, int]] = []
    with serve(dict(build_site(load_posts(limit=8), WIDGET)), log=log) as url:
        assert run_cli("crawl", f"{url}/blog", "--db", str(db)).returncode == 0
        log.clear()
        again = run_cli("crawl", f"{url}/blog", "--db", str(db))
    assert again.returncode == 0, again.stderr
    assert "unchanged 8" in again.stderr, again.stderr
    served = {path: status for _, path, status in log if status != 404}  # no sitemap.xml: 404 both nights
    assert served and all(status == 304 for status in served.values()), served
    assert "/blog" in served and "/robots.txt" in served


def test_history_shows_the_versions_and_a_diff(nightly) -> None:
    result = run_cli("history", nightly["url"] + nightly["edited"].path, "--db", str(nightly["db"]))
    assert result.returncode == 0, result.stderr
    assert "2 version(s)" in result.stdout
    assert "changed: body_text" in result.stdout
    assert "+Update: a note on hydrangeas added." in result.stdout


def test_status_lists_the_runs(nightly) -> None:
    result = run_cli("status", "--db", str(nightly["db"]), "--json")
    runs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["status"] for r in runs] == ["errors", "ok"]
    assert (runs[0]["new"], runs[0]["updated"], runs[0]["removed"]) == (2, 1, 1)
    # the five unchanged posts, and the other pages that did not change (robots.txt...)
    assert runs[0]["not_modified"] == sum(1 for _, _, status in nightly["log"] if status == 304) > 5
    assert runs[0]["bytes"] < runs[1]["bytes"]
    table = run_cli("status", "--db", str(nightly["db"]))
    assert table.returncode == 0 and "304" in table.stdout and "errors" in table.stdout


def test_search_follows_edits(nightly) -> None:
    hit = run_cli("search", "hydrangeas", "--db", str(nightly["db"]))
    assert hit.returncode == 0 and nightly["edited"].title in hit.stdout and "[hydrangeas]" in hit.stdout
    miss = run_cli("search", "xylophone", "--db", str(nightly["db"]))
    assert miss.returncode == 1
    bad = run_cli("search", '"unbalanced', "--db", str(nightly["db"]))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_a_second_crawl_refuses_while_one_runs(tmp_path: Path) -> None:
    db = tmp_path / "locked.db"
    with archive_lock(db):
        result = run_cli("crawl", "http://127.0.0.1:9/blog", "--db", str(db))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "another crawl is running" in line


def test_a_template_change_raises_drift_warnings(tmp_path: Path) -> None:
    db = tmp_path / "drift.db"
    posts = load_posts(limit=8)
    pages: dict[str, Page] = dict(build_site(posts, WIDGET))
    with serve(pages) as url:
        assert run_cli("crawl", f"{url}/blog", "--db", str(db)).returncode == 0
        # a redesign: every body now comes out as one short teaser paragraph
        stubbed = [dataclasses.replace(p, paragraphs=(p.excerpt,)) for p in posts]
        pages.clear()
        pages.update(build_site(stubbed, WIDGET))
        result = run_cli("crawl", f"{url}/blog", "--db", str(db), "--quiet")
    assert result.returncode == 1
    assert "8 bodies are less than half their last version" in result.stderr
    assert "8 of 8 bodies changed at once: a template change?" in result.stderr
    assert "8 changed posts held back" in result.stderr
    with sqlite3.connect(db) as conn:
        status, warnings = conn.execute("select status, warnings from runs order by id desc").fetchone()
        # the stubs are held, not stored: every post keeps its whole body
        bodies = [len(b) for (b,) in conn.execute("select body_text from posts")]
    assert status == "drift" and len(json.loads(warnings)) == 3
    assert min(bodies) > 2 * max(len(p.excerpt) for p in posts)
    listed = run_cli("accept", "--db", str(db))
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 8 and "less than half" in listed.stdout
    accepted = run_cli("accept", "--all", "--db", str(db))
    assert accepted.returncode == 0 and "accepted 8" in accepted.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from revisions").fetchone() == (8,)
        assert conn.execute("select count(*) from held").fetchone() == (0,)
    bad = run_cli("accept", f"{url}/no-such-post", "--db", str(db))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_far_fewer_posts_than_the_last_good_run() -> None:
    from blogarchive.runs import CrawlSummary, compare_with_last_good

    summary = CrawlSummary(start_url="x", found=10, finish_reason="finished")
    compare_with_last_good(summary, {"found": 45})
    assert summary.warnings == ["found 10 posts, the last good run found 45"]
    early = CrawlSummary(start_url="x", found=10, finish_reason="finished", stopped_early_at="x/blog")
    compare_with_last_good(early, {"found": 45})
    assert early.warnings == []  # an early stop visits few posts on purpose
