"""Docusaurus 3 (npm) with its classic preset, in blog-only mode (the blog at the site's root).

Inputs: one Markdown file per post in blog/ with front matter (title, date with
the author's offset, authors given inline, tags, slug, description).  Docusaurus
renders a post's date in UTC (`<time datetime="…Z">`, and the day shown is the
UTC day), so the truth of the date is the UTC moment.  Its list pages show each
post in full (no truncate marker), its description is the post's summary (meta
description, OpenGraph, the feed).  It renders no modified date without git.

The npm packages are installed once into .cache/corpus/docusaurus (ignored by git).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC
from pathlib import Path
from urllib.parse import quote

from tests.corpus import Blog, Truth, need
from tests.corpus.content import CorpusPost, corpus_posts
from tests.corpus.serving import npm_modules, serve_folder

ZONE = "Europe/Berlin"
VERSION = "3.10.2"
_PACKAGE = {
    "name": "corpus-docusaurus",
    "private": True,
    "dependencies": {"@docusaurus/core": VERSION, "@docusaurus/preset-classic": VERSION,
                     "react": "^19.0.0", "react-dom": "^19.0.0"},
}  # fmt: skip
_CONFIG = """\
module.exports = {{
  title: 'Quiet Hours Notes',
  tagline: 'Notes from a small practice',
  url: {origin!r},
  baseUrl: '/',
  onBrokenLinks: 'warn',
  presets: [['classic', {{
    docs: false,
    pages: false,
    blog: {{routeBasePath: '/', postsPerPage: 10, showReadingTime: false,
            onUntruncatedBlogPosts: 'ignore', feedOptions: {{type: 'all'}}}},
    theme: {{}},
  }}]],
}};
"""


def _post(post: CorpusPost) -> str:
    front = {
        "title": post.title,
        "slug": f"/{post.slug}",
        "date": post.published.isoformat(),
        "authors": [{"name": post.author}],
        "tags": list(post.tags),
        "description": post.excerpt,
    }
    paragraphs = post.markdown_blocks()
    # the date as a YAML timestamp (unquoted): Docusaurus's archive page reads it as a date
    header = "\n".join(f"{key}: {value if key == 'date' else json.dumps(value, ensure_ascii=False)}"
                       for key, value in front.items())  # fmt: skip
    return f"---\n{header}\n---\n\n" + "\n\n".join(paragraphs) + "\n"


def _in_utc(post: CorpusPost) -> CorpusPost:
    """The post as Docusaurus renders its date: the UTC moment."""
    return replace(post, published=post.published.astimezone(UTC))


@contextmanager
def blog(work: Path) -> Iterator[Blog]:
    need("node")
    modules = npm_modules("docusaurus", _PACKAGE, "@docusaurus/core")
    posts = corpus_posts(ZONE)
    site, out = work / "site", work / "build"
    (site / "blog").mkdir(parents=True, exist_ok=True)
    (site / "node_modules").symlink_to(modules)
    (site / "package.json").write_text(json.dumps(_PACKAGE))
    for post in posts:
        (site / "blog" / f"{post.published:%Y-%m-%d}-{post.index:02d}.md").write_text(_post(post), encoding="utf-8")
    with serve_folder(out) as origin:
        (site / "docusaurus.config.js").write_text(_CONFIG.format(origin=origin))
        env = {**os.environ, "DOCUSAURUS_TELEMETRY_DISABLED": "1", "CI": "true"}
        command = [str(modules / ".bin" / "docusaurus"), "build", "--out-dir", str(out)]
        shutil.rmtree(out, ignore_errors=True)
        # webpack's cache in node_modules/.cache remembers another site folder's paths: a build
        # in a new folder then renders posts without their metadata
        shutil.rmtree(modules / ".cache", ignore_errors=True)
        built = subprocess.run(command, cwd=site, env=env, capture_output=True, text=True)
        if built.returncode:
            raise RuntimeError(f"docusaurus build failed: {built.stderr[-3000:]}")
        yield Blog(
            name="docusaurus-classic",
            start_url=origin + "/",
            posts=[Truth(f"{origin}/{quote(p.slug)}", _in_utc(p)) for p in posts],
            renders=frozenset({"title", "published", "time", "excerpt", "author", "tags"}),
        )
