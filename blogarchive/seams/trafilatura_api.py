"""trafilatura, as blogarchive uses it (2.x).

Public: `bare_extraction`, the `Extractor` options and the `Document` it returns.
Internal, pinned by tests/test_seams.py: the XML→HTML converter and the text writer
that `extract()` itself runs on the extracted body, metadata over a whole page (used
when the body came from a profile's selector), and the feed parser's link and
`<link rel=alternate>` readers without courlan's filters (they refuse hosts given as
IP addresses, a local mirror's).
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.external import SANITIZED_XPATH
from trafilatura.feeds import FeedParameters, determine_feed, find_links
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.metadata import extract_metadata
from trafilatura.settings import Document, Extractor
from trafilatura.xml import xmltotxt

__all__ = ["Document", "Extractor", "announced_feeds", "extract", "feed_links", "page_metadata", "to_html",
           "to_text"]  # fmt: skip


def extract(content: HtmlElement, url: str, options: Extractor) -> Document | None:
    """The article of *content* (a tree; trafilatura works on a copy) as trafilatura's Document;
    None if it found none.

    trafilatura's own extractor runs first alone (its `fast` mode); the comparison with
    readability and justext runs only when that result leaves it something to decide
    (`settled`), so that the answer is the one the full cascade gives, at half the cost
    on a page whose article is most of its text.
    """
    if options.fast:
        return _document(bare_extraction(content, url=url, options=options))
    quick = copy.copy(options)
    quick.fast = True
    doc = _document(bare_extraction(content, url=url, options=quick))  # it reads a copy of the tree
    if doc is not None and settled(doc.body, _page_text_length(content), options.min_extracted_size):
        return doc
    return _document(bare_extraction(content, url=url, options=options))


def _document(doc: Any) -> Document | None:
    return doc if isinstance(doc, Document) else None  # output_format="python": a Document


# What the full cascade (trafilatura.core.trafilatura_sequence, external.compare_extraction)
# would do with the main extractor's result; pinned by tests/test_seams.py.
#  - readability replaces it when its text is empty, or readability's is over twice as long,
#    or it holds no paragraph text or more tables than paragraphs;
#  - justext is tried when it holds SANITIZED_XPATH elements or is under min_extracted_size;
#  - the recall retry runs when it is under a fifth of the page's text;
#  - a main result under min_extracted_size gives way to the baseline (text-only <p>s), which
#    in the full cascade would have met justext first.
# Readability reads the page's text only, so a result of over half that text (with margins
# for the text measures) leaves readability nothing longer to offer and no retry to run.
_SHARE = 0.6
_MARGIN = 2


def settled(body: etree._Element, page_text: int, min_size: int) -> bool:
    """True when the full cascade would keep the main extractor's *body* as it is."""
    text = len(" ".join("".join(body.itertext()).split()))
    if text < _MARGIN * max(min_size, 1) or text < _SHARE * page_text:
        return False
    if all(child.tag == "p" and len(child) == 0 for child in body):
        return False  # the baseline's shape: the main extractor may have found too little
    if body.xpath(SANITIZED_XPATH) or not body.xpath(".//p//text()"):
        return False
    return len(body.findall(".//table")) <= len(body.findall(".//p"))


def _page_text_length(tree: HtmlElement) -> int:
    """The page's text, scripts and styles aside: more than any extractor can return of it."""
    texts = tree.xpath("//text()[not(ancestor::script) and not(ancestor::style)]")
    return len(" ".join(" ".join(texts).split()))


def page_metadata(tree: HtmlElement, url: str, date_params: dict[str, Any]) -> Document:
    """trafilatura's metadata (title, author, tags, description) read from the whole page."""
    return extract_metadata(tree, url, date_params, extensive=False)


def to_html(body: etree._Element) -> etree._Element:
    """An extracted body (trafilatura's XML: head, list, ref, graphic...) as HTML elements."""
    return convert_to_html(body)


def to_text(body: etree._Element) -> str:
    """An extracted body as text, paragraphs on their own lines, without formatting marks."""
    return str(xmltotxt(body, include_formatting=False))


def _params(url: str) -> FeedParameters:
    parts = urlsplit(url)
    return FeedParameters(f"{parts.scheme}://{parts.netloc}", parts.hostname or "", url)


def announced_feeds(page: str | HtmlElement, page_url: str) -> list[str]:
    """The feeds a page announces (<link rel="alternate"> RSS/Atom/JSON, also in <a> links).
    *page*: its HTML, or the tree already parsed (trafilatura reads a tree as it is: no
    second parse of the page)."""
    return list(determine_feed(page, _params(page_url)))


def feed_links(feed_text: str, feed_url: str) -> list[str]:
    """The item links of an RSS, Atom or JSON feed, as written (maybe relative)."""
    return list(find_links(feed_text.strip(), _params(feed_url)))
