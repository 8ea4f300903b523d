"""Contract tests of the dependency seams (blogarchive.seams): what blogarchive relies on in
trafilatura, htmldate and the process pool, beyond or beside their documented API.  A failure
here after an upgrade names the seam to mend; the rest of the code does not touch these names."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta

import lxml.html
import pytest
from htmldate import find_date
from lxml import etree
from trafilatura import bare_extraction

from blogarchive.demo.site import build_site, load_posts
from blogarchive.extract import _OPTIONS
from blogarchive.seams.htmldate_api import page_date, url_date
from blogarchive.seams.pool_api import kill_workers
from blogarchive.seams.trafilatura_api import (
    Document,
    announced_feeds,
    extract,
    feed_links,
    page_metadata,
    to_html,
    to_text,
)

PAGE = """<html lang="en"><head><title>Quiet mornings | A Blog</title>
<meta name="author" content="Robin Vale"><meta name="description" content="On slow starts.">
<meta property="article:published_time" content="2024-03-05T08:00:00Z">
<link rel="alternate" type="application/rss+xml" href="/feed/"></head>
<body><article><h1>Quiet mornings</h1>
<p>The first paragraph of the post talks about waking early and making tea while the street is still.</p>
<h2>A second part</h2>
<p>A second paragraph with <a href="http://127.0.0.1:8000/other-post/">a link to another post</a> and more words
so that the extractor has enough text to call this an article rather than boilerplate.</p>
<ul><li>one point</li><li>another point</li></ul>
</article></body></html>"""


def _tree() -> lxml.html.HtmlElement:
    return lxml.html.fromstring(PAGE, base_url="http://127.0.0.1:8000/quiet-mornings/")


def test_trafilatura_extracts_a_document_with_the_fields_we_read() -> None:
    tree = _tree()
    before = etree.tostring(tree)
    doc = extract(tree, "http://127.0.0.1:8000/quiet-mornings/", _OPTIONS)
    assert isinstance(doc, Document)
    assert etree.tostring(tree) == before  # it reads a copy: the tree serves a second pass as it was
    assert doc.body is not None and "waking early" in "".join(doc.body.itertext())
    for name in ("title", "author", "tags", "categories", "description", "language", "sitename"):
        assert hasattr(doc, name), name


def _pages_of_many_shapes() -> list[tuple[str, bytes]]:
    """The demo blog's pages, and pages where trafilatura's comparison has something to
    decide: a short note, a table-heavy page, a post with a long comment thread, figures,
    a page whose article is a small part of its text.  (Written for this test.)"""
    site = build_site(load_posts())
    pages = [(path, page.body) for path, page in site.items() if page.body.startswith(b"<!DOCTYPE")]
    words = " ".join(f"word{i}" for i in range(60))
    prose = ". ".join(f"Sentence {i} says something about sleep, mood and rest" for i in range(30))
    shapes = {
        # two where the comparison changes trafilatura's answer (a short text beside a long
        # menu; text in spans, no paragraph)
        "menu": "<nav>" + "".join(f"<a href='/p{i}'>Link {i}</a>" for i in range(20)) + "</nav><p>Short.</p>",
        "spans": f"<div><span>{prose}</span></div><div><span>{prose}</span></div>",
        "short": "<article><p>A short note on opening hours.</p></article>",
        "tables": "<article><p>Fees.</p>" + "<table><tr><td>visit</td><td>fee</td></tr></table>" * 6 + "</article>",
        "comments": f"<article><p>{words}</p></article><section class='comments'>"
        + "".join(f"<div class='comment'><p>Comment {i}: {words}</p></div>" for i in range(12)) + "</section>",
        "figures": f"<article><p>{words}</p><figure><img src='/a.png' alt='a'><figcaption>A caption</figcaption>"
        f"</figure><p>{words}</p></article>",
        "buried": f"<div><p>{words}</p></div>" + "".join(f"<div class='side'><a href='/x{i}'>{words}</a></div>"
                                                         for i in range(8)),
    }  # fmt: skip
    pages += [(name, f"<html><body>{body}</body></html>".encode()) for name, body in shapes.items()]
    return pages


def test_trafilatura_in_two_steps_answers_what_its_full_cascade_answers() -> None:
    """extract() runs the comparison with readability and justext only when it can matter:
    the body and text it returns are the full cascade's, page for page."""
    for path, body in _pages_of_many_shapes():
        url = f"http://127.0.0.1:8000/{path.strip('/')}"
        ours = extract(lxml.html.fromstring(body, base_url=url), url, _OPTIONS)
        full = bare_extraction(lxml.html.fromstring(body, base_url=url), url=url, options=_OPTIONS)
        if full is None:
            assert ours is None, path
            continue
        assert ours is not None, path
        assert etree.tostring(ours.body) == etree.tostring(full.body), path
        assert ours.text == full.text, path


def test_trafilatura_writes_its_body_xml_as_html_and_as_text() -> None:
    body = etree.fromstring(
        '<body><head rend="h2">Part</head><p>One <ref target="http://b.example/x">link</ref>.</p>'
        '<list><item>a</item></list><graphic src="http://b.example/i.png" alt="pic"/><p>Two.</p></body>'
    )
    html = etree.tostring(to_html(body), encoding="unicode")
    assert "<h2>Part</h2>" in html and '<a href="http://b.example/x">link</a>' in html
    assert "<ul>" in html and "<li>a</li>" in html and '<img src="http://b.example/i.png"' in html
    plain = etree.fromstring("<body><p>One.</p><p>Two.</p></body>")
    assert to_text(plain).splitlines() == ["One.", "Two."]


def test_trafilatura_reads_metadata_from_a_whole_page() -> None:
    meta = page_metadata(_tree(), "http://127.0.0.1:8000/quiet-mornings/", _OPTIONS.date_params)
    assert meta.author == "Robin Vale" and meta.description == "On slow starts."
    assert meta.title and "Quiet mornings" in meta.title


def test_trafilatura_finds_feeds_and_their_links_on_an_ip_host() -> None:
    assert announced_feeds(PAGE, "http://127.0.0.1:8000/") == ["http://127.0.0.1:8000/feed/"]
    assert announced_feeds(_tree(), "http://127.0.0.1:8000/") == ["http://127.0.0.1:8000/feed/"]  # a parsed page
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>B</title><link>http://127.0.0.1:8000/</link>'
        "<item><title>P</title><link>http://127.0.0.1:8000/quiet-mornings/</link></item></channel></rss>"
    )
    assert "http://127.0.0.1:8000/quiet-mornings/" in feed_links(rss, "http://127.0.0.1:8000/feed/")


@pytest.mark.parametrize(
    "url",
    ["https://b.example/2025/05/04/slug/", "https://b.example/blog/2019-12-31-new-year", "https://b.example/slug/",
     "https://b.example/2025/13/40/not-a-day/", "https://b.example/2025/05/slug/"],
)  # fmt: skip
def test_htmldate_reads_a_url_date_as_find_date_does(url: str) -> None:
    assert url_date(url) == find_date("<html><body></body></html>", url=url, extensive_search=False)


def test_htmldate_reads_a_page_date_and_never_a_future_one() -> None:
    assert page_date(_tree(), extensive=False) == "2024-03-05"
    later = (date.today() + timedelta(days=400)).isoformat()
    meta = f'<meta property="article:published_time" content="{later}">'
    future = lxml.html.fromstring(f"<html><head>{meta}</head></html>")
    assert page_date(future, extensive=False) is None
    assert url_date(f"https://b.example/{later.replace('-', '/')}/slug/") is None


def _wait() -> None:
    time.sleep(30)


def test_the_pool_seam_kills_every_worker() -> None:
    executor = ProcessPoolExecutor(max_workers=2)
    futures = [executor.submit(_wait) for _ in range(2)]
    deadline = time.monotonic() + 20
    while not all(f.running() for f in futures) and time.monotonic() < deadline:
        time.sleep(0.05)
    processes = list(executor._processes.values())  # what the seam reaches into
    assert kill_workers(executor) == len(processes) >= 1
    # The pool's own management thread reaps broken workers too; when it wins the
    # waitpid race, a join here returns early and is_alive() reads None for a
    # moment, so wait for the exit code rather than trust one join.
    deadline = time.monotonic() + 20
    while any(p.exitcode is None for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(p.exitcode is not None for p in processes)
    executor.shutdown(wait=False, cancel_futures=True)
