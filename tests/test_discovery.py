from __future__ import annotations

import lxml.html
import pytest

from blogarchive.discovery import (
    Evidence,
    ShapeLearner,
    archive_links,
    classify,
    feed_items,
    next_feed_page,
    page_evidence,
    sitemap_kind,
    url_shape,
)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://b.example/wp-sitemap-posts-post-1.xml", "posts"),
        ("https://b.example/wp-sitemap-posts-page-1.xml", "other"),
        ("https://b.example/wp-sitemap-taxonomies-category-1.xml", "other"),
        ("https://b.example/wp-sitemap-users-1.xml", "other"),
        ("https://b.example/post-sitemap.xml", "posts"),
        ("https://b.example/post_tag-sitemap.xml", "other"),
        ("https://b.example/page-sitemap.xml", "other"),
        ("https://b.example/blog-posts-sitemap.xml", "posts"),
        ("https://b.example/pages-sitemap.xml", "other"),
        ("https://b.example/sitemap-posts.xml", "posts"),
        ("https://b.example/sitemap-tags.xml", "other"),
        ("https://b.example/sitemap.xml?page=1", "mixed"),
        ("https://b.example/sitemap.xml", "mixed"),
    ],
)
def test_sitemap_kind(url: str, kind: str) -> None:
    assert sitemap_kind(url) == kind


def test_url_shapes_and_learning() -> None:
    assert url_shape("https://b.example/2025/05/01/my-post/") == ("{4}", "{2}", "{2}", "*/")
    assert url_shape("https://b.example/2025/05/my-post.html") == ("{4}", "{2}", "*.html")
    assert url_shape("https://b.example/blog/my-post") == ("blog", "*")
    learner = ShapeLearner()
    for slug in ("a", "b"):
        learner.add(f"https://b.example/posts/{slug}/")
        learner.add(f"https://b.example/{slug}")
    assert learner.is_post_shape("https://b.example/posts/c/")
    assert not learner.is_post_shape("https://b.example/tags/c/")
    assert not learner.is_post_shape("https://b.example/about")  # root-level slugs prove nothing


def _evidence(head: str, cards: int = 0) -> Evidence:
    return page_evidence(lxml.html.fromstring(f"<html><head>{head}</head><body><p>x</p></body></html>"), cards)


YOAST_PAGE = (
    '<meta property="og:type" content="article">'
    '<script type="application/ld+json">{"@graph":[{"@type":"WebPage"}]}</script>'
)
YOAST_POST = '<script type="application/ld+json">{"@graph":[{"@type":"WebPage"},{"@type":"Article"}]}</script>'


def test_page_evidence_decides_posts_and_pages() -> None:
    learner = ShapeLearner()
    url = "https://b.example/x"
    assert classify(_evidence(YOAST_POST), False, learner, url) == "post"
    assert classify(_evidence(YOAST_PAGE), True, learner, url) == "not"  # JSON-LD outranks og:type
    assert classify(_evidence('<meta property="og:type" content="article">'), False, learner, url) == "post"
    assert classify(_evidence('<meta property="og:type" content="website">'), True, learner, url) == "not"
    assert classify(_evidence("", cards=5), False, learner, url) == "not"  # a listing
    assert classify(_evidence("", cards=5), True, learner, url) == "post"  # a card's post with a widget
    assert classify(_evidence(""), False, learner, url) == "unknown"
    assert classify(_evidence('<script type="application/ld+json">{broken'), False, learner, url) == "unknown"


def test_feed_items_skip_the_channel_link_and_other_sites() -> None:
    rss = (
        "<rss><channel><link>https://b.example/</link>"
        "<item><link>https://b.example/a-post/</link></item>"
        "<item><link>https://elsewhere.example/x/</link></item>"
        "<item><link>https://b.example/file.pdf</link></item></channel></rss>"
    )
    assert feed_items(rss, "https://b.example/feed/") == ["https://b.example/a-post/"]


def test_wordpress_feed_pagination() -> None:
    assert next_feed_page("https://b.example/feed/") == "https://b.example/feed/?paged=2"
    assert next_feed_page("https://b.example/feed/?paged=2") == "https://b.example/feed/?paged=3"
    assert next_feed_page("https://b.example/index.xml") is None


def test_archive_links() -> None:
    html = """<html><body>
    <a href="https://b.example/category/news/">News</a><a href="https://b.example/tag/x/">x</a>
    <a href="https://b.example/2025/05/">May</a><a href="https://b.example/search/label/Food">Food</a>
    <a href="https://b.example/about/">About</a><a href="https://other.example/tag/x/">other</a>
    </body></html>"""
    tree = lxml.html.fromstring(html)
    assert archive_links(tree, "https://b.example/") == [
        "https://b.example/category/news/",
        "https://b.example/tag/x/",
        "https://b.example/2025/05/",
        "https://b.example/search/label/Food",
    ]
