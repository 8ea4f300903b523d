"""Pages read in worker processes: the same archive as in-process, no page lost when a worker dies."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from blogarchive.demo.site import DemoPost, Page
from blogarchive.evidence import DateStyle
from blogarchive.pagework import PageFacts, PagePool, PageTask, analyse, pool_size
from tests.helpers import ROOT, archived_posts, run_cli

BASE = "http://127.0.0.1:9"
POOL = ("-s", "BLOGARCHIVE_WORKERS=2", "-s", "BLOGARCHIVE_POOL_AFTER=0")


def _tasks(site: dict[str, Page], posts: list[DemoPost]) -> list[PageTask]:
    return [
        PageTask(BASE + p.path, site[p.path].body, "text/html; charset=utf-8", True, None, DateStyle(), extract=True)
        for p in posts
    ]


def _fields(facts: PageFacts) -> tuple:
    article = facts.article
    return (facts.blocks, facts.archive, article.title, article.body_text, article.body_html, article.published)


def test_workers_read_pages_exactly_as_the_crawl_process_does(site: dict[str, Page], posts: list[DemoPost]) -> None:
    tasks = _tasks(site, posts[:12])

    async def read_all() -> tuple[list, bool]:
        pool = PagePool(workers=2, start_after=0)
        try:
            results = await asyncio.gather(*(pool.run(task) for task in tasks))
            return results, pool._executor is not None
        finally:
            pool.close()

    results, pooled = asyncio.run(read_all())
    assert pooled
    assert [_fields(r) for r in results] == [_fields(analyse(t)) for t in tasks]


def test_a_dead_worker_loses_no_page(site: dict[str, Page], posts: list[DemoPost], caplog) -> None:
    tasks = _tasks(site, posts[:20])

    async def read_all() -> list:
        pool = PagePool(workers=2, start_after=0)
        first = await pool.run(tasks[0])  # the pool is up
        for process in list(pool._executor._processes.values()):
            os.kill(process.pid, signal.SIGKILL)
        rest = await asyncio.gather(*(pool.run(task) for task in tasks[1:]))
        pool.close()
        return [first, *rest]

    results = asyncio.run(read_all())
    assert [r.article.title for r in results] == [p.title for p in posts[:20]]
    assert "page worker died" in caplog.text


def test_small_crawls_and_polite_crawls_open_no_pool() -> None:
    assert pool_size(-1, download_delay=1.0) == 0
    assert pool_size(-1, download_delay=0) == (os.cpu_count() or 1)
    assert pool_size(3, download_delay=1.0) == 3

    async def one() -> bool:
        pool = PagePool(workers=2, start_after=100)
        await pool.run(PageTask(BASE + "/x", b"<html><body><p>hi</p></body></html>", None, True, None, DateStyle()))
        return pool._executor is None

    assert asyncio.run(one())


def test_crawl_with_workers_archives_what_one_process_does(base_url: str, tmp_path: Path) -> None:
    inline, pooled = tmp_path / "inline.db", tmp_path / "pooled.db"
    for db, extra in ((inline, ("-s", "BLOGARCHIVE_WORKERS=0")), (pooled, POOL)):
        result = run_cli("crawl", f"{base_url}/blog", "--db", str(db), *extra)
        assert result.returncode == 0, result.stderr

    def rows(db: Path) -> dict:
        return {r["url"]: (r["title"], r["published"], r["excerpt"], r["body_text"]) for r in archived_posts(db)}

    assert len(rows(pooled)) == 45
    assert rows(pooled) == rows(inline)


def test_ctrl_c_stops_a_pooled_crawl_cleanly(base_url: str, tmp_path: Path) -> None:
    db = tmp_path / "blog.db"
    # a delay keeps the crawl going for ~15 s: Ctrl-C comes in the middle of it
    slow = ("-s", "DOWNLOAD_DELAY=0.2")
    cmd = [sys.executable, "-m", "blogarchive", "crawl", f"{base_url}/blog", "--db", str(db), *POOL, *slow]
    # its own process group, as a terminal gives: Ctrl-C reaches the workers too
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(4)  # started, workers up, pages being read
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the crawl did not stop on Ctrl-C")
    assert "Traceback" not in err
    assert proc.returncode == 130, err
    assert "interrupted" in err
    # what was archived before the stop is intact, and the next run completes it
    result = run_cli("crawl", f"{base_url}/blog", "--db", str(db), *POOL)
    assert result.returncode == 0, result.stderr
    assert len(archived_posts(db)) == 45


def test_a_page_too_large_to_read_in_bounded_time_fails_and_the_crawl_goes_on(
    site: dict[str, Page], posts: list[DemoPost], tmp_path: Path
) -> None:
    """A post of 200,000 tiny paragraphs (1.6 MB) would hold the crawl for minutes in
    extraction: it is refused, with its reason, and every other post is archived."""
    from blogarchive.demo.server import serve
    from blogarchive.pagework import MAX_ELEMENTS

    huge = b"<html><body><article><h1>Huge</h1>" + b"<p>w</p>" * 200_000 + b"</article></body></html>"
    facts = analyse(PageTask(BASE + "/huge", huge, "text/html", True, None, DateStyle(), extract=True))
    assert facts.parsed and facts.article is None and facts.refused and f"{MAX_ELEMENTS:,}" in facts.refused
    pages = dict(site)
    pages[posts[3].path] = Page(huge)
    db = tmp_path / "archive.db"
    with serve(pages) as url:
        result = run_cli("crawl", f"{url}/blog", "--db", str(db), "--quiet")
    assert result.returncode == 1  # a page failed
    assert "too large to read" in result.stderr and posts[3].path in result.stderr, result.stderr
    assert len(archived_posts(db)) == len(posts) - 1
