"""Tidy a post's fields: whitespace, absolute image URLs.  Dates are decided once, from the
claims (blogarchive.evidence.decide, in merge), never here."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from blogarchive.items import PostItem

_BLANK_LINES = re.compile(r"\n{3,}")


def _one_line(text: str | None) -> str | None:
    """Collapse all whitespace to single spaces; None for empty text."""
    if text is None:
        return None
    return " ".join(text.split()) or None


def _tidy_block(text: str) -> str:
    """Strip trailing spaces on each line and runs of blank lines, keep paragraphs."""
    lines = (line.rstrip() for line in text.strip().splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines))


def normalise(item: PostItem) -> PostItem:
    """Return *item* with its fields normalised in place."""
    item.title = _one_line(item.title)
    item.author = _one_line(item.author)
    item.excerpt = _one_line(item.excerpt)
    item.published_raw = _one_line(item.published_raw)
    item.body_text = _tidy_block(item.body_text)
    item.body_markdown = _tidy_block(item.body_markdown)
    item.tags = [t for t in dict.fromkeys(_one_line(t) for t in item.tags) if t]
    item.categories = [c for c in dict.fromkeys(_one_line(c) for c in item.categories) if c]
    images: dict[str, dict[str, str]] = {}
    for image in item.images:
        url = urljoin(item.url, image["url"])
        images.setdefault(url, {"url": url, "alt": _one_line(image.get("alt")) or ""})
    item.images = list(images.values())
    return item


class NormalisePipeline:
    """Scrapy pipeline around normalise()."""

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PostItem):
            return item  # 304 and 404 notices carry no fields to tidy
        return normalise(item)
