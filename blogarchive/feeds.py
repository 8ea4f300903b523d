"""A feed's word about each post: title, dates, summary, author and categories, read with feedparser.

Feeds state what the page may not: WordPress puts a post's excerpt in every
item's <description> and its author in <dc:creator>.  Each item's claims are
keyed by the canonical URL of its link, to be matched with the post's page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
import lxml.html
from lxml import etree

from blogarchive.evidence import Claim
from blogarchive.urls import canonical_url, followable


def html_text(html: str | None) -> str:
    """The text of an HTML fragment on one line (a feed's summary, an API's rendered field)."""
    if not html or not html.strip():
        return ""
    try:
        return " ".join(lxml.html.fromstring(f"<div>{html}</div>").text_content().split())
    except (etree.ParserError, ValueError):
        return " ".join(html.split())


def _moment(entry: Any, key: str) -> str | None:
    """feedparser's parsed time (UTC) as ISO 8601; feeds state times in UTC or with an offset."""
    # dict.get: feedparser's own get maps a missing updated_parsed to published_parsed, with a warning
    parsed = dict.get(entry, f"{key}_parsed")
    if not parsed:
        return None
    year, month, day, hour, minute, second = tuple(parsed)[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).isoformat()


def feed_claims(body: bytes, feed_url: str) -> dict[str, list[Claim]]:
    """Claims of every item of an RSS, Atom or JSON feed, by the canonical URL of its link."""
    parsed = feedparser.parse(body, sanitize_html=True, resolve_relative_uris=True)
    out: dict[str, list[Claim]] = {}
    for entry in parsed.entries:
        link = urljoin(feed_url, entry.get("link") or "")
        if not followable(link):
            continue
        claims = []
        if title := html_text(entry.get("title")):
            claims.append(Claim("title", "feed", title, entry.get("title", "")))
        for kind, key in (("published", "published"), ("modified", "updated")):
            if value := _moment(entry, key):
                claims.append(Claim(kind, "feed", value, dict.get(entry, key) or ""))
        if author := " ".join((entry.get("author") or "").split()):
            claims.append(Claim("author", "feed", author, author))
        summary = html_text(entry.get("summary"))
        content = html_text(entry["content"][0].get("value")) if entry.get("content") else ""
        # a summary that is the whole content (feeds without excerpts) is no excerpt
        if summary and summary != content:
            claims.append(Claim("excerpt", "feed", summary, entry.get("summary", "")))
        # RSS <category> holds a WordPress post's categories and tags alike: categories, last in rank
        for term in entry.get("tags") or []:
            if name := " ".join((term.get("term") or "").split()):
                claims.append(Claim("categories", "feed", name, name))
        out.setdefault(canonical_url(link), []).extend(claims)
    return out
