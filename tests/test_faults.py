"""Nothing lost under faults: each fault on a second crawl of an archived blog (issue: faults)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from blogarchive.demo.server import serve
from blogarchive.demo.site import build_site, load_posts
from tests.faults import CASES, FaultCase, Routes, apply, serve_faults
from tests.helpers import processes_left, run_cli, session_processes

# Short limits so that faults show quickly; the defaults for real sites are larger.
LIMITS = ["-s", "DOWNLOAD_TIMEOUT=1", "-s", "DOWNLOAD_MAXSIZE=1000000", "-s", "DOWNLOAD_WARNSIZE=500000"]
POSTS = 12


def _snapshot(db: Path) -> dict[str, tuple]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select url, content_hash, body_text, removed_at from posts").fetchall()
    return {url: (digest, body, removed) for url, digest, body, removed in rows}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_fault_loses_nothing(case: FaultCase, tmp_path: Path) -> None:
    posts = load_posts(limit=POSTS)
    routes = Routes(dict(build_site(posts, widget_size=3)))
    victim = posts[4].path
    db = tmp_path / "faults.db"
    with serve_faults(routes) as url:
        first = run_cli("crawl", f"{url}/blog", "--db", str(db), *LIMITS)
        assert first.returncode == 0, first.stderr
        before = _snapshot(db)
        apply(case, routes, victim)
        started = time.monotonic()
        second = run_cli("crawl", f"{url}/blog", "--db", str(db), "--full", "--json", *LIMITS)
        took = time.monotonic() - started
    summary = json.loads(second.stdout)
    after = _snapshot(db)
    assert took < 90, "the crawl must finish"
    assert second.returncode == (1 if case.expect_error else 0), second.stderr
    assert set(after) == set(before)  # nothing gained from junk, nothing lost
    for url, (digest, body, _) in before.items():
        assert after[url][0] == digest and after[url][1] == body and after[url][2] is None, url
    if case.expect_error:
        assert summary["errors"] >= 1
        assert any(f["url"].endswith(victim) or "loop" in f["url"] for f in summary["failures"])
        with sqlite3.connect(db) as conn:
            (failures,) = conn.execute("select failures from runs order by id desc limit 1").fetchone()
        assert json.loads(failures) == summary["failures"]  # the fault is recorded with the run
    assert summary["pages"] < 60  # traps are not followed far


def test_a_killed_crawl_leaves_a_sound_archive_and_no_process(tmp_path: Path) -> None:
    """SIGKILL mid-crawl, page workers running: integrity holds, committed posts stay, no
    process of the crawl is left behind, and the next run completes the archive (it does
    not stop early on the cards the killed run archived)."""
    posts = load_posts()
    routes = Routes(dict(build_site(posts)))
    for post in posts[25:]:
        routes.faults[post.path] = _slowly
    db = tmp_path / "killed.db"
    pool = ["-s", "BLOGARCHIVE_POOL_AFTER=0", "-s", "BLOGARCHIVE_WORKERS=2"]
    with serve_faults(routes) as url:
        crawl = subprocess.Popen(
            [sys.executable, "-m", "blogarchive", "crawl", f"{url}/blog", "--db", str(db), "--quiet",
             "-s", "BLOGARCHIVE_BATCH_SIZE=5", "-s", "CONCURRENT_REQUESTS=2", *pool],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        committed = _wait_for_rows(db, 20, timeout=60)
        assert len(session_processes(crawl.pid)) > 2  # the crawl, the forkserver, its workers
        os.kill(crawl.pid, signal.SIGKILL)
        crawl.wait()
        assert processes_left(crawl.pid, timeout=10) == []
        with sqlite3.connect(db) as conn:
            assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
            urls = {row[0] for row in conn.execute("select url from posts")}
            assert conn.execute("select status from runs").fetchall() == [("running",)]  # it died
        assert committed <= urls and len(urls) < len(posts)
        routes.faults.clear()
        again = run_cli("crawl", f"{url}/blog", "--db", str(db))  # the lock died with the process
    assert again.returncode == 0, again.stderr
    assert "the last run died" in again.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from posts").fetchone() == (len(posts),)


def _slowly(handler, page) -> None:
    time.sleep(0.3)
    from tests.faults import ok

    ok(handler, page)


def _wait_for_rows(db: Path, at_least: int, timeout: float) -> set[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with sqlite3.connect(db) as conn:
                    urls = {row[0] for row in conn.execute("select url from posts")}
                if len(urls) >= at_least:
                    return urls
            except sqlite3.OperationalError:
                pass  # schema not there yet
        time.sleep(0.1)
    raise AssertionError(f"fewer than {at_least} posts committed in {timeout} s")


def test_redirects_out_of_http_or_into_private_addresses_are_refused() -> None:
    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.utils.test import get_crawler

    from blogarchive.safety import SafetyMiddleware

    class Public:
        start_url = "https://blog.example.com/"

    class Local:
        start_url = "http://127.0.0.1:8000/blog"

    crawler = get_crawler()
    crawler.stats.open_spider()
    for url in ("file:///etc/passwd", "ftp://blog.example.com/x", "http://127.0.0.1/admin", "http://10.1.2.3/",
                "http://[::1]/", "http://localhost:8080/", "http://169.254.169.254/latest/meta-data"):  # fmt: skip
        with pytest.raises(IgnoreRequest):
            SafetyMiddleware(crawler).process_request(Request(url), Public())
    SafetyMiddleware(crawler).process_request(Request("http://93.184.215.14/post"), Public())  # a public address
    SafetyMiddleware(crawler).process_request(Request("http://127.0.0.1:8000/post"), Local())  # a local mirror
    with pytest.raises(IgnoreRequest):
        SafetyMiddleware(crawler).process_request(Request("file:///etc/passwd"), Local())


def test_the_demo_serves_under_the_fault_server_unchanged(tmp_path: Path) -> None:
    """The fault server without faults serves the demo like the demo server (a control)."""
    posts = load_posts(limit=POSTS)
    site = build_site(posts, widget_size=3)
    with serve(site) as plain, serve_faults(Routes(dict(site))) as faulty:
        a = run_cli("crawl", f"{plain}/blog", "--db", str(tmp_path / "a.db"), "--json")
        b = run_cli("crawl", f"{faulty}/blog", "--db", str(tmp_path / "b.db"), "--json")
    assert json.loads(a.stdout)["new"] == json.loads(b.stdout)["new"] == POSTS
