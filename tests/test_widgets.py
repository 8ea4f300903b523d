from __future__ import annotations

import lxml.html

from blogarchive.widgets import drop_dated_link_lists

URL = "https://clinic.example/this-post"

ARTICLE = """<div class="post"><h1>This post</h1>
<p>Opening paragraph of this post about steady routines.</p>
<p>Second paragraph that continues the thought.</p></div>"""

WRAPPED = """<div class="side"><h3>Recent Posts</h3>
<div class="item"><span>February 5, 2026</span><a href="/other-one">An excerpt of another post.</a></div>
<div class="item"><span>January 29, 2026</span><a href="/other-two">Title of a second post</a></div>
<div class="item"><span>January 22, 2026</span><a href="/other-three">A third post's excerpt.</a></div>
</div>"""

FLAT = """<h3>Latest</h3>
<p>February 5, 2026</p><p><a href="/other-one">An excerpt of another post.</a></p>
<p>January 29, 2026</p><p><a href="/other-two">Title of a second post</a></p>"""


def _page(*parts: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(f"<html><body><main>{''.join(parts)}</main></body></html>")


def test_wrapped_widget_is_removed_whole() -> None:
    tree = _page(ARTICLE, WRAPPED)
    assert len(drop_dated_link_lists(tree, URL)) == 1
    text = tree.text_content()
    assert "Opening paragraph" in text
    assert "Recent Posts" not in text and "2026" not in text and "another post" not in text


def test_flat_widget_beside_the_article_is_removed_but_not_the_article() -> None:
    # date and link as siblings inside the same container as the article itself
    tree = _page(f'<div class="content">{ARTICLE}{FLAT}</div>')
    assert len(drop_dated_link_lists(tree, URL)) == 1
    text = tree.text_content()
    assert "Opening paragraph" in text and "Second paragraph" in text
    assert "Latest" not in text and "February 5, 2026" not in text and "second post" not in text


def test_dated_list_without_links_is_body_content() -> None:
    timeline = "<ul><li><b>March 3, 2025</b> We opened.</li><li><b>May 9, 2025</b> We grew.</li></ul>"
    tree = _page(ARTICLE, timeline)
    assert drop_dated_link_lists(tree, URL) == []
    assert "We opened." in tree.text_content()


def test_links_to_other_sites_are_not_a_widget() -> None:
    press = (
        '<div><p>February 5, 2026</p><a href="https://news.example/a">Press one</a>'
        '<p>January 5, 2026</p><a href="https://news.example/b">Press two</a></div>'
    )
    tree = _page(ARTICLE, press)
    assert drop_dated_link_lists(tree, URL) == []


def test_widget_entries_are_evidence_about_the_posts_they_list() -> None:
    for html in (_page(ARTICLE, WRAPPED), _page(f'<div class="content">{ARTICLE}{FLAT}</div>')):
        (entries,) = drop_dated_link_lists(html, URL)
        assert (entries[0].date_text, entries[0].url) == ("February 5, 2026", "https://clinic.example/other-one")
        assert (entries[1].date_text, entries[1].url) == ("January 29, 2026", "https://clinic.example/other-two")
