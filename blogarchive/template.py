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
from collections.abc import Iterable
from dataclasses import dataclass

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


def _place(el: HtmlElement, known: dict[HtmlElement, str]) -> str:
    """Where an element sits: its tag and classes, and its ancestors', up to <body>.

    known: places already worked out on this page, so that each ancestor is named once.
    """
    if el.tag in ("body", "html"):
        return ""
    if (place := known.get(el)) is None:
        classes = ".".join(sorted((el.get("class") or "").split()))
        own = f"{el.tag}.{classes}" if classes else str(el.tag)
        parent = el.getparent()
        above = _place(parent, known) if parent is not None else ""
        place = known[el] = f"{above}>{own}" if above else own
    return place


def block_keys(tree: HtmlElement) -> dict[str, HtmlElement]:
    """Each block of the page's body by its key: a hash of its place and text."""
    keys: dict[str, HtmlElement] = {}
    places: dict[HtmlElement, str] = {}
    body = tree.find("body")
    for el in (body if body is not None else tree).iter(*_BLOCKS):
        text = " ".join(el.text_content().split())
        if _MIN_TEXT <= len(text) <= _MAX_TEXT:
            digest = hashlib.blake2b(f"{_place(el, places)}\n{text}".encode(), digest_size=12).hexdigest()
            keys.setdefault(digest, el)
    return keys


@dataclass(frozen=True)
class TemplateView:
    """The template as learned at one moment: the keys of its blocks.  Small and
    picklable, so that a page can be cleaned in another process."""

    flagged: frozenset[str] = frozenset()

    def drop(self, tree: HtmlElement, keys: dict[str, HtmlElement] | None = None) -> int:
        """Remove template blocks from *tree* in place; return how many went.

        keys: the tree's `block_keys`, when the caller has them already.
        """
        if not self.flagged:
            return 0
        keys = block_keys(tree) if keys is None else keys
        chosen = {el for key, el in keys.items() if key in self.flagged}
        dropped = 0
        for el in chosen:
            # only the outermost of nested template blocks; never the page's title
            if any(a in chosen for a in el.iterancestors()) or el.find(".//h1") is not None:
                continue
            if el.getparent() is None:
                continue  # removed already with what held it (a widget)
            el.drop_tree()
            dropped += 1
        return dropped


class TemplateLearner:
    """Counts blocks over post pages; tells which ones are the site's template."""

    def __init__(self, pages: int = 0, counts: Counter[str] | None = None) -> None:
        self.pages = pages
        self.counts: Counter[str] = counts or Counter()
        self._flagged: set[str] | None = None  # the template's keys, computed when first asked

    def _floor(self) -> float:
        return SHARE * self.pages

    @property
    def ready(self) -> bool:
        return self.pages >= MIN_PAGES

    def observe(self, keys: Iterable[str]) -> None:
        """Count one post page by its block keys (`block_keys`, before anything is removed)."""
        keys = set(keys)
        self.pages += 1
        self.counts.update(keys)
        if self._flagged is not None:
            # the floor only rises: only this page's blocks can join, only flagged ones can leave
            floor = self._floor()
            self._flagged = {key for key in self._flagged | keys if self.counts[key] >= floor}

    def view(self) -> TemplateView:
        """The blocks on at least SHARE of the pages seen; none until MIN_PAGES pages."""
        if not self.ready:
            return TemplateView()
        if self._flagged is None:
            floor = self._floor()
            self._flagged = {key for key, n in self.counts.items() if n >= floor}
        return TemplateView(frozenset(self._flagged))

    def state(self) -> tuple[int, Counter[str]]:
        """What to keep between crawls: page count and the blocks seen at least twice."""
        return self.pages, Counter({k: v for k, v in self.counts.items() if v >= 2})
