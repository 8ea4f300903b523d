"""Article extraction: trafilatura for the body and metadata; the page's dates as evidence.

Order of work on a page: the learned site template and the profile's `drop`
selectors go first, then dated-link widgets (their entries kept as evidence
about *other* posts), then the page's own date claims are read, then
trafilatura extracts the body.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date

import lxml.html
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement
from markdownify import markdownify
from trafilatura import bare_extraction
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.metadata import extract_metadata
from trafilatura.settings import Extractor
from trafilatura.xml import xmltotxt

from blogarchive.encoding import decode_page
from blogarchive.evidence import Claim, DateStyle, choose, page_claims
from blogarchive.profiles import ArticleRules, Profile
from blogarchive.template import TemplateView
from blogarchive.urls import same_site
from blogarchive.widgets import WidgetEntry, drop_dated_link_lists

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
    # The page's dates are read separately (blogarchive.evidence): trafilatura's
    # own date search reads the whole page, widgets included.
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
    images: list[dict[str, str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    language: str | None = None
    sitename: str | None = None
    claims: list[Claim] = field(default_factory=list)
    widget_entries: list[WidgetEntry] = field(default_factory=list)
    widgets_removed: int = 0
    template_removed: int = 0

    @property
    def word_count(self) -> int:
        return len(self.body_text.split())

    def links_split(self) -> tuple[list[str], list[str]]:
        """(internal, outbound) links of the body."""
        internal = [u for u in self.links if same_site(u, self.url)]
        return internal, [u for u in self.links if u not in internal]


def _metadata_view(tree: HtmlElement) -> HtmlElement:
    """A small document holding only what states the page's own date: <head>, JSON-LD, <time> in <article>."""
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


def _htmldate_claims(tree: HtmlElement, url: str, known: list[Claim]) -> list[Claim]:
    """htmldate over the page's metadata, for meta variants the evidence reader does not name."""
    if any(c.source in ("jsonld", "meta") for c in known):
        return []
    view = _metadata_view(tree)
    found = find_date(view, original_date=True, extensive_search=False, max_date=date.today().isoformat())
    return [Claim("published", "meta", found, "htmldate")] if found else []


def _body_html(body: etree._Element, url: str) -> tuple[str, list[dict[str, str]], list[str]]:
    """Semantic HTML of the extracted body with absolute links; its images (url, alt) and link URLs."""
    html_root = convert_to_html(copy.deepcopy(body))
    doc = lxml.html.fromstring(etree.tostring(html_root, encoding="unicode"))
    doc.make_links_absolute(url, handle_failures="discard")
    for pre in doc.iter("pre"):
        # trafilatura turns <pre><code> into <pre><pre>: the inner one is code
        if len(pre) == 1 and pre[0].tag == "pre" and not (pre.text or "").strip():
            pre[0].tag = "code"
    images: dict[str, str] = {}
    for img in doc.iter("img"):
        if img.get("src"):
            images.setdefault(img.get("src"), img.get("alt") or "")
    hrefs = (a.get("href", "") for a in doc.iter("a"))
    links = list(dict.fromkeys(h.split("#")[0] for h in hrefs if h.startswith("http")))
    inner = doc.find("body") if doc.tag == "html" else doc
    parts = [lxml.html.tostring(child, encoding="unicode") for child in inner]
    return "\n".join(p.strip() for p in parts), [{"url": u, "alt": a} for u, a in images.items()], links


def _drop_title_heading(body: etree._Element, title: str | None) -> None:
    """Remove a first heading that only repeats the post's title (a body never restates it)."""
    first = next((el for el in body if isinstance(el.tag, str)), None)
    if first is not None and first.tag == "head" and title and " ".join(first.itertext()).strip() == title:
        body.remove(first)


def _plain_text(body: etree._Element) -> str:
    """The body as plain text: paragraphs on their lines, links as their words, no images."""
    plain = copy.deepcopy(body)
    # trafilatura's text writer renders links and images as Markdown: not in plain text
    etree.strip_tags(plain, "ref")
    etree.strip_elements(plain, "graphic", with_tail=False)
    return xmltotxt(plain, include_formatting=False)


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


# Characters XML forbids: lxml parses them into text it later refuses to set.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def parse_html(html: str | bytes, url: str) -> HtmlElement | None:
    """Parse a page; None for an empty or undecodable document."""
    if isinstance(html, bytes):
        html = decode_page(html)
    html = _CONTROL.sub("", html)
    try:
        return lxml.html.fromstring(html, base_url=url)
    except (etree.ParserError, ValueError):
        return None


def _language(tree: HtmlElement, detected: str | None) -> str | None:
    declared = (tree.get("lang") or "").strip().split("-")[0].lower()
    return detected or declared or None


def parse_post(
    html: str | bytes | HtmlElement,
    url: str,
    profile: Profile | None = None,
    *,
    template: TemplateView | None = None,
    style: DateStyle | None = None,
    blocks: dict[str, HtmlElement] | None = None,
) -> Article | None:
    """Extract an article page fetched from *url*; None when it holds no article text.

    A profile's article rules drop elements and pick title, date, author and
    body by CSS selector; *style* reads dates (languages, order, time zone,
    fetch time); *template* removes the blocks the site repeats on every post
    (*blocks*: the tree's template.block_keys, if already worked out).
    A tree passed in is modified.
    """
    tree = html if isinstance(html, HtmlElement) else parse_html(html, url)
    if tree is None:
        return None
    rules = profile.article if profile else ArticleRules()
    style = style or DateStyle(*((profile.languages, profile.date_order) if profile else ()))
    title, author = _selected_text(tree, rules.title), _selected_text(tree, rules.author)
    profile_date = style.read(_selected_text(tree, rules.date))
    template_removed = template.drop(tree, blocks) if template is not None else 0
    for selector in rules.drop:
        for el in tree.cssselect(selector):
            el.drop_tree()
    widgets = drop_dated_link_lists(tree, url)
    claims = page_claims(tree, url, style)
    claims += _htmldate_claims(tree, url, claims)
    if profile_date:
        claims.insert(0, Claim("published", "time", profile_date, "profile article.date"))
    content = tree
    if rules.body and (found := tree.cssselect(rules.body)):
        content = found[0]
    options = copy.copy(_OPTIONS)  # shallow: only the per-page URL differs
    options.url = options.source = url
    try:
        doc = bare_extraction(content, url=url, options=options)
    except (RecursionError, ValueError, etree.LxmlError):  # absurdly nested or broken markup
        return None
    if doc is None:
        return None
    if content is not tree:
        # trafilatura read metadata from the body element alone: read the page's
        meta = extract_metadata(tree, url, _OPTIONS.date_params, extensive=False)
        doc.title, doc.author, doc.tags, doc.description = meta.title, meta.author, meta.tags, meta.description
    title = title or doc.title
    _drop_title_heading(doc.body, title)
    body_html, images, links = _body_html(doc.body, url)
    published, modified = choose(claims, "published"), choose(claims, "modified")
    return Article(
        url=url,
        title=title,
        author=author or doc.author,
        published=published.value if published else None,
        modified=modified.value if modified else None,
        description=doc.description,
        body_text=_plain_text(doc.body),
        body_html=body_html,
        # Markdown from the clean HTML: markdownify keeps quotes, code blocks and tables
        body_markdown=markdownify(body_html, heading_style="ATX", bullets="-").strip(),
        tags=list(doc.tags or []) or _rel_tags(tree),
        categories=list(doc.categories or []),
        images=images,
        links=links,
        language=_language(tree, doc.language),
        sitename=doc.sitename,
        claims=claims,
        widget_entries=[entry for widget in widgets for entry in widget],
        widgets_removed=len(widgets),
        template_removed=template_removed,
    )
