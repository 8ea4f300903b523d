"""Every platform's fixture blog is crawled to exactly its posts, once each (issue: any blog)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from blogarchive.demo.server import serve
from tests.helpers import run_cli
from tests.platforms import PLATFORMS, Platform, build


@pytest.mark.parametrize("platform", PLATFORMS, ids=[p.name for p in PLATFORMS])
def test_platform_crawled_to_exactly_its_posts(platform: Platform, tmp_path: Path) -> None:
    pages: dict = {}
    with serve(pages) as origin:
        site = build(platform, origin)
        pages.update(site.pages)
        first = platform.index_paths[0]
        result = run_cli("crawl", origin + first, "--db", str(tmp_path / "a.db"))
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "a.db") as conn:
        rows = conn.execute("select url, title, published, aliases from posts").fetchall()
    got = {url: (title, published, json.loads(aliases or "[]")) for url, title, published, aliases in rows}
    want = {(origin + p.path).rstrip("/"): p for p in site.posts}
    assert sorted(got) == sorted(want), result.stderr
    for url, post in want.items():
        title, published, _ = got[url]
        # the time and offset that the page or the feed states; the day alone where neither does
        day = post.day.isoformat()
        assert title == post.title
        assert published in (day, f"{day}T09:00:00+00:00")
        if platform.post_markup not in ("og", "plain"):
            assert published == f"{day}T09:00:00+00:00"
    # the old slug that answers 301 is kept as an alias of the post it leads to
    moved = (origin + site.post(3).path).rstrip("/")
    assert f"{origin}/old-slug-for-post-3" in got[moved][2]
