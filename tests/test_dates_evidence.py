"""Dates from the best evidence, cross-checked across the crawl; the other migration fields."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html

from blogarchive.demo.server import serve
from blogarchive.demo.site import Page
from blogarchive.evidence import Claim, DateStyle, choose, conflicts
from blogarchive.extract import parse_post
from blogarchive.listing import Card
from blogarchive.merge import body_excerpt, merge
from blogarchive.metadata import page_claims
from tests.helpers import run_cli

STYLE = DateStyle()


def _claims(head: str, body: str = "", url: str = "https://b.example/post") -> list[Claim]:
    tree = lxml.html.fromstring(f"<html><head>{head}</head><body>{body}</body></html>")
    return page_claims(tree, url, STYLE)


def test_evidence_order_jsonld_meta_time_listing_url() -> None:
    jsonld = (
        '<script type="application/ld+json">'
        '{"@type":"BlogPosting","datePublished":"2024-03-07T10:00:00+01:00"}</script>'
    )
    meta = '<meta property="article:published_time" content="2024-03-08T10:00:00Z">'
    time = '<article><time datetime="2024-03-09">March 9</time></article>'
    url = "https://b.example/2024/03/10/post/"
    claims = _claims(jsonld + meta, time, url)
    assert [c.source for c in claims] == ["jsonld", "opengraph", "time", "url"]
    chosen = choose(claims, "published")
    assert (chosen.source, chosen.value) == ("jsonld", "2024-03-07T10:00:00+01:00")
    assert [c["source"] for c in conflicts(claims, chosen)] == ["opengraph", "time", "url"]
    assert choose(_claims(meta, time, url), "published").source == "opengraph"
    assert choose(_claims("", time, url), "published").source == "time"
    assert choose(_claims("", "", url), "published").value == "2024-03-10"


def test_modified_dates_and_the_site_time_zone() -> None:
    head = (
        '<meta property="article:published_time" content="2024-03-08T10:00:00">'
        '<meta property="article:modified_time" content="2024-04-01T08:30:00">'
    )
    tree = lxml.html.fromstring(f"<html><head>{head}</head><body></body></html>")
    style = DateStyle(timezone=ZoneInfo("America/Chicago"))
    claims = page_claims(tree, "https://b.example/p", style)
    assert choose(claims, "published").value == "2024-03-08T10:00:00-06:00"
    assert choose(claims, "modified").value == "2024-04-01T08:30:00-05:00"  # daylight time by then


def test_relative_and_garbage_dates() -> None:
    style = DateStyle(fetched=datetime(2026, 2, 10, 12, tzinfo=UTC))
    assert style.read("3 days ago") == "2026-02-07"
    assert style.read("Read more") is None
    assert style.read("Tags: 2019") is None
    assert DateStyle(date_order="DMY").read("05/02/2026") == "2026-02-05"
    assert DateStyle(languages=("de",)).read("5. Februar 2026") == "2026-02-05"


PARAGRAPHS = [
    "First sentence about spring walks along the harbour. Second sentence follows it with a little more detail.",
    "A middle paragraph describes the light on the water, the gulls, and the smell of salt in the morning air.",
    "The last paragraph has a link out and one in, and ends the post with a short thought about the weather.",
]


def test_merge_records_source_conflicts_and_excerpt_source() -> None:
    paras = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:2])
    paras += (
        '<p>The last paragraph has a <a href="https://elsewhere.example/x">link out</a> and '
        '<a href="/inside">one in</a>, and ends the post with a short thought about the weather.</p>'
    )
    html = (
        '<html lang="en"><head><title>Spring Walks | Harbor Light</title>'
        '<meta name="description" content="A description from the page.">'
        '<meta property="article:published_time" content="2024-03-07"></head><body><article>'
        f"<h1>Spring Walks</h1>{paras}</article></body></html>"
    )
    article = parse_post(html, "https://b.example/spring-walks")
    card = Card("https://b.example/spring-walks", "Spring Walks", "March 8, 2024", "The card's own summary.")
    item = merge(article, card, "https://b.example/blog")
    assert (item.published, item.date_source) == ("2024-03-07", "opengraph")
    assert item.date_conflicts == [{"source": "listing", "date": "2024-03-08", "raw": "March 8, 2024"}]
    assert (item.excerpt, item.excerpt_source, item.description) == (
        "The card's own summary.", "listing", "A description from the page."
    )  # fmt: skip
    assert (item.title, item.language) == ("Spring Walks", "en")
    assert item.body_text.splitlines()[-3:] == PARAGRAPHS
    assert item.word_count == len(item.body_text.split())
    assert (item.links_internal, item.links_outbound) == (["https://b.example/inside"], ["https://elsewhere.example/x"])
    no_card = merge(article, None, None)
    assert (no_card.excerpt, no_card.excerpt_source) == ("A description from the page.", "meta")
    article.claims = [c for c in article.claims if c.kind != "excerpt"]  # a page with no description
    bare = merge(article, None, None)
    assert (bare.excerpt_source, bare.excerpt) == ("body", body_excerpt(article.body_text))


def test_body_excerpt_keeps_whole_sentences() -> None:
    text = "One short sentence. " + "A much longer second sentence " * 12 + ".\nNext paragraph."
    assert body_excerpt(text) == "One short sentence."


def _post_page(title: str, body: str, head: str = "", widget: list[tuple[str, str]] = ()) -> bytes:
    entries = "".join(f'<li><span>{d}</span> <a href="{href}">{href.strip("/")}</a></li>' for d, href in widget)
    side = f"<aside><h3>Recent</h3><ul>{entries}</ul></aside>" if widget else ""
    return (
        f"<html><head><title>{title}</title>{head}</head><body><div class='main'><h1>{title}</h1>"
        f"<div class='text'><p>{body} This paragraph is long enough to be taken for the article body.</p></div>"
        f"</div>{side}</body></html>"
    ).encode()


def test_widget_dates_cross_check_across_the_crawl(tmp_path: Path) -> None:
    """Widgets date other posts: a post with no date of its own takes theirs; disagreements are recorded."""
    feed_only = ("/quiet-post", "A post no index lists, dated only by other posts' widgets.")
    pages = {
        "/blog": Page(
            b"<html><head><link rel='alternate' type='application/rss+xml' href='/feed.xml'></head><body>"
            b"<div class='card'><p>March 3, 2025</p><h2><a href='/first'>First</a></h2><p>One.</p></div>"
            b"<div class='card'><p>March 2, 2025</p><h2><a href='/second'>Second</a></h2><p>Two.</p></div>"
            b"</body></html>"
        ),
        # /first's widget dates /second on March 1 (its card says March 2) and the quiet post
        "/first": Page(_post_page("First", "The first post.", widget=[("March 1, 2025", "/second"),
                                                                       ("February 20, 2025", feed_only[0])])),
        "/second": Page(_post_page("Second", "The second post.", widget=[("March 3, 2025", "/first"),
                                                                         ("February 20, 2025", feed_only[0])])),
        feed_only[0]: Page(_post_page("Quiet", feed_only[1])),
        "/feed.xml": Page(
            b"<rss><channel><link>http://x/</link><item><link>/quiet-post</link></item></channel></rss>",
            "application/rss+xml",
        ),
    }  # fmt: skip
    with serve(pages) as url:
        pages["/feed.xml"] = Page(pages["/feed.xml"].body.replace(b"/quiet-post", f"{url}/quiet-post".encode()))
        result = run_cli("crawl", f"{url}/blog", "--db", str(tmp_path / "d.db"))
    assert result.returncode == 0, result.stderr
    assert "1 posts have conflicting date evidence" in result.stderr
    with sqlite3.connect(tmp_path / "d.db") as conn:
        rows = {
            r[0].removeprefix(url): r[1:]
            for r in conn.execute("select url, published, date_source, date_conflicts from posts")
        }
    assert rows["/first"][:2] == ("2025-03-03", "listing") and json.loads(rows["/first"][2]) == []
    assert rows["/second"][:2] == ("2025-03-02", "listing")
    assert json.loads(rows["/second"][2]) == [{"source": "widget", "date": "2025-03-01", "raw": "March 1, 2025"}]
    assert rows["/quiet-post"][:2] == ("2025-02-20", "widget")
