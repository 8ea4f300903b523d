"""trafilatura, as blogarchive uses it (2.x).

Public: `bare_extraction`, the `Extractor` options and the `Document` it returns.
Internal, pinned by tests/test_seams.py: the XML→HTML converter and the text writer
that `extract()` itself runs on the extracted body, metadata over a whole page (used
when the body came from a profile's selector), and the feed parser's link and
`<link rel=alternate>` readers without courlan's filters (they refuse hosts given as
IP addresses, a local mirror's).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.feeds import FeedParameters, determine_feed, find_links
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.metadata import extract_metadata
from trafilatura.settings import Document, Extractor
from trafilatura.xml import xmltotxt

__all__ = ["Document", "Extractor", "announced_feeds", "extract", "feed_links", "page_metadata", "to_html",
           "to_text"]  # fmt: skip


def extract(content: HtmlElement, url: str, options: Extractor) -> Document | None:
    """The article of *content* (a tree, modified) as trafilatura's Document; None if it found none."""
    doc = bare_extraction(content, url=url, options=options)
    return doc if isinstance(doc, Document) else None  # output_format="python": a Document


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


def announced_feeds(html: str, page_url: str) -> list[str]:
    """The feeds a page announces (<link rel="alternate"> RSS/Atom/JSON, also in <a> links)."""
    return list(determine_feed(html, _params(page_url)))


def feed_links(feed_text: str, feed_url: str) -> list[str]:
    """The item links of an RSS, Atom or JSON feed, as written (maybe relative)."""
    return list(find_links(feed_text.strip(), _params(feed_url)))
