from __future__ import annotations

from blogarchive.demo.site import DemoPost, Page
from blogarchive.listing import parse_listing


def test_demo_index_cards_are_exact(site: dict[str, Page], posts: list[DemoPost]) -> None:
    base = "http://127.0.0.1:9/"
    listing = parse_listing(site["/blog"].body, base + "blog")
    assert [c.url for c in listing.cards] == [base + p.slug for p in posts[:10]]
    for card, post in zip(listing.cards, posts, strict=False):
        assert (card.title, card.date_text, card.excerpt) == (post.title, post.date_text, post.excerpt)
    # every other index page, and no nav link (About, Contact) taken for a post
    assert {base + f"blog?page={n}" for n in (2, 3, 4, 5)} <= set(listing.next_pages)
    assert not any("about" in c.url or "contact" in c.url for c in listing.cards)


def test_wordpress_style_listing() -> None:
    html = """<html><body><nav><a href="/about/">About</a></nav>
    <article><h2 class="entry-title"><a href="/2025/05/first-post/">First post</a></h2>
      <div class="entry-meta">Posted on <time datetime="2025-05-01T09:00:00+00:00">May 1, 2025</time></div>
      <div class="entry-summary"><p>Summary of the first post.</p></div>
      <a href="/2025/05/first-post/" class="more-link">Continue reading</a></article>
    <article><h2 class="entry-title"><a href="/2025/04/second-post/">Second post</a></h2>
      <div class="entry-meta">Posted on <time datetime="2025-04-03T09:00:00+00:00">April 3, 2025</time></div>
      <div class="entry-summary"><p>Summary of the second post.</p></div></article>
    <div class="nav-links"><a class="next page-numbers" href="/page/2/">Older posts</a></div>
    </body></html>"""
    listing = parse_listing(html, "https://blog.example/")
    assert [(c.url, c.title, c.date_text, c.excerpt) for c in listing.cards] == [
        ("https://blog.example/2025/05/first-post/", "First post", "May 1, 2025", "Summary of the first post."),
        ("https://blog.example/2025/04/second-post/", "Second post", "April 3, 2025", "Summary of the second post."),
    ]
    assert listing.next_pages == ["https://blog.example/page/2/"]


def test_links_without_a_date_are_not_cards() -> None:
    html = (
        '<html><body><ul><li><a href="/services">Services</a></li><li><a href="/team">Team</a></li></ul></body></html>'
    )
    assert parse_listing(html, "https://clinic.example/blog").cards == []


def test_a_read_more_link_with_tracking_parameters_is_the_same_card() -> None:
    """Title link relative, "Read more" absolute with utm parameters: one post, one card."""
    cards = "".join(
        f"""<div class="item"><p class="when">March {n}, 2026</p>
        <h3><a href="/note-{n}">Note {n}</a></h3><p>What note {n} is about, in a sentence.</p>
        <a href="https://clinic.example/note-{n}?utm_source=newsletter&amp;utm_medium=read_more">Read more</a></div>"""
        for n in (1, 2, 3)
    )
    listing = parse_listing(f"<html><body><main>{cards}</main></body></html>", "https://clinic.example/blog")
    assert [(c.url, c.title, c.date_text, c.excerpt) for c in listing.cards] == [
        (f"https://clinic.example/note-{n}", f"Note {n}", f"March {n}, 2026", f"What note {n} is about, in a sentence.")
        for n in (1, 2, 3)
    ]


def test_an_index_page_with_one_card_keeps_the_page_heading_and_pager_out() -> None:
    """The last page of a pagination, or a new blog, lists one post: nothing else bounds its card."""
    html = """<html><body><main><div class="wrap"><h1>Blog</h1><p class="lede">Notes from the clinic.</p>
    <div class="list"><div class="card"><p>March 3, 2026</p><h2><a href="/only-post">Only post</a></h2>
    <p>What the only post is about.</p></div></div>
    <div class="pager"><a href="/blog?page=1">Newer posts</a> <span>2</span></div></div></main></body></html>"""
    listing = parse_listing(html, "https://clinic.example/blog")
    assert [(c.title, c.date_text, c.excerpt) for c in listing.cards] == [
        ("Only post", "March 3, 2026", "What the only post is about.")
    ]


def test_an_entry_element_is_the_card_even_with_headings_in_its_summary() -> None:
    """hAtom/<article> cards whose summary holds its own subheadings (full-content indexes)."""
    html = """<html><body><h1>Blog</h1><div class="hentry"><h2><a href="/a-post">A post</a></h2>
    <div><time datetime="2026-03-03">March 3, 2026</time><span class="author">Dr. Quill</span></div>
    <div class="entry-content"><p>The post opens here.</p><h2>A section<a href="#a-section">#</a></h2>
    <p>And goes on.</p></div></div></body></html>"""
    # the heading's own anchor link leads to this index page (its second page): no pager link
    (card,) = parse_listing(html, "https://clinic.example/blog/page/2/").cards
    assert (card.title, card.date_text) == ("A post", "March 3, 2026")
    assert card.excerpt == "Dr. Quill The post opens here. A section# And goes on."
