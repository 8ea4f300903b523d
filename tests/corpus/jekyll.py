"""Jekyll 4 (Debian's `jekyll`) with its default theme minima 2.5, jekyll-feed, jekyll-sitemap and jekyll-seo-tag.

Inputs: one Markdown file per post in _posts/ with YAML front matter (title,
date with the site's offset, author, category, tags, excerpt; last_modified_at
for edited posts), in the Asia/Kolkata zone (+05:30: a half-hour offset).
minima marks the post up as an h-entry and with schema.org microdata,
jekyll-seo-tag adds JSON-LD (headline, dates, author, description from the
excerpt); the home page lists every post with its excerpt (`show_excerpts`).
minima renders no tags, and the feed lists tags and categories alike: tags are
not scored here.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

from tests.corpus import Blog, Truth, need
from tests.corpus.content import CorpusPost, corpus_posts, yaml_front_matter
from tests.corpus.serving import serve_folder

ZONE = "Asia/Kolkata"
_CONFIG = """\
title: Quiet Hours Notes
description: Notes from a small practice
url: {origin}
baseurl: ""
timezone: {zone}
theme: minima
show_excerpts: true
permalink: /:year/:month/:day/:title:output_ext
plugins:
  - jekyll-feed
  - jekyll-sitemap
  - jekyll-seo-tag
"""


def _post(post: CorpusPost) -> str:
    front = {
        "layout": "post",
        "title": post.title,
        "date": post.published.strftime("%Y-%m-%d %H:%M:%S %z"),
        "author": post.author,
        "category": post.category,
        "tags": list(post.tags),
        "excerpt": post.excerpt,
    }
    if post.modified:
        front["last_modified_at"] = post.modified.strftime("%Y-%m-%d %H:%M:%S %z")
    header = yaml_front_matter(front)
    paragraphs = post.markdown_blocks()
    return f"---\n{header}\n---\n\n" + "\n\n".join(paragraphs) + "\n"


def _url(origin: str, post: CorpusPost) -> str:
    """The permalink `/:year/:month/:day/:title:output_ext` gives, in the site's zone."""
    return f"{origin}/{post.published:%Y/%m/%d}/{quote(post.slug)}.html"


@contextmanager
def blog(work: Path) -> Iterator[Blog]:
    jekyll = need("jekyll")
    posts = corpus_posts(ZONE)
    src, out = work / "site", work / "_site"
    (src / "_posts").mkdir(parents=True, exist_ok=True)
    for post in posts:
        name = f"{post.published:%Y-%m-%d}-{post.slug}.md"
        (src / "_posts" / name).write_text(_post(post), encoding="utf-8")
    (src / "index.md").write_text("---\nlayout: home\n---\n", encoding="utf-8")
    (src / "about.md").write_text("---\nlayout: page\ntitle: About\npermalink: /about/\n---\n\nA small practice.\n")
    with serve_folder(out) as origin:
        (src / "_config.yml").write_text(_CONFIG.format(origin=origin, zone=ZONE), encoding="utf-8")
        subprocess.run([jekyll, "build", "--quiet", "-s", str(src), "-d", str(out)], check=True, capture_output=True)
        yield Blog(
            name="jekyll-minima",
            start_url=origin + "/",
            # jekyll-seo-tag states dateModified for every post: the published date until edited
            posts=[Truth(_url(origin, p), replace(p, modified=p.modified or p.published)) for p in posts],
            renders=frozenset({"title", "published", "time", "modified", "excerpt", "author"}),
        )
