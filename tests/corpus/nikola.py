"""Nikola 8 (PyPI) with its default theme bootblog4: `nikola init`'s configuration, ours set on top.

Inputs: one Markdown file per post in posts/ with Nikola's metadata comment
(title, slug, date with the site's offset, author, category, tags,
description), in the America/Sao_Paulo zone (-03:00).  Nikola marks the post up
as an h-entry (dt-published with the offset, p-author h-card, p-category tag
links), prints the description as the meta description, the feed's
description is the whole post; index pages (10 posts each) show posts in full.
Nikola writes no modified date for posts that state none.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from tests.corpus import Blog, Truth
from tests.corpus.content import CorpusPost, corpus_posts
from tests.corpus.serving import serve_folder

ZONE = "America/Sao_Paulo"
# appended to the conf.py `nikola init` writes: later assignments win
_CONF = """
BLOG_TITLE = "Quiet Hours Notes"
BLOG_AUTHOR = "Quiet Hours"
BLOG_DESCRIPTION = "Notes from a small practice"
SITE_URL = {origin!r}
TIMEZONE = {zone!r}
INDEX_DISPLAY_POST_COUNT = 10
"""


def _post(post: CorpusPost) -> str:
    meta = {
        "title": post.title,
        "slug": post.slug,
        # local time, in TIMEZONE: Nikola's dateutil reads "UTC-03:00" the POSIX way, as +03:00
        "date": f"{post.published:%Y-%m-%d %H:%M:%S}",
        "author": post.author,
        "category": post.category,
        "tags": ", ".join(post.tags),
        "description": post.excerpt,
        "type": "text",
    }
    if post.modified:
        meta["updated"] = f"{post.modified:%Y-%m-%d %H:%M:%S}"
    header = "\n".join(f".. {key}: {value}" for key, value in meta.items())
    paragraphs = post.markdown_blocks()
    return f"<!--\n{header}\n-->\n\n" + "\n\n".join(paragraphs) + "\n"


@contextmanager
def blog(work: Path) -> Iterator[Blog]:
    nikola = [sys.executable, "-m", "nikola"]  # installed with the test extras (pyproject.toml)
    posts = corpus_posts(ZONE)
    site = work / "site"
    subprocess.run([*nikola, "init", "--quiet", str(site)], check=True, capture_output=True)
    for post in posts:
        (site / "posts" / f"{post.index:02d}.md").write_text(_post(post), encoding="utf-8")
    out = site / "output"
    with serve_folder(out) as origin:
        with (site / "conf.py").open("a", encoding="utf-8") as conf:
            conf.write(_CONF.format(origin=origin + "/", zone=ZONE))
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([*nikola, "build"], cwd=site, check=True, capture_output=True)
        yield Blog(
            name="nikola-bootblog4",
            start_url=origin + "/",
            posts=[Truth(f"{origin}/posts/{quote(p.slug)}/", p) for p in posts],
            renders=frozenset({"title", "published", "time", "modified", "excerpt", "author", "tags"}),
        )
