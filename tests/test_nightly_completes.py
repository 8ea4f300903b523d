"""Plain nightly runs that are right without --full: deletions caught although the walk
stopped early (what tonight's index walk, feeds or sitemap cover and no longer list is
asked again), and a capped or interrupted run completed by the next one."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from blogarchive.demo.server import serve
from blogarchive.demo.site import Page, build_site, load_posts
from tests.helpers import ROOT, run_cli


def _removed(db: Path) -> dict[str, str | None]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("select url, removed_at from posts"))


def _sitemap(base: str, paths: list[str]) -> Page:
    urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    return Page(body.encode(), content_type="application/xml")


def test_a_deleted_post_is_marked_removed_by_a_plain_run_that_stopped_early(tmp_path: Path) -> None:
    """30 posts, 3 index pages.  The next night one recent post is deleted and an old one
    too; the walk stops early after ten held cards.  The recent one is within what the walk
    covered: asked again, 404, removed.  The old one, on a page the walk never reached and
    with no sitemap or feed to say otherwise, is counted as not revisited, and kept."""
    db = tmp_path / "blog.db"
    posts = load_posts(limit=30)
    recent, old = posts[2], posts[27]
    pages: dict[str, Page] = dict(build_site(posts))
    with serve(pages) as url:
        first = run_cli("crawl", f"{url}/blog", "--db", str(db))
        assert first.returncode == 0, first.stderr
        pages.clear()
        pages.update(build_site([p for p in posts if p not in (recent, old)]))
        second = run_cli("crawl", f"{url}/blog", "--db", str(db))
    assert second.returncode == 0, second.stderr
    assert "stopped the index walk early" in second.stderr, second.stderr
    assert "removed 1" in second.stderr and "asked again" in second.stderr, second.stderr
    removed = _removed(db)
    assert removed[f"{url}{recent.path}"] and not removed[f"{url}{old.path}"]
    # page 1's ten cards were met; of the twenty known posts not met, the recent one was asked again
    assert "19 known posts not revisited" in second.stderr, second.stderr


def test_a_post_the_sitemap_no_longer_lists_is_asked_again(tmp_path: Path) -> None:
    """The same, with a sitemap: the old post is caught too, because the sitemap read
    tonight no longer lists it."""
    db = tmp_path / "blog.db"
    posts = load_posts(limit=30)
    old = posts[27]
    pages: dict[str, Page] = dict(build_site(posts))
    with serve(pages) as url:
        pages["/sitemap.xml"] = _sitemap(url, [p.path for p in posts])
        assert run_cli("crawl", f"{url}/blog", "--db", str(db)).returncode == 0
        kept = [p for p in posts if p is not old]
        pages.clear()
        pages.update(build_site(kept))
        pages["/sitemap.xml"] = _sitemap(url, [p.path for p in kept])
        second = run_cli("crawl", f"{url}/blog", "--db", str(db))
    assert second.returncode == 0, second.stderr
    assert "stopped the index walk early" in second.stderr, second.stderr
    assert "removed 1" in second.stderr, second.stderr
    assert _removed(db)[f"{url}{old.path}"]


def _runs(db: Path) -> list[dict]:
    return [json.loads(line) for line in run_cli("status", "--db", str(db), "--json").stdout.splitlines()]


def test_a_capped_first_crawl_is_completed_by_the_next_plain_run(tmp_path: Path) -> None:
    db = tmp_path / "blog.db"
    posts = load_posts(limit=30)
    with serve(dict(build_site(posts))) as url:
        capped = run_cli("crawl", f"{url}/blog", "--db", str(db), "--max-pages", "20")
        assert 0 < len(_removed(db)) < 30
        (run,) = _runs(db)
        assert (run["status"], run["complete"]) == ("capped", 0)
        assert "page cap" in run_cli("status", "--db", str(db)).stdout
        second = run_cli("crawl", f"{url}/blog", "--db", str(db))
    assert capped.returncode == 1, capped.stderr
    assert "pages fetched 20 " in capped.stderr, capped.stderr  # the cap is exact: no page in flight over it
    assert "page cap" in capped.stderr
    assert second.returncode == 0, second.stderr
    assert "walked the whole index" in second.stderr, second.stderr
    assert len(_removed(db)) == 30
    assert (_runs(db)[0]["status"], _runs(db)[0]["complete"]) == ("ok", 1)


def test_an_interrupted_run_is_recorded_as_such_and_completed_by_the_next(tmp_path: Path) -> None:
    db = tmp_path / "blog.db"
    posts = load_posts(limit=30)
    log: list[tuple[str, str, int]] = []
    with serve(dict(build_site(posts)), log=log) as url:
        # slowed down (a command-line setting outranks the local site's no-delay), so that
        # SIGTERM comes mid-crawl
        proc = subprocess.Popen(
            [sys.executable, "-m", "blogarchive", "crawl", f"{url}/blog", "--db", str(db), "--quiet",
             "-s", "DOWNLOAD_DELAY=0.2", "-s", "BLOGARCHIVE_BATCH_SIZE=2"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        # past the template's twenty posts, so that some are archived before the signal
        while len(log) < 27 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, "the crawl ended before it could be interrupted"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) != 0
        (run,) = _runs(db)
        assert (run["status"], run["complete"]) == ("interrupted", 0)
        assert 0 < len(_removed(db)) < 30
        assert "interrupted" in run_cli("status", "--db", str(db)).stdout
        second = run_cli("crawl", f"{url}/blog", "--db", str(db))
    assert second.returncode == 0, second.stderr
    assert "walked the whole index" in second.stderr, second.stderr
    assert len(_removed(db)) == 30
