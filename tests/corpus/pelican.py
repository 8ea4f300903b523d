"""Pelican 4 (PyPI) with one of its two bundled themes, notmyidea or simple, and pelican-sitemap.

Inputs: one Markdown file per post with Pelican's metadata header (Title, Date
and Modified in the site's TIMEZONE, Author, Category, Tags, Slug, Summary).
Both themes print the date with its time and offset in hAtom markup
(`abbr.published[title]` in notmyidea, `time.published[datetime]` in simple),
the author in `address.vcard`, and list tags as rel-less `/tag/` links; the
index shows each post's Summary.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

from tests.corpus import Blog, Truth
from tests.corpus.content import corpus_posts
from tests.corpus.serving import serve_folder

ZONE = "America/New_York"
_CONF = """\
SITENAME = "Quiet Hours Notes"
AUTHOR = "Dr. Maya Ellison"
SITEURL = {origin!r}
TIMEZONE = {zone!r}
DEFAULT_LANG = "en"
THEME = {theme!r}
DEFAULT_PAGINATION = 8
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
SITEMAP = {{"format": "xml"}}
RELATIVE_URLS = False
"""


def _header(post) -> str:
    lines = [
        f"Title: {post.title}",
        f"Date: {post.published:%Y-%m-%d %H:%M}",
        f"Author: {post.author}",
        f"Category: {post.category}",
        f"Tags: {', '.join(post.tags)}",
        f"Slug: {post.slug}",
        f"Summary: {post.excerpt}",
    ]
    if post.modified:
        lines.insert(2, f"Modified: {post.modified:%Y-%m-%d %H:%M}")
    return "\n".join(lines)


def _markdown(post) -> str:
    paragraphs = post.markdown_blocks()
    return _header(post) + "\n\n" + "\n\n".join(paragraphs) + "\n"


@contextmanager
def blog(theme: str, work: Path) -> Iterator[Blog]:
    posts = corpus_posts(ZONE)
    src, out = work / "content", work / "output"
    src.mkdir(parents=True, exist_ok=True)
    for post in posts:
        (src / f"{post.index:02d}-{post.slug}.md").write_text(_markdown(post), encoding="utf-8")
    with serve_folder(out) as origin:
        conf = work / "pelicanconf.py"
        conf.write_text(_CONF.format(origin=origin, zone=ZONE, theme=theme), encoding="utf-8")
        subprocess.run([sys.executable, "-m", "pelican", str(src), "-o", str(out), "-s", str(conf), "-q"],
                       check=True, capture_output=True)  # fmt: skip
        yield Blog(
            name=f"pelican-{theme}",
            start_url=origin + "/",
            # the feeds' <updated> states a modified date for every post: the published one until edited
            posts=[
                Truth(f"{origin}/{quote(p.slug)}.html", replace(p, modified=p.modified or p.published)) for p in posts
            ],
            renders=frozenset({"title", "published", "time", "modified", "excerpt", "author", "tags"}),
        )
