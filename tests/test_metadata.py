"""Evidence from the standards: structured data, hAtom, feeds, WordPress's API; bodies as good as trafilatura's.

The pages here are small imitations, written to show one kind of markup each
(the shapes come from the specifications: schema.org, microformats, RSS); the
real generators' output is tested in tests/test_corpus.py.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import lxml.html
import trafilatura

from blogarchive.demo.server import serve
from blogarchive.demo.site import Page
from blogarchive.discovery import ShapeLearner, classify, page_evidence
from blogarchive.evidence import DateStyle, decide
from blogarchive.extract import parse_post
from blogarchive.feeds import feed_claims
from blogarchive.metadata import page_claims
from blogarchive.wpapi import api_claims, api_root, posts_url
from tests.corpus.score import token_f1
from tests.helpers import run_cli

URL = "https://blog.example/2025/03/a-post/"
STYLE = DateStyle()


def _fields(body: str, head: str = "", url: str = URL) -> tuple[dict, dict]:
    tree = lxml.html.fromstring(f"<html><head><title>A post | Blog</title>{head}</head><body>{body}</body></html>")
    return decide(page_claims(tree, url, STYLE))


def test_hatom_dates_without_an_hentry_root_keep_their_time_and_offset() -> None:
    body = ('<article><h1>A post</h1><footer>'
            '<abbr class="published" title="2025-09-04T13:45:00-04:00">Thu 04 Sep</abbr>'
            '<abbr class="modified" title="2025-09-06T08:00:00-04:00">Sat 06 Sep</abbr>'
            '<address class="vcard author">By <a class="url fn" href="/author/x.html">Dr. Maya Ellison</a></address>'
            '</footer><p>Text.</p></article>')  # fmt: skip
    fields, sources = _fields(body)
    assert fields["published"] == "2025-09-04T13:45:00-04:00"
    assert fields["modified"] == "2025-09-06T08:00:00-04:00"
    assert (fields["author"], sources["author"]) == ("Dr. Maya Ellison", "microformat")


def test_archive_links_name_tags_categories_and_author_by_their_url() -> None:
    # WordPress marks category links rel=tag too: the archive they lead to decides
    body = ('<main><h1>A post</h1><a rel="tag" href="/category/sleep/">Sleep</a> '
            '<a rel="tag" href="/tag/night-shift/">night shift</a> <a href="/tags/rest.html">rest</a> '
            '<a href="/author/jordan/">Jordan Reyes, PMHNP</a></main>')  # fmt: skip
    fields, _ = _fields(body)
    assert fields["categories"] == ["Sleep"]
    assert fields["tags"] == ["night shift", "rest"]
    assert fields["author"] == "Jordan Reyes, PMHNP"


def test_schema_org_in_json_ld_microdata_and_rdfa_kept_verbatim() -> None:
    jsonld = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Blog"},
        {"@type": "BlogPosting", "headline": "Teens, phones &amp; sleep",
         "author": {"@type": "Person", "name": "Jordan Reyes, PMHNP"}, "keywords": "sleep, teens",
         "datePublished": "2025-03-03T09:15:00+13:00"}]}  # fmt: skip
    fields, sources = _fields("", f'<script type="application/ld+json">{json.dumps(jsonld)}</script>')
    assert fields["title"] == "Teens, phones & sleep"  # generators HTML-escape JSON-LD text
    assert fields["author"] == "Jordan Reyes, PMHNP"
    assert fields["tags"] == ["sleep", "teens"]
    assert (fields["published"], sources["published"]) == ("2025-03-03T09:15:00+13:00", "jsonld")
    microdata = ('<article itemscope itemtype="https://schema.org/BlogPosting"><h1 itemprop="headline">A post</h1>'
                 '<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
                 '<span itemprop="name">Dr. Maya Ellison</span></span></article>')  # fmt: skip
    fields, sources = _fields(microdata)
    assert (fields["author"], sources["author"]) == ("Dr. Maya Ellison", "microdata")
    rdfa = (
        '<div vocab="https://schema.org/" typeof="BlogPosting"><h1 property="headline">An RDFa post</h1>'
        '<span property="author" typeof="Person"><span property="name">Ana-Lucía Ortiz</span></span></div>'
    )
    fields, sources = _fields(rdfa)
    assert (fields["title"], sources["title"]) == ("An RDFa post", "rdfa")
    assert fields["author"] == "Ana-Lucía Ortiz"


def test_h_entry_by_its_url_and_site_wide_opengraph_ignored() -> None:
    body = (
        '<div class="h-entry"><a class="u-url" href="/2025/03/a-post/"></a><h1 class="p-name">A post</h1>'
        '<time class="dt-published" datetime="2025-03-01T22:40:00+05:30">1 March</time>'
        '<span class="p-author h-card">Ana-Lucía Ortiz</span><p class="p-summary">The summary.</p></div>'
    )
    head = '<meta property="og:type" content="website"><meta property="og:description" content="The whole site.">'
    fields, sources = _fields(body, head, "https://blog.example/2025/03/a-post/")
    assert (fields["published"], sources["published"]) == ("2025-03-01T22:40:00+05:30", "microformat")
    assert (fields["excerpt"], fields["author"]) == ("The summary.", "Ana-Lucía Ortiz")


def test_feed_items_give_excerpt_author_and_utc_dates_by_url() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>B</title><link>https://blog.example</link>
    <item><title>A post</title><link>https://blog.example/2025/03/a-post/?utm_source=rss</link>
    <dc:creator><![CDATA[Dr. Maya Ellison]]></dc:creator><pubDate>Mon, 03 Mar 2025 09:15:00 +1300</pubDate>
    <category>Sleep</category><description><![CDATA[The hand-written excerpt.]]></description>
    <content:encoded><![CDATA[<p>The whole post, which is longer.</p>]]></content:encoded></item>
    <item><title>Full only</title><link>https://blog.example/full/</link>
    <description><![CDATA[<p>Same text.</p>]]></description>
    <content:encoded><![CDATA[<p>Same text.</p>]]></content:encoded>
    </item></channel></rss>"""
    claims = feed_claims(rss, "https://blog.example/feed/")
    fields, _ = decide(claims["https://blog.example/2025/03/a-post"])
    assert fields["excerpt"] == "The hand-written excerpt."
    assert fields["author"] == "Dr. Maya Ellison"
    assert fields["published"] == "2025-03-02T20:15:00+00:00"
    assert fields["categories"] == ["Sleep"]
    assert decide(claims["https://blog.example/full"])[0]["excerpt"] is None  # a summary that is the content


def test_wordpress_api_states_the_offset_through_its_gmt_twin() -> None:
    tree = lxml.html.fromstring('<html><head><link rel="https://api.w.org/" href="https://blog.example/wp-json/">'
                                "</head><body></body></html>")  # fmt: skip
    root = api_root(tree)
    assert posts_url(root, 2).startswith("https://blog.example/wp-json/wp/v2/posts?per_page=100&page=2")
    assert posts_url("https://blog.example/?rest_route=/", 1).startswith(
        "https://blog.example/?rest_route=/wp/v2/posts&"
    )
    post = {"link": "https://blog.example/2025/03/03/a-post/", "date": "2025-03-03T09:15:00",
            "date_gmt": "2025-03-02T20:15:00", "modified": "2025-03-05T10:00:00", "modified_gmt": "2025-03-04T21:00:00",
            "title": {"rendered": "Teens &#8216;sleep&#8217;"}, "excerpt": {"rendered": "<p>The excerpt.</p>\n"},
            "_embedded": {"author": [{"name": "Jordan Reyes, PMHNP"}],
                          "wp:term": [[{"taxonomy": "category", "name": "Sleep"}],
                                      [{"taxonomy": "post_tag", "name": "night &amp; day"}]]}}  # fmt: skip
    fields, _ = decide(api_claims(json.dumps([post]).encode())["https://blog.example/2025/03/03/a-post"])
    assert fields["published"] == "2025-03-03T09:15:00+13:00"
    assert fields["modified"] == "2025-03-05T10:00:00+13:00"
    assert (fields["title"], fields["excerpt"]) == ("Teens \u2018sleep\u2019", "The excerpt.")
    assert fields["author"] == "Jordan Reyes, PMHNP"
    assert (fields["categories"], fields["tags"]) == (["Sleep"], ["night & day"])
    assert api_claims(b'{"code": "rest_no_route"}') == {}


def test_taxonomy_and_author_archives_are_never_posts_whatever_their_markup() -> None:
    tree = lxml.html.fromstring('<html><head><meta property="og:type" content="article"></head><body></body></html>')
    evidence = page_evidence(tree, cards=1)
    for url in ("https://b.example/tag/sleep/", "https://b.example/category/news/", "https://b.example/author/ana/",
                "https://b.example/2025/03/"):  # fmt: skip
        assert classify(evidence, True, ShapeLearner(), url) == "not"
    assert classify(evidence, True, ShapeLearner(), "https://b.example/archives/123") == "post"  # WordPress numeric


def test_a_bare_copyright_year_is_no_date() -> None:
    paragraphs = "".join(
        f"<p>Paragraph {i} of a post that states no date of its own anywhere at all.</p>" for i in range(6)
    )
    html = f"<html><body><article><h1>T</h1>{paragraphs}</article><footer>© 2024 The Clinic</footer></body></html>"
    article = parse_post(html, "https://b.example/post")
    assert article is not None and article.published is None


# --- bodies: held to trafilatura's own default output --------------------------------------

_P = [
    f"Paragraph {n} says something about rest, routines and the long evenings of winter, at length." for n in range(6)
]
CAUSES = {
    "figure captions and credits": (
        f"<p>{_P[0]}</p><figure class='wp-block-image'><img src='/a.jpg' alt='a'><figcaption>A lake at dawn. "
        f"Photo: Sam Credit</figcaption></figure><p>{_P[1]}</p><div class='wp-caption'><img src='/b.jpg'>"
        f"<p class='wp-caption-text'>Credit: Someone Else</p></div><p>{_P[2]}</p><p>{_P[3]}</p>",
        ("Sam Credit", "Someone Else"),
    ),
    "an inline comment": (
        f"<p>{_P[0]}</p><p>The middle <!-- --> sentence goes on after the comment. {_P[1]}</p><p>{_P[2]}</p>",
        (),
    ),
    "a thumbnail sidebar": (
        f"<p>{_P[0]}</p><p>{_P[1]}</p><p>{_P[2]}</p></div><aside class='related'><h3>More to read</h3><ul>"
        + "".join(f"<li><a href='/p{i}'><img src='/t{i}.jpg'>Thumb story {i}</a></li>" for i in range(4))
        + "</ul></aside><div>",
        ("Thumb story",),
    ),
}  # fmt: skip


def test_bodies_at_least_as_good_as_trafilatura_defaults() -> None:
    for cause, (content, leaks) in CAUSES.items():
        html = (
            f"<html><head><title>T</title></head><body><article><h1>T</h1><div>{content}</div></article></body></html>"
        )
        truth = " ".join(lxml.html.fromstring(f"<div>{content}</div>").xpath("//p[not(@class)]//text()"))
        article = parse_post(html, "https://b.example/post")
        assert article is not None, cause
        ours, theirs = token_f1(article.body_text, truth), token_f1(trafilatura.extract(html) or "", truth)
        assert ours >= theirs, f"{cause}: ours {ours:.3f} < trafilatura {theirs:.3f}"
        assert ours > 0.95, f"{cause}: {ours:.3f}"
        assert not [text for text in leaks if text in article.body_text], cause
        if "<img" in content and "Thumb" not in content:
            assert article.images, f"{cause}: the post's images stay in body_html"


def test_the_site_wide_description_and_author_are_no_posts_own(tmp_path: Path) -> None:
    """A theme that prints the site's one meta description and author on every page: the
    posts' excerpts come from their bodies, and no post is given the site's author."""
    head = '<meta name="description" content="A small practice in a quiet town."><meta name="author" content="Clinic">'
    cards = "".join(f'<li><a href="/post-{i}">Post {i}</a> <span>May {i + 1}, 2025</span></li>' for i in range(3))
    pages = {"/": Page(f"<html><head><title>Clinic</title>{head}</head><body><ul>{cards}</ul></body></html>".encode())}
    for i in range(3):
        body = "".join(
            f"<p>Post {i} paragraph {n} about rest and the evening routine, at some length.</p>" for n in range(5)
        )
        pages[f"/post-{i}"] = Page(f"<html><head><title>Post {i}</title>{head}</head><body><article><h1>Post {i}</h1>"
                                   f"{body}</article></body></html>".encode())  # fmt: skip
    db = tmp_path / "a.db"
    with serve(pages) as url:
        result = run_cli("crawl", url + "/", "--db", str(db), "--quiet")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select excerpt, excerpt_source, author from posts order by url").fetchall()
    assert rows == [(f"Post {i} paragraph 0 about rest and the evening routine, at some length.", "body", None)
                    for i in range(3)]  # fmt: skip


def test_json_ld_describing_many_posts_makes_a_listing() -> None:
    """Docusaurus's list pages describe a Blog and each of its posts: a listing, not a post."""
    blog = {"@context": "https://schema.org", "@type": "Blog", "blogPost": [
        {"@type": "BlogPosting", "headline": "One"}, {"@type": "BlogPosting", "headline": "Two"}]}  # fmt: skip
    page = f'<html><head><script type="application/ld+json">{json.dumps(blog)}</script></head><body></body></html>'
    evidence = page_evidence(lxml.html.fromstring(page), cards=0)
    assert classify(evidence, False, ShapeLearner(), "https://b.example/") == "not"
    one = {"@context": "https://schema.org", "@type": "BlogPosting", "headline": "One", "isPartOf": {"@type": "Blog"}}
    page = f'<html><head><script type="application/ld+json">{json.dumps(one)}</script></head><body></body></html>'
    assert (
        classify(page_evidence(lxml.html.fromstring(page), cards=0), False, ShapeLearner(), "https://b.example/one")
        == "post"
    )
