"""Hexo 8 (npm) with its default theme landscape, hexo-generator-feed and hexo-generator-sitemap.

Inputs: one Markdown file per post in source/_posts/ with front matter (title,
date and updated in the site's timezone, Asia/Tokyo, +09:00; tags, categories,
description) and a `<!-- more -->` after the first paragraph.  landscape marks
posts up as h-entry and schema.org microdata; it prints the local day, while
every machine-readable date (datetime attributes, OpenGraph, the Atom feed) is
in UTC: no source states the blog's offset, so the time of day is not scored,
only the day the blog shows (in its permalinks).  The summary is the post's
description (meta tags, the feed's <summary>); the index shows the text
before `more`.  landscape shows no author, and a modified date only as the
source file's time: neither is scored.

The npm packages are installed once into .cache/corpus/hexo (ignored by git).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from tests.corpus import Blog, Truth, need
from tests.corpus.content import CorpusPost, corpus_posts, yaml_front_matter
from tests.corpus.serving import npm_modules, serve_folder

ZONE = "Asia/Tokyo"
PACKAGE = {
    "name": "corpus-hexo",
    "private": True,
    "hexo": {"version": "8.1.2"},
    "dependencies": {
        "hexo": "8.1.2", "hexo-theme-landscape": "1.1.0", "hexo-generator-feed": "3.0.0",
        "hexo-generator-sitemap": "3.0.1", "hexo-generator-index": "4.0.0", "hexo-generator-archive": "2.0.0",
        "hexo-generator-category": "2.0.0", "hexo-generator-tag": "2.0.0", "hexo-renderer-marked": "7.0.1",
        "hexo-renderer-ejs": "2.0.0", "hexo-renderer-stylus": "3.0.1",
    },
}  # fmt: skip
_CONFIG = """\
title: Quiet Hours Notes
description: Notes from a small practice
author: Quiet Hours
language: en
timezone: {zone}
url: {origin}
permalink: :year/:month/:day/:title/
per_page: 10
theme: landscape
feed:
  type: atom
  path: atom.xml
sitemap:
  path: sitemap.xml
"""


def _post(post: CorpusPost) -> str:
    front = {
        "title": post.title,
        "date": f"{post.published:%Y-%m-%d %H:%M:%S}",
        "tags": list(post.tags),
        "categories": [post.category],
        "description": post.excerpt,
    }
    if post.modified:
        front["updated"] = f"{post.modified:%Y-%m-%d %H:%M:%S}"
    header = yaml_front_matter(front)
    paragraphs = post.markdown_blocks()
    # the text before <!-- more --> is what the index shows; the post's summary is its
    # description, which Hexo states in the meta tags and as the feed's <summary>
    return f"---\n{header}\n---\n\n{paragraphs[0]}\n\n<!-- more -->\n\n" + "\n\n".join(paragraphs[1:]) + "\n"


@contextmanager
def blog(work: Path) -> Iterator[Blog]:
    need("node")
    modules = npm_modules("hexo", PACKAGE, "hexo")
    posts = corpus_posts(ZONE)
    site = work / "site"
    (site / "source" / "_posts").mkdir(parents=True, exist_ok=True)
    (site / "node_modules").symlink_to(modules)
    (site / "package.json").write_text(json.dumps(PACKAGE))
    for post in posts:
        (site / "source" / "_posts" / f"{post.slug}.md").write_text(_post(post), encoding="utf-8")
    out = site / "public"
    with serve_folder(out) as origin:
        (site / "_config.yml").write_text(_CONFIG.format(origin=origin, zone=ZONE), encoding="utf-8")
        # Hexo dates permalinks in the machine's zone: an author's machine in the blog's zone
        env = {**os.environ, "TZ": ZONE}
        subprocess.run([str(modules / ".bin" / "hexo"), "generate", "--silent"], cwd=site, env=env, check=True,
                       capture_output=True)  # fmt: skip
        yield Blog(
            name="hexo-landscape",
            start_url=origin + "/",
            posts=[Truth(f"{origin}/{p.published:%Y/%m/%d}/{quote(p.slug)}/", p) for p in posts],
            renders=frozenset({"title", "published", "excerpt", "tags"}),
        )
