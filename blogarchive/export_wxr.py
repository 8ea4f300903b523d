"""A WordPress eXtended RSS (WXR 1.2) file that WordPress's importer accepts.

Posts carry content:encoded, excerpt:encoded, wp:post_date and wp:post_date_gmt,
wp:post_name, wp:status, categories and tags; each image is an attachment item
whose wp:attachment_url the importer downloads.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from blogarchive import __version__
from blogarchive.paths import slugify, unique_slugs

NS = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": "http://wordpress.org/export/1.2/",
}
_NO_DATE = "0000-00-00 00:00:00"  # an undated post: WordPress gives it the import time
# the author of posts the archive has none for (WordPress maps it to a user on import)
_NO_AUTHOR = "Imported author"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _text(parent: etree._Element, tag: str, value: Any, cdata: bool = False) -> etree._Element:
    el = etree.SubElement(parent, tag)
    # XML 1.0 has no place for control characters: an archive may hold them (a page's bytes)
    value = _CONTROL.sub("", "" if value is None else str(value))
    # CDATA as WordPress writes it, unless the text itself holds the CDATA end marker
    el.text = etree.CDATA(value) if cdata and "]]>" not in value else value
    return el


def _stamp(moment: datetime) -> str:
    """WordPress's "YYYY-MM-DD HH:MM:SS" (isoformat: strftime writes year 1 as "1" on Linux)."""
    return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")


def wp_dates(published: str | None) -> tuple[str, str, datetime | None]:
    """(post_date, post_date_gmt, moment) as WordPress stores them."""
    if not published:
        return _NO_DATE, _NO_DATE, None
    try:
        moment = datetime.fromisoformat(published)
    except ValueError:
        return _NO_DATE, _NO_DATE, None
    if moment.tzinfo is None:
        # a date-only post (or a time without its zone): taken as UTC, so that WordPress gets
        # a GMT date and a pubDate instead of zeros (which it shows as "unpublished")
        moment = moment.replace(tzinfo=UTC)
    local = _stamp(moment)
    try:
        gmt = _stamp(moment.astimezone(UTC)) if moment.tzinfo else _NO_DATE
    except OverflowError:  # at the calendar's edges (0001-01-01T00:30+05:00): no GMT twin
        return local, _NO_DATE, None
    return local, gmt, moment


def _moved_images(html: str, moved: dict[str, str]) -> str:
    """A body's images at the addresses their saved copies are served from."""
    if not moved or not html:
        return html
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    for img in fragment.iter("img"):
        if (src := img.get("src")) in moved:
            img.set("src", moved[src])
    return "".join(lxml.html.tostring(child, encoding="unicode") for child in fragment)


def write_wxr(
    posts: list[dict[str, Any]], out: BinaryIO, site_url: str | None = None, assets: dict[str, str] | None = None
) -> int:
    """Write *posts* as WXR to *out*; return how many posts were written.

    *assets*: original image URL → where its saved copy will be served (`--assets-url`):
    the importer downloads attachments from there, and bodies point there, so that an
    import works with the old site gone.
    """
    moved = assets or {}
    site = site_url or (f"{urlsplit(posts[0]['url']).scheme}://{urlsplit(posts[0]['url']).netloc}" if posts else "")
    rss = etree.Element("rss", version="2.0", nsmap=NS)
    channel = etree.SubElement(rss, "channel")
    _text(channel, "title", "blogarchive export")
    _text(channel, "link", site)
    _text(channel, "description", f"Posts exported by blogarchive {__version__}")
    _text(channel, "language", "en")
    _text(channel, _q("wp", "wxr_version"), "1.2")
    _text(channel, _q("wp", "base_site_url"), site)
    _text(channel, _q("wp", "base_blog_url"), site)
    authors = sorted({p["author"] for p in posts if p.get("author")})
    if any(not p.get("author") for p in posts):
        # a post without an author would make the importer fail to map "" once per post
        authors.append(_NO_AUTHOR)
    logins = {name: slugify(name) or f"author-{i}" for i, name in enumerate(authors, start=1)}
    for i, name in enumerate(authors, start=1):
        author = etree.SubElement(channel, _q("wp", "author"))
        _text(author, _q("wp", "author_id"), i)
        _text(author, _q("wp", "author_login"), logins[name], cdata=True)
        _text(author, _q("wp", "author_display_name"), name, cdata=True)
    slugs = unique_slugs(posts)
    next_id = len(posts) + 1
    for post_id, post in enumerate(posts, start=1):
        local, gmt, moment = wp_dates(post.get("published"))
        item = etree.SubElement(channel, "item")
        _text(item, "title", post.get("title") or slugs[post["url"]])
        _text(item, "link", post["url"])
        _text(item, "pubDate", format_datetime(moment) if moment and moment.tzinfo else "")
        _text(item, _q("dc", "creator"), logins[post.get("author") or _NO_AUTHOR], cdata=True)
        guid = _text(item, "guid", post["url"])
        guid.set("isPermaLink", "false")
        _text(item, "description", "")
        _text(item, _q("content", "encoded"), _moved_images(post.get("body_html") or "", moved), cdata=True)
        _text(item, _q("excerpt", "encoded"), post.get("excerpt") or "", cdata=True)
        _text(item, _q("wp", "post_id"), post_id)
        _text(item, _q("wp", "post_date"), local, cdata=True)
        _text(item, _q("wp", "post_date_gmt"), gmt, cdata=True)
        fields = {
            "comment_status": "closed", "ping_status": "closed", "post_name": slugs[post["url"]],
            "status": "draft" if post.get("removed_at") else "publish", "post_parent": 0, "menu_order": 0,
            "post_type": "post", "post_password": "", "is_sticky": 0,
        }  # fmt: skip
        for name, value in fields.items():
            _text(item, _q("wp", name), value, cdata=isinstance(value, str))
        for domain, names in (("category", post.get("categories", [])), ("post_tag", post.get("tags", []))):
            for name in names:
                cat = _text(item, "category", name, cdata=True)
                cat.set("domain", domain)
                cat.set("nicename", slugify(name) or "term")
        for image in post.get("images", []):
            next_id += 1
            attachment = etree.SubElement(channel, "item")
            _text(attachment, "title", image.get("alt") or urlsplit(image["url"]).path.rsplit("/", 1)[-1])
            _text(attachment, "link", image["url"])
            guid = _text(attachment, "guid", image["url"])
            guid.set("isPermaLink", "false")
            _text(attachment, _q("wp", "post_id"), next_id)
            _text(attachment, _q("wp", "post_date"), local, cdata=True)
            _text(attachment, _q("wp", "post_date_gmt"), gmt, cdata=True)
            _text(attachment, _q("wp", "status"), "inherit", cdata=True)
            _text(attachment, _q("wp", "post_parent"), post_id)
            _text(attachment, _q("wp", "post_type"), "attachment", cdata=True)
            _text(attachment, _q("wp", "attachment_url"), moved.get(image["url"], image["url"]), cdata=True)
    out.write(etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return len(posts)
