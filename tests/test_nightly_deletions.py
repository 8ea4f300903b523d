"""Deletions caught by plain nightly runs: what tonight's index walk, feeds or sitemap cover
and no longer list is asked again, although the walk stopped early."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from blogarchive.demo.server import serve
from blogarchive.demo.site import Page, build_site, load_posts
from tests.helpers import run_cli


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
