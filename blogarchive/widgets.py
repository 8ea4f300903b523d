"""Find and drop "recent posts"-style widgets: lists of dated links to other posts.

Such a widget states other posts' dates; left in place it leaks into the body
and makes date extractors date the page by its neighbours.  It is recognised by
shape, not by class names: a run of sibling entries, each a date label plus a
link to another page of the site.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin

from lxml.html import HtmlElement

from blogarchive.dates import is_date_text
from blogarchive.urls import same_site

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# A widget heading ("Recent Posts", "Latest articles") is short.
_MAX_HEADING_CHARS = 40
# A widget entry is a date plus a title or excerpt, never a whole article section.
_MAX_ENTRY_CHARS = 600


def _dated_elements(tree: HtmlElement) -> set[HtmlElement]:
    """Every element that holds a date label (a text that is just a date), with its ancestors.

    One pass over the tree, so each text is parsed once however deep it sits.
    """
    dated: set[HtmlElement] = set()
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        holder = None
        if is_date_text(el.text):
            holder = el
        elif is_date_text(el.tail) and el.getparent() is not None:
            holder = el.getparent()  # a tail's text belongs to the parent
        while holder is not None and holder not in dated:
            dated.add(holder)
            holder = holder.getparent()
    return dated


def _other_page_links(el: HtmlElement, page_url: str) -> set[str]:
    here = urldefrag(page_url)[0]
    found = set()
    for a in el.iter("a"):
        href = a.get("href")
        if not href:
            continue
        target = urldefrag(urljoin(page_url, href))[0]
        if target != here and target.startswith("http") and same_site(target, page_url):
            found.add(target)
    return found


@dataclass(frozen=True)
class WidgetEntry:
    """One line of a widget: another post's date label and its link."""

    date_text: str
    url: str


def _date_label(el: HtmlElement) -> str | None:
    return next((t.strip() for t in el.itertext() if is_date_text(t)), None)


def _widget_run(
    parent: HtmlElement, page_url: str, dated_els: set[HtmlElement]
) -> tuple[list[HtmlElement], list[WidgetEntry]]:
    """The children of *parent* that form a dated-link list and its entries, or ([], []).

    Entries come in two shapes: wrapped (each child holds a date and a link) or
    flat (a date child followed by its link child).
    """
    children = [c for c in parent if isinstance(c.tag, str)]
    dated = [i for i, c in enumerate(children) if c in dated_els]
    if len(dated) < 2:
        return [], []
    run: list[int] = []
    entries: list[WidgetEntry] = []
    for i in dated:
        run.append(i)
        links = _other_page_links(children[i], page_url)
        nxt = i + 1
        # flat shape: the entry's title/excerpt sits in the next sibling
        if nxt < len(children) and nxt not in dated and (after := _other_page_links(children[nxt], page_url)):
            run.append(nxt)
            links |= after
        label = _date_label(children[i])
        if label and len(links) == 1:
            entries.append(WidgetEntry(label, links.pop()))
    members = [children[i] for i in run]
    links = set().union(*(_other_page_links(m, page_url) for m in members))
    if len(links) < 2 or any(len(m.text_content()) > _MAX_ENTRY_CHARS for m in members):
        return [], []
    first = run[0]
    if first > 0:
        before = children[first - 1]
        if before.tag in _HEADINGS and len(before.text_content().strip()) <= _MAX_HEADING_CHARS:
            members.insert(0, before)
    return members, entries


def drop_dated_link_lists(tree: HtmlElement, page_url: str) -> list[list[WidgetEntry]]:
    """Remove dated-link widgets from *tree* in place; return each removed widget's entries.

    The entries are evidence about the posts they list (their dates), never about
    this page.  Elements are visited deepest first (reverse document order), so the
    smallest container holding a widget goes, never the article around it; and a
    removed subtree's descendants have all been visited before it is removed.
    """
    dated_els = _dated_elements(tree)
    removed: list[list[WidgetEntry]] = []
    for parent in reversed(list(tree.iter())):
        if parent not in dated_els:
            continue  # no date label below: cannot hold a widget (also skips comments)
        members, entries = _widget_run(parent, page_url, dated_els)
        if not members or any(m.find(".//h1") is not None for m in members):
            continue  # an element holding the page's title is the article, not a widget
        children = [c for c in parent if isinstance(c.tag, str)]
        if len(members) == len(children) and parent.getparent() is not None:
            members = [parent]  # the whole container is the widget
        for el in members:
            el.drop_tree()
        removed.append(entries)
    return removed
