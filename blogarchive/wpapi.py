"""WordPress's REST API as one more source: a hundred posts a request, where the site announces it.

A WordPress page names its API root in `<link rel="https://api.w.org/">`.  The
posts endpoint states each post's title, excerpt, author, categories and tags
(through `_embed`), and its dates twice: in the site's local time and in GMT,
so their difference is the blog's UTC offset on that day.
"""

from __future__ import annotations

import html
import json
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from lxml.html import HtmlElement

from blogarchive.discovery import MAX_FEED_PAGES
from blogarchive.evidence import Claim
from blogarchive.feeds import html_text
from blogarchive.urls import canonical_url, followable

PER_PAGE = 100  # the API's maximum: a 500-post blog costs five requests


def api_root(tree: HtmlElement) -> str | None:
    """The REST API root a WordPress page announces, or None."""
    found = tree.xpath('//link[@rel="https://api.w.org/"]/@href')
    root = found[0].strip() if found else ""
    return root if followable(root) else None


def posts_url(root: str, page: int) -> str:
    """The URL of one page of the posts endpoint (pretty or ?rest_route= roots alike)."""
    query = urlencode({"per_page": PER_PAGE, "page": page, "_embed": "author,wp:term"})
    if "rest_route=" in root:  # plain permalinks: http://site/?rest_route=/
        return f"{root.rstrip('/')}/wp/v2/posts&{query}"
    return f"{root.rstrip('/')}/wp/v2/posts?{query}"


def more_api_pages(total_pages: bytes | None, read: int) -> bool:
    """True while the X-WP-TotalPages header says pages after *read* are left (within MAX_FEED_PAGES)."""
    total = total_pages.decode("latin-1") if total_pages else ""
    return total.isdigit() and read < min(int(total), MAX_FEED_PAGES)


def _local(value: Any, gmt: Any) -> str | None:
    """The local time with the offset that its GMT twin implies (whole minutes)."""
    try:
        local, utc = datetime.fromisoformat(str(value)), datetime.fromisoformat(str(gmt))
    except ValueError:
        return None  # unset dates ("0000-00-00 00:00:00") of drafts
    minutes = round((local - utc).total_seconds() / 60)
    if abs(minutes) > 18 * 60:
        return None
    return local.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat()


def _rendered(field: Any) -> str:
    return html_text(field.get("rendered")) if isinstance(field, dict) and not field.get("protected") else ""


def _post_claims(post: dict[str, Any]) -> list[Claim]:
    claims = []
    if title := _rendered(post.get("title")):
        claims.append(Claim("title", "api", title, title))
    for kind, key in (("published", "date"), ("modified", "modified")):
        if value := _local(post.get(key), post.get(f"{key}_gmt")):
            claims.append(Claim(kind, "api", value, str(post.get(key))))
    if excerpt := _rendered(post.get("excerpt")):
        claims.append(Claim("excerpt", "api", excerpt, excerpt))
    embedded = post.get("_embedded") or {}
    for author in embedded.get("author") or []:
        if isinstance(author, dict) and (name := html.unescape(str(author.get("name") or "")).strip()):
            claims.append(Claim("author", "api", name, name))
    for terms in embedded.get("wp:term") or []:
        for term in terms if isinstance(terms, list) else []:
            field = {"category": "categories", "post_tag": "tags"}.get(str(term.get("taxonomy")))
            if field and (name := html.unescape(str(term.get("name") or "")).strip()):
                claims.append(Claim(field, "api", name, name))
    return claims


def api_claims(body: bytes) -> dict[str, list[Claim]]:
    """Claims of every post of one page of the posts endpoint, by canonical URL; {} for anything else."""
    try:
        posts = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(posts, list):
        return {}
    out: dict[str, list[Claim]] = {}
    for post in posts:
        link = post.get("link") if isinstance(post, dict) else None
        if isinstance(link, str) and followable(link):
            out.setdefault(canonical_url(link), []).extend(_post_claims(post))
    return out
