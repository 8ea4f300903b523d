"""Markdown with YAML front matter, one page bundle per post (Hugo, Jekyll, Eleventy read it).

OUT/<slug>/index.md      front matter + body as Markdown
OUT/<slug>/<image>       the post's downloaded images, linked from the body
"""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from blogarchive.paths import check_writable, inside, link_map, rewrite_markdown_links, slugify, unique_slugs


def new_path(slug: str, base_path: str) -> str:
    """The post's path on the new site, e.g. /posts/my-post/."""
    return f"/{base_path.strip('/')}/{slug}/".replace("//", "/")


def old_paths(post: dict[str, Any]) -> list[str]:
    """The paths the post was reachable at: its URL and every alias, decoded (/über-…, not
    /%C3%BCber-…), as Hugo writes its alias folders and a web server matches a request."""
    urls = [post["url"], *post.get("aliases", [])]
    return list(dict.fromkeys(unquote(urlsplit(u).path) or "/" for u in urls))


def copy_assets(post: dict[str, Any], folder: Path, stored: dict[str, Path]) -> dict[str, str]:
    """Copy the post's downloaded images into *folder*; original URL → local file name."""
    local: dict[str, str] = {}
    taken: set[str] = set()
    for image in post.get("images", []):
        source = stored.get(image["url"])
        if source is None or not source.exists():
            continue  # not downloaded (crawl without --assets): the body keeps the original URL
        stem = slugify(PurePosixPath(unquote(urlsplit(image["url"]).path)).stem) or "image"
        name, n = f"{stem}{source.suffix}", 2
        while name in taken:
            name, n = f"{stem}-{n}{source.suffix}", n + 1
        taken.add(name)
        shutil.copyfile(source, inside(folder, name))
        local[image["url"]] = name
    return local


class _NoAliases(yaml.SafeDumper):
    """YAML without anchors: a value used twice is written out twice (`&id001` … `*id001`
    reads back the same in YAML, but not in every front-matter parser)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def front_matter_yaml(matter: dict[str, Any]) -> str:
    return yaml.dump(matter, Dumper=_NoAliases, sort_keys=False, allow_unicode=True, width=1000)


def front_matter(post: dict[str, Any], slug: str) -> dict[str, Any]:
    matter: dict[str, Any] = {"title": post.get("title") or slug, "date": post.get("published")}
    if post.get("modified"):
        matter["lastmod"] = post["modified"]
    matter["slug"] = slug
    matter["aliases"] = old_paths(post)  # Hugo (Jekyll has its own export: blogarchive.export_jekyll)
    if post.get("author"):
        matter["author"] = post["author"]
    matter["tags"] = post.get("tags", [])
    matter["categories"] = post.get("categories", [])
    if post.get("excerpt"):
        matter["summary"] = post["excerpt"]
    matter["original_url"] = post["url"]
    if post.get("removed_at"):
        matter["draft"] = True  # removed from the old site: kept, not published
    return {k: v for k, v in matter.items() if v is not None}


def export_markdown(posts: list[dict[str, Any]], out: Path, stored: dict[str, Path], force: bool) -> int:
    """Write every post as OUT/<slug>/index.md with its images beside it; return the count."""
    slugs = unique_slugs(posts)
    check_writable([inside(out, slug, "index.md") for slug in slugs.values()], force)
    # a bundle links to another by its folder: ../other-slug/ (any base path the site uses)
    links = link_map(posts, {url: f"../{slug}/" for url, slug in slugs.items()})
    for post in posts:
        slug = slugs[post["url"]]
        folder = inside(out, slug)
        folder.mkdir(parents=True, exist_ok=True)
        body = rewrite_markdown_links(post.get("body_markdown") or post.get("body_text") or "", links)
        for url, name in copy_assets(post, folder, stored).items():
            body = body.replace(f"]({url})", f"]({name})")
        matter = front_matter_yaml(front_matter(post, slug))
        inside(folder, "index.md").write_text(f"---\n{matter}---\n\n{body.strip()}\n", encoding="utf-8")
    return len(posts)
