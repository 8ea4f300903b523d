from __future__ import annotations

import pytest

from blogarchive.demo.site import SITE_NAME, DemoPost, Page
from blogarchive.extract import parse_html, parse_post
from blogarchive.template import TemplateLearner, TemplateView, block_keys

BASE = "http://127.0.0.1:9"
NAV_AND_FOOTER = [
    "Book an appointment",
    "About Us",
    "Lantern Way",
    "All rights reserved",
    "Stay in touch",
    "monthly newsletter",
    "Share this post",
    "Recent Posts",
]


@pytest.fixture(scope="module")
def template(site: dict[str, Page], posts: list[DemoPost]) -> TemplateView:
    """The demo site's template, learned from its post pages as a crawl would."""
    learner = TemplateLearner()
    for post in posts:
        learner.observe(block_keys(parse_html(site[post.path].body, BASE + post.path)))
    return learner.view()


def _article(site: dict[str, Page], post: DemoPost, template: TemplateView | None = None):
    article = parse_post(site[post.path].body, BASE + post.path, template=template)
    assert article is not None
    return article


def test_demo_article_fields(site: dict[str, Page], posts: list[DemoPost]) -> None:
    for post in posts:
        article = _article(site, post)
        assert article.title == post.title
        assert article.author == post.author
        assert article.tags == list(post.tags)
        image = {"url": f"{BASE}/images/{post.slug}.png", "alt": f"Illustration for {post.title}"}
        assert article.images == ([image] if post.has_image else [])


def test_widget_gives_no_date_and_never_leaks(site: dict[str, Page], posts: list[DemoPost]) -> None:
    for post in posts:
        article = _article(site, post)
        # the page shows no date of its own; the widget's dates are other posts'
        assert article.published is None
        assert article.widgets_removed == 1
        assert len(article.widget_entries) == 10
        for other in posts:
            if other is not post:
                assert other.excerpt not in article.body_text
                assert other.excerpt not in article.body_html
                assert other.date_text not in article.body_text


def test_body_holds_the_article_and_no_chrome(site: dict[str, Page], posts: list[DemoPost], template) -> None:
    for post in posts:
        article = _article(site, post, template)
        for para in post.paragraphs:
            if not para.startswith(("## ", "- ")):
                assert para in article.body_text
        for chrome in NAV_AND_FOOTER:
            assert chrome not in article.body_text, (post.slug, chrome)
        assert SITE_NAME not in article.body_text
        assert "<script" not in article.body_html and "<nav" not in article.body_html
        assert article.body_markdown.count("## ") == 3


PAGE_WITH_METADATA = """<html><head><title>Dated post</title>
<meta property="article:published_time" content="2024-03-07T10:00:00+00:00">
<meta property="article:modified_time" content="2024-04-01T08:00:00+00:00">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"BlogPosting",
"headline":"Dated post","datePublished":"2024-03-07","dateModified":"2024-04-01"}</script>
</head><body><article><h1>Dated post</h1>
<p>A paragraph long enough to count as the body of an article about routines and rest.</p>
<p>Another paragraph continues the article with more words about sleep and mornings.</p></article>
<aside><div><span>February 5, 2026</span><a href="/other">Other</a></div>
<div><span>January 5, 2026</span><a href="/another">Another</a></div></aside></body></html>"""


def test_page_metadata_dates_win_over_sidebars() -> None:
    article = parse_post(PAGE_WITH_METADATA, "https://blog.example/dated-post")
    assert article is not None
    # JSON-LD states the days, the meta tags their times: the times are kept
    assert article.published == "2024-03-07T10:00:00+00:00"
    assert article.modified == "2024-04-01T08:00:00+00:00"
    assert "Other" not in article.body_text


@pytest.mark.parametrize("html", ["", "<html></html>", "<html><body><nav><a href='/'>Home</a></nav></body></html>"])
def test_pages_without_an_article_give_none(html: str) -> None:
    assert parse_post(html, "https://blog.example/empty") is None


def test_the_learned_template_removes_what_trafilatura_keeps(site: dict[str, Page], posts: list[DemoPost], template):
    # the call to action sits inside the post body on every page: only the template tells it apart
    assert "Ready to talk?" in _article(site, posts[0]).body_text
    with_template = _article(site, posts[0], template)
    assert "Ready to talk?" not in with_template.body_text
    assert with_template.template_removed > 0


def test_a_template_is_not_learned_from_too_few_pages(site: dict[str, Page], posts: list[DemoPost]) -> None:
    learner = TemplateLearner()
    for post in posts[:5]:
        learner.observe(block_keys(parse_html(site[post.path].body, BASE + post.path)))
    assert not learner.ready
    assert "Ready to talk?" in _article(site, posts[0], learner.view()).body_text


RICH_ARTICLE = """<html><head><title>Rich post</title></head><body><article><h1>Rich post</h1>
<p onclick="steal()">A paragraph with <a href="/other" onmouseover="x()">a link</a> and <b>bold</b> words in it.</p>
<script>alert('no')</script><style>p{color:red}</style>
<h2>A table</h2><table><tr><th>Dose</th><th>Time</th></tr><tr><td>One</td><td>Morning</td></tr></table>
<blockquote><p>A quoted line that stays in the body as a quotation.</p></blockquote>
<pre><code>print("code stays code")</code></pre>
<ul><li>First item of a list</li><li>Second item of a list</li></ul>
<p><img src="/img/chart.png" alt="A chart of sleep hours"></p>
<p>A closing paragraph long enough to make this an article worth extracting for the test.</p>
</article></body></html>"""


def test_body_html_is_semantic_only() -> None:
    article = parse_post(RICH_ARTICLE, "https://b.example/rich")
    assert article is not None
    html = article.body_html
    for tag in ("<h2>", "<table>", "<blockquote>", "<code>", "<ul>", "<li>", '<a href="https://b.example/other">'):
        assert tag in html, tag
    assert '<img src="https://b.example/img/chart.png" alt="A chart of sleep hours">' in html
    for banned in ("<script", "<style", "onclick", "onmouseover", "alert(", "color:red"):
        assert banned not in html, banned
    assert "<pre><code>" in html
    markdown = article.body_markdown
    assert "## A table" in markdown and "> A quoted line" in markdown and '```\nprint("code stays code")' in markdown
    assert "| Dose | Time |" in markdown and "- First item" in markdown and not markdown.startswith("# Rich post")
    assert "alert" not in article.body_text and "chart.png" not in article.body_text
