"""Article extraction: trafilatura for the body and metadata, htmldate for the page's own dates."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date

import lxml.html
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.metadata import extract_metadata
from trafilatura.settings import Extractor
from trafilatura.xml import xmltotxt

from blogarchive.dates import find_date_in
from blogarchive.profiles import ArticleRules, Profile
from blogarchive.widgets import drop_dated_link_lists

# One options object for every page (trafilatura builds its config once).
# Blog posts can be short: trafilatura's defaults would drop a 200-character
# announcement, so the size floors are lowered; comments are not the post.
_OPTIONS = Extractor(
    output_format="python",
    with_metadata=True,
    comments=False,
    images=True,
    links=True,
    tables=True,
    formatting=True,
    # The page's date is found separately (see page_dates): trafilatura's own
    # date search reads the whole page, widgets included.
    date_params={"extensive_search": False, "original_date": True},
)
_OPTIONS.min_extracted_size = 100
_OPTIONS.min_output_size = 10


@dataclass
class Article:
    """What one article page says about itself."""

    url: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    modified: str | None = None
    description: str | None = None
    body_text: str = ""
    body_html: str = ""
    body_markdown: str = ""
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    language: str | None = None
    sitename: str | None = None
    widgets_removed: int = 0


def _metadata_view(tree: HtmlElement) -> HtmlElement:
    """A small document holding only what states the page's own date.

    That is the <head> (meta tags), JSON-LD blocks and <time> elements inside
    <article>; never body text, where sidebars and widgets print other dates.
    """
    view = lxml.html.fromstring("<html><head></head><body></body></html>")
    head, body = view[0], view[1]
    src_head = tree.find("head")
    if src_head is not None:
        for el in src_head:
            if isinstance(el.tag, str):
                head.append(copy.deepcopy(el))
    for el in tree.xpath('//body//script[@type="application/ld+json"]|//article//time[@datetime]'):
        body.append(copy.deepcopy(el))
    return view


def page_dates(tree: HtmlElement, url: str) -> tuple[str | None, str | None]:
    """(published, modified) ISO dates from the page's metadata, or None each."""
    view = _metadata_view(tree)
    params = {"extensive_search": False, "url": url, "max_date": date.today().isoformat()}
    published = find_date(view, original_date=True, **params)
    modified = find_date(view, original_date=False, **params)
    return published, (modified if modified != published else None)


def _body_html(body: etree._Element, url: str) -> tuple[str, list[str], list[str]]:
    """Semantic HTML of the extracted body with absolute links; its image and link URLs."""
    html_root = convert_to_html(copy.deepcopy(body))
    doc = lxml.html.fromstring(etree.tostring(html_root, encoding="unicode"))
    doc.make_links_absolute(url, handle_failures="discard")
    images = list(dict.fromkeys(img.get("src") for img in doc.iter("img") if img.get("src")))
    links = list(
        dict.fromkeys(a.get("href").split("#")[0] for a in doc.iter("a") if a.get("href", "").startswith("http"))
    )
    inner = doc.find("body") if doc.tag == "html" else doc
    parts = [lxml.html.tostring(child, encoding="unicode") for child in inner]
    return "\n".join(p.strip() for p in parts), images, links


def _rel_tags(tree: HtmlElement) -> list[str]:
    """Tags marked up with the rel-tag microformat (WordPress and many themes),
    which trafilatura's class-based tag search does not read."""
    texts = (" ".join(a.text_content().split()) for a in tree.xpath('//a[contains(concat(" ", @rel, " "), " tag ")]'))
    return [t for t in dict.fromkeys(texts) if t]


def _selected_text(tree: HtmlElement, selector: str | None) -> str | None:
    if not selector:
        return None
    found = tree.cssselect(selector)
    return " ".join(found[0].text_content().split()) or None if found else None


def parse_html(html: str | bytes, url: str) -> HtmlElement | None:
    """Parse a page; None for an empty or undecodable document."""
    try:
        return lxml.html.fromstring(html, base_url=url)
    except (etree.ParserError, ValueError):
        return None


def parse_post(html: str | bytes | HtmlElement, url: str, profile: Profile | None = None) -> Article | None:
    """Extract an article page fetched from *url*; None when it holds no article text.

    A profile's article rules, when given, drop elements and pick title, date,
    author and body by CSS selector before trafilatura sees the page; its date
    order and languages read the date.  A tree passed in is modified.
    """
    tree = html if isinstance(html, HtmlElement) else parse_html(html, url)
    if tree is None:
        return None
    rules = profile.article if profile else ArticleRules()
    published, modified = page_dates(tree, url)
    date_text = _selected_text(tree, rules.date)
    languages, order = (profile.languages, profile.date_order) if profile else (("en",), None)
    if (profile_date := find_date_in(date_text, languages, order)) is not None:
        published = profile_date
    title, author = _selected_text(tree, rules.title), _selected_text(tree, rules.author)
    for selector in rules.drop:
        for el in tree.cssselect(selector):
            el.drop_tree()
    removed = drop_dated_link_lists(tree, url)
    content = tree
    if rules.body and (found := tree.cssselect(rules.body)):
        content = found[0]
    options = copy.copy(_OPTIONS)  # shallow: only the per-page URL differs
    options.url = options.source = url
    doc = bare_extraction(content, url=url, options=options)
    if doc is None:
        return None
    if content is not tree:
        # trafilatura read metadata from the body element alone: read the page's
        meta = extract_metadata(tree, url, _OPTIONS.date_params, extensive=False)
        doc.title, doc.author, doc.tags, doc.description = meta.title, meta.author, meta.tags, meta.description
    body_html, images, links = _body_html(doc.body, url)
    return Article(
        url=url,
        title=title or doc.title,
        author=author or doc.author,
        published=published,
        modified=modified,
        description=doc.description,
        body_text=xmltotxt(doc.body, include_formatting=False),
        body_html=body_html,
        body_markdown=doc.text or "",
        tags=list(doc.tags or []) or _rel_tags(tree),
        categories=list(doc.categories or []),
        images=images,
        links=links,
        language=doc.language,
        sitename=doc.sitename,
        widgets_removed=removed,
    )
