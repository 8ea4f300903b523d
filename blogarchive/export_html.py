"""A self-contained static archive a person can open from disk.

    OUT/index.html          every post by date, with its excerpt, and a search box
    OUT/posts/<slug>.html   one page per post
    OUT/assets/<file>       the downloaded images the posts use

Post bodies are cleaned again (no scripts, styles, inline handlers, javascript:
links, forms or frames) and every value is HTML-escaped.
"""

from __future__ import annotations

import json
import os
import shutil
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml_html_clean import Cleaner

from blogarchive.paths import check_writable, inside, link_map, unique_slugs

_CLEANER = Cleaner(
    scripts=True, javascript=True, comments=True, style=True, inline_style=True, links=True, meta=True,
    page_structure=False, processing_instructions=True, embedded=True, frames=True, forms=True,
    annoying_tags=True, remove_unknown_tags=False, safe_attrs_only=True,
)  # fmt: skip
_STYLE = (
    "body{font:17px/1.55 Georgia,serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "a{color:#1a5a8a}li{margin:0 0 1rem}time{color:#666;font-size:.9rem}img{max-width:100%}"
    "input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}.excerpt{margin:.2rem 0}"
)
# Filters the list as the reader types; ?q=words on the URL fills the box (a link to a search).
_SEARCH = """
const box = document.getElementById('q');
const posts = Array.from(document.querySelectorAll('#posts li'));
function filter() {
  const words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
  let shown = 0;
  for (const li of posts) {
    const hit = words.every(w => li.dataset.search.includes(w));
    li.hidden = !hit;
    shown += hit;
  }
  document.getElementById('count').textContent = shown + ' of ' + posts.length + ' posts';
}
box.addEventListener('input', filter);
box.value = new URLSearchParams(location.search).get('q') || '';
filter();
"""


def clean_body(html: str) -> str:
    """A post body with nothing executable left in it."""
    if not html.strip():
        return ""
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    return "".join(lxml.html.tostring(child, encoding="unicode") for child in _CLEANER.clean_html(fragment))


def _page(title: str, body: str, script: str = "") -> str:
    tail = f"<script>{script}</script>" if script else ""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>'
        f"<body>{body}{tail}</body></html>\n"
    )


def _rewrite_images(html: str, local: dict[str, str], links: dict[str, str] | None = None) -> str:
    """Images at their saved copies; links to other archived posts at their pages here, so
    that the archive opened from disk never leaves itself."""
    if not html or not (local or links):
        return html
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    for img in fragment.iter("img"):
        if img.get("src") in local:
            img.set("src", local[img.get("src")])
    for a in fragment.iter("a"):
        href, _, anchor = (a.get("href") or "").partition("#")
        if links and href in links:
            a.set("href", links[href] + (f"#{anchor}" if anchor else ""))
    return "".join(lxml.html.tostring(child, encoding="unicode") for child in fragment)


def archive_name(posts: list[dict[str, Any]]) -> str:
    """The archive's title: its blog's name in a sites file, else the old site's host."""
    sites = {p.get("site") for p in posts}
    hosts = {urlsplit(p["url"]).hostname or "" for p in posts}
    if len(sites) == 1 and (site := sites.pop()):
        return f"{site}: blog archive"
    return f"{hosts.pop()}: blog archive" if len(hosts) == 1 else "Blog archive"


def export_html(posts: list[dict[str, Any]], out: Path, stored: dict[str, Path], force: bool) -> int:
    """Write the static archive of *posts* into *out*; return the count."""
    slugs = unique_slugs(posts)
    pages = {p["url"]: inside(out, "posts", f"{slugs[p['url']]}.html") for p in posts}
    check_writable([inside(out, "index.html"), *pages.values()], force)
    links = link_map(posts, {url: f"{slug}.html" for url, slug in slugs.items()})  # posts/ beside posts/
    inside(out, "posts").mkdir(parents=True, exist_ok=True)
    items: list[str] = []
    years: dict[str, int] = {}  # newest first, as the posts come
    for post in posts:
        local: dict[str, str] = {}
        for image in post.get("images", []):
            source = stored.get(image["url"])
            if source is not None and source.exists():
                target = inside(out, "assets", source.name)  # content-addressed: one copy per file
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    shutil.copyfile(source, target)
                else:
                    os.utime(target)  # kept by this export too (blogarchive.paths.settle_export)
                local[image["url"]] = f"../assets/{source.name}"
        title, day = post.get("title") or slugs[post["url"]], (post.get("published") or "")[:10]
        meta = " · ".join(escape(x) for x in (day, post.get("author") or "", ", ".join(post.get("tags", []))) if x)
        content = clean_body(_rewrite_images(post.get("body_html") or "", local, links))
        body = (
            f'<p><a href="../index.html">← All posts</a></p><article><h1>{escape(title)}</h1>'
            f"<p><time>{meta}</time></p>{content}</article>"
            f'<p><small>Archived from <a href="{escape(post["url"])}">{escape(post["url"])}</a></small></p>'
        )
        pages[post["url"]].write_text(_page(title, body), encoding="utf-8")
        # what the search box reads: title, excerpt, tags and categories, not the whole body (the
        # index would weigh as much as every post: 1 MB for 600 posts)
        terms = [title, post.get("excerpt") or "", *post.get("tags", []), *post.get("categories", [])]
        year = day[:4] or "undated"
        anchor = f' id="y{year}"' if year not in years else ""
        years.setdefault(year, 0)
        years[year] += 1
        items.append(
            f'<li{anchor} data-search="{escape(" ".join(terms).lower())}">'
            f'<a href="posts/{escape(pages[post["url"]].name)}">{escape(title)}</a>'
            f' <time>{escape(day)}</time><p class="excerpt">{escape(post.get("excerpt") or "")}</p></li>'
        )
    name = archive_name(posts)
    by_year = " · ".join(f'<a href="#y{escape(y)}">{escape(y)}</a> ({n})' for y, n in years.items())
    index = (
        f'<h1>{escape(name)}</h1><p id="count">{len(posts)} posts</p><nav><p>{by_year}</p></nav>'
        '<p><input id="q" type="search" placeholder="Search titles, excerpts and tags" aria-label="Search"></p>'
        f'<ul id="posts">{"".join(items)}</ul><p><small>{escape(json.dumps(len(posts)))} posts exported by '
        "blogarchive.</small></p>"
    )
    inside(out, "index.html").write_text(_page(name, index, _SEARCH), encoding="utf-8")
    return len(posts)
