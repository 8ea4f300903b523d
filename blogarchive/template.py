"""The site's template, learned from the crawl: blocks repeated at the same place on most posts.

Nav bars, footers, newsletter boxes, share bars, "book a visit" calls to action
and recent-posts headings sit at the same place with the same text on nearly
every post page; a post's own paragraphs do not.  A block counts as template
when its (place, text) pair appears on at least SHARE of the post pages seen,
after MIN_PAGES pages (posts are held until then).  The counts are kept in the archive, so that later
(nightly) crawls extract exactly as the first one did.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from lxml.html import HtmlElement

# Template blocks are on (nearly) every post page; a post's own recurring headings
# ("Why it matters") on a share of them.  A high bar and enough pages keep chance
# out, so the same block is judged the same way from one crawl to the next.
SHARE = 0.95
MIN_PAGES = 20
# Blocks whose text is shorter carry too little to tell template from content;
# longer ones are containers of the article itself.
_MIN_TEXT, _MAX_TEXT = 12, 3000
_BLOCKS = {
    "div", "section", "aside", "nav", "header", "footer", "ul", "ol", "li", "p", "form",
    "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "figure",
}  # fmt: skip


def _place(el: HtmlElement) -> str:
    """Where an element sits: its tag and classes, and its ancestors', up to <body>."""
    parts = []
    node: HtmlElement | None = el
    while node is not None and node.tag not in ("body", "html"):
        classes = ".".join(sorted((node.get("class") or "").split()))
        parts.append(f"{node.tag}.{classes}" if classes else str(node.tag))
        node = node.getparent()
    return ">".join(reversed(parts))


def block_keys(tree: HtmlElement) -> dict[str, HtmlElement]:
    """Each block of the page's body by its key: a hash of its place and text."""
    keys: dict[str, HtmlElement] = {}
    body = tree.find("body")
    for el in (body if body is not None else tree).iter(*_BLOCKS):
        text = " ".join(el.text_content().split())
        if _MIN_TEXT <= len(text) <= _MAX_TEXT:
            digest = hashlib.blake2b(f"{_place(el)}\n{text}".encode(), digest_size=12).hexdigest()
            keys.setdefault(digest, el)
    return keys


class TemplateLearner:
    """Counts blocks over post pages; tells which ones are the site's template."""

    def __init__(self, pages: int = 0, counts: Counter[str] | None = None) -> None:
        self.pages = pages
        self.counts: Counter[str] = counts or Counter()
        # a post page is observed, then cleaned: its blocks are hashed once for both
        self._last: tuple[HtmlElement, dict[str, HtmlElement]] | None = None

    def _keys(self, tree: HtmlElement) -> dict[str, HtmlElement]:
        if self._last is not None and self._last[0] is tree:
            return self._last[1]
        keys = block_keys(tree)
        self._last = (tree, keys)
        return keys

    @property
    def ready(self) -> bool:
        return self.pages >= MIN_PAGES

    def observe(self, tree: HtmlElement) -> None:
        """Count one post page (before anything is removed from it)."""
        self.pages += 1
        self.counts.update(self._keys(tree).keys())

    def drop(self, tree: HtmlElement) -> int:
        """Remove template blocks from *tree* in place; return how many went."""
        if not self.ready:
            return 0
        floor = SHARE * self.pages
        keys, self._last = self._keys(tree), None  # the tree changes below: forget its hashes
        flagged = [el for key, el in keys.items() if self.counts[key] >= floor]
        chosen = set(flagged)
        dropped = 0
        for el in flagged:
            # only the outermost of nested template blocks; never the page's title
            if any(a in chosen for a in el.iterancestors()) or el.find(".//h1") is not None:
                continue
            el.drop_tree()
            dropped += 1
        return dropped

    def state(self) -> tuple[int, Counter[str]]:
        """What to keep between crawls: page count and the blocks seen at least twice."""
        return self.pages, Counter({k: v for k, v in self.counts.items() if v >= 2})
