"""A Jekyll site's posts: `blogarchive export --format jekyll --output SITE`.

Jekyll builds a post only from `_posts/YYYY-MM-DD-slug.md` (anything else is no post:
not in `site.posts`, so not on the theme's home page, feed or tags), so each dated post
goes there, with the front matter Jekyll and its usual plugins read: `layout: post`,
`date`, `last_modified_at` (jekyll-seo-tag, jekyll-sitemap), `tags`, `categories`,
`excerpt`, `author`, and `redirect_from` for its old paths (the jekyll-redirect-from
plugin; without it Jekyll ignores the key).  A post without a date has no file name
Jekyll would take: it goes to `_drafts/slug.md` (built with `jekyll build --drafts`),
and so does a post removed from the old site.  Images saved by `crawl --assets` are
copied to `assets/posts/SLUG/` and linked through Jekyll's `relative_url`, so that a
site under a baseurl finds them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from blogarchive.export_markdown import copy_assets, front_matter_yaml, old_paths
from blogarchive.paths import check_writable, inside, link_map, rewrite_markdown_links, unique_slugs


def post_file(post: dict[str, Any], slug: str) -> tuple[str, ...]:
    """The post's path in the site: _posts/DATE-slug.md, or _drafts/slug.md without a date."""
    day = (post.get("published") or "")[:10]
    if len(day) == 10 and not post.get("removed_at"):
        return ("_posts", f"{day}-{slug}.md")
    return ("_drafts", f"{slug}.md")


def front_matter(post: dict[str, Any], slug: str) -> dict[str, Any]:
    matter: dict[str, Any] = {"layout": "post", "title": post.get("title") or slug}
    if post.get("published"):
        matter["date"] = post["published"]
    if post.get("modified"):
        matter["last_modified_at"] = post["modified"]
    if post.get("author"):
        matter["author"] = post["author"]
    matter["tags"] = post.get("tags") or []
    matter["categories"] = post.get("categories") or []
    if post.get("excerpt"):
        matter["excerpt"] = post["excerpt"]
    matter["redirect_from"] = old_paths(post)
    matter["original_url"] = post["url"]
    return matter


def export_jekyll(posts: list[dict[str, Any]], out: Path, stored: dict[str, Path], force: bool) -> int:
    """Write every post into the Jekyll site at *out*; return the count."""
    slugs = unique_slugs(posts)
    check_writable([inside(out, *post_file(p, slugs[p["url"]])) for p in posts], force)
    # Jekyll's own link to another post, whatever the site's permalink style: {% post_url %}
    names = {p["url"]: post_file(p, slugs[p["url"]]) for p in posts}
    targets = {url: f"{{% endraw %}}{{% post_url {name[1][:-3]} %}}{{% raw %}}" for url, name in names.items()
               if name[0] == "_posts"}  # fmt: skip
    links = link_map([p for p in posts if p["url"] in targets], targets)
    for post in posts:
        slug = slugs[post["url"]]
        target = inside(out, *post_file(post, slug))
        target.parent.mkdir(parents=True, exist_ok=True)
        body = rewrite_markdown_links(post.get("body_markdown") or post.get("body_text") or "", links)
        images = inside(out, "assets", "posts", slug)
        images.mkdir(parents=True, exist_ok=True)
        for url, name in copy_assets(post, images, stored).items():
            # out of the raw block for the one Liquid expression that is ours
            link = f"{{% endraw %}}{{{{ '/assets/posts/{slug}/{name}' | relative_url }}}}{{% raw %}}"
            body = body.replace(f"]({url})", f"]({link})")
        if not any(images.iterdir()):
            images.rmdir()
        matter = front_matter_yaml(front_matter(post, slug))
        # {% raw %}: a post that shows Liquid or Jinja code must not be run as a template
        target.write_text(f"---\n{matter}---\n\n{{% raw %}}\n{body.strip()}\n{{% endraw %}}\n", encoding="utf-8")
    return len(posts)
