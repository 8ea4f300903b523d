"""Start pages a user would give: the site's home page, a post, a sitemap or a feed, not only
the blog's index.  Each finds the whole blog and says, in one line, what it did."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogarchive.demo.server import serve
from blogarchive.demo.site import Page, build_site, load_posts
from tests.helpers import archived_posts, run_cli

POSTS = load_posts(limit=24)


def _sitemap(base: str) -> Page:
    urls = "".join(f"<url><loc>{base}{p.path}</loc></url>" for p in POSTS)
    body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    return Page(body.encode(), content_type="application/xml")


def _feed(base: str) -> Page:
    items = "".join(f"<item><title>{p.title}</title><link>{base}{p.path}</link></item>" for p in POSTS[:9])
    channel = f"<channel><title>B</title><link>{base}/</link>{items}</channel>"
    body = f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'
    return Page(body.encode(), content_type="application/rss+xml")


@pytest.mark.parametrize(
    ("start", "says"),
    [
        ("/", "the start page lists no post"),
        (POSTS[7].path, "the start URL is a post"),
        ("/sitemap.xml", "the start URL is a sitemap"),
        ("/feed.xml", "the start URL is a feed"),
    ],
)
def test_every_start_a_user_would_give_finds_the_whole_blog(start: str, says: str, tmp_path: Path) -> None:
    pages: dict[str, Page] = dict(build_site(POSTS))
    db = tmp_path / "archive.db"
    with serve(pages) as url:
        pages["/sitemap.xml"], pages["/feed.xml"] = _sitemap(url), _feed(url)
        result = run_cli("crawl", url + start, "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert says in result.stderr, result.stderr
    assert {p["url"] for p in archived_posts(db)} == {url + p.path for p in POSTS}
