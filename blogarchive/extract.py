"""Article extraction: trafilatura for the body and metadata; the page's dates as evidence.

Order of work on a page: dated-link widgets go first, whole (their entries kept as
evidence about *other* posts), then the learned site template and the profile's
`drop` selectors, then the page's own date claims are read, then trafilatura
extracts the body.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree
from lxml.html import HtmlElement
from markdownify import markdownify

from blogarchive.dates import parse_date
from blogarchive.encoding import decode_page
from blogarchive.evidence import Claim, DateStyle, decide
from blogarchive.metadata import page_claims
from blogarchive.profiles import ArticleRules, Profile
from blogarchive.seams.htmldate_api import page_date
from blogarchive.seams.trafilatura_api import Document, Extractor, page_metadata, to_html, to_text
from blogarchive.seams.trafilatura_api import extract as trafilatura_extract
from blogarchive.stages import Stopwatch
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
    # trafilatura's own default: with images on, figure captions and photo credits stay
    # in the text (the images of body_html come from a second pass, _OPTIONS_IMAGES)
    images=False,
    links=True,
    tables=True,
    formatting=True,
    # The page's dates are read separately (blogarchive.evidence): trafilatura's
    # own date search reads the whole page, widgets included.
    date_params={"extensive_search": False, "original_date": True},  # type: ignore[dict-item]  # trafilatura's hint says str
)
_OPTIONS.min_extracted_size = 100
_OPTIONS.min_output_size = 10
_OPTIONS_IMAGES = copy.copy(_OPTIONS)
_OPTIONS_IMAGES.images = True
# the second pass is read for its body only: its metadata would be the first pass's again
_OPTIONS_IMAGES.with_metadata = False


@dataclass
class Article:
    """What one article page says about itself."""

    url: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    modified: str | None = None
    description: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # field → the source its value came from
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


def _htmldate_claims(tree: HtmlElement, url: str, known: list[Claim], extensive: bool = True) -> list[Claim]:
    """htmldate where the page's markup states no date: first over its metadata (meta
    names no standard has), then, as the last source before the URL, its extensive
    search over the page (widgets and template already removed), unless not *extensive*."""
    if any(c.kind == "published" and c.source != "url" for c in known):
        return []
    if found := page_date(_metadata_view(tree), extensive=False):
        return [Claim("published", "meta", found, "htmldate")]
    if not extensive:
        return []
    found = page_date(copy.deepcopy(tree), extensive=True)
    return [Claim("published", "htmldate", found, "htmldate")] if found and _states_day(tree, found) else []


def _states_day(tree: HtmlElement, day: str) -> bool:
    """True when the page writes the date *day* in full somewhere: htmldate's extensive search
    also answers a bare year ("© 2026" → 2026-01-01), which is no post's date."""
    year = day[:4]
    for text in tree.xpath("//text()[contains(., $y)]|//@*[contains(., $y)]", y=year)[:200]:
        text = str(text)
        if day in text or day.replace("-", "/") in text:
            return True
        if len(text) <= 80 and parse_date(text) == day:
            return True
    return False


def _body_html(body: etree._Element, url: str) -> tuple[str, list[dict[str, str]], list[str]]:
    """Semantic HTML of the extracted body with absolute links; its images (url, alt) and link URLs."""
    html_root = to_html(copy.deepcopy(body))
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
    return to_text(plain)


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


def _extract(content: HtmlElement, url: str, base: Extractor) -> Document | None:
    options = copy.copy(base)  # shallow: only the per-page URL differs
    options.url = options.source = url
    try:
        return trafilatura_extract(content, url, options)
    except (RecursionError, ValueError, etree.LxmlError):  # absurdly nested or broken markup
        return None


def _trafilatura_claims(doc: Document) -> list[Claim]:
    """trafilatura's metadata, the last source of each field (it rewrites author names)."""
    found = [("title", doc.title), ("author", doc.author)]
    found += [("tags", t) for t in doc.tags or []] + [("categories", c) for c in doc.categories or []]
    return [Claim(kind, "trafilatura", value, value) for kind, value in found if value]


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
    watch: Stopwatch | None = None,
    dated: bool = False,
) -> Article | None:
    """Extract an article page fetched from *url*; None when it holds no article text.

    A profile's article rules drop elements and pick title, date, author and
    body by CSS selector; *style* reads dates (languages, order, time zone,
    fetch time); *template* removes the blocks the site repeats on every post
    (*blocks*: the tree's template.block_keys, if already worked out); *watch*
    times its stages; *dated*: the crawl has the post's date from a card, feed or
    API, which outranks htmldate's search over the page text (so it is not run).
    A tree passed in is modified.
    """
    watch = watch or Stopwatch()
    tree = html if isinstance(html, HtmlElement) else parse_html(html, url)
    if tree is None:
        return None
    rules = profile.article if profile else ArticleRules()
    style = style or DateStyle(*((profile.languages, profile.date_order) if profile else ()))
    chosen = {"title": _selected_text(tree, rules.title), "author": _selected_text(tree, rules.author),
              "published": style.read(_selected_text(tree, rules.date))}  # fmt: skip
    # widgets first, whole: the template would take the entries every page shares and leave
    # a stub too short to read as a widget, whose other posts' dates then read as this page's
    widgets = drop_dated_link_lists(tree, url)
    template_removed = template.drop(tree, blocks) if template is not None else 0
    for selector in rules.drop:
        for el in tree.cssselect(selector):
            el.drop_tree()
    # lxml keeps comments: trafilatura's text would stop at an inline <!-- --> (React pages)
    etree.strip_tags(tree, etree.Comment)
    watch.lap("widgets and template")
    claims = [Claim(kind, "profile", value, f"profile article.{kind}") for kind, value in chosen.items() if value]
    claims += page_claims(tree, url, style)
    watch.lap("metadata")
    claims += _htmldate_claims(tree, url, claims, extensive=not dated)
    watch.lap("htmldate")
    content = tree
    if rules.body and (found := tree.cssselect(rules.body)):
        content = found[0]
    pictured = content.find(".//img") is not None
    doc = _extract(content, url, _OPTIONS)  # trafilatura reads a copy: content stays for the images pass
    if doc is None:
        return None
    if content is not tree:
        # trafilatura read metadata from the body element alone: read the page's
        meta = page_metadata(tree, url, _OPTIONS.date_params)
        doc.title, doc.author, doc.tags, doc.description = meta.title, meta.author, meta.tags, meta.description
    claims += _trafilatura_claims(doc)
    fields, sources = decide(claims, style.timezone)
    _drop_title_heading(doc.body, fields["title"])
    # body_html keeps the post's images (a migration needs them); body_text is trafilatura's text alone
    pictures = _extract(content, url, _OPTIONS_IMAGES) if pictured else None
    if pictures is not None:
        _drop_title_heading(pictures.body, fields["title"])
    watch.lap("trafilatura")
    body_html, images, links = _body_html((pictures or doc).body, url)
    body_text = _plain_text(doc.body)
    watch.lap("body html and text")
    # Markdown from the clean HTML: markdownify keeps quotes, code blocks and tables
    body_markdown = markdownify(body_html, heading_style="ATX", bullets="-").strip()
    watch.lap("markdown")
    return Article(
        url=url,
        title=fields["title"],
        author=fields["author"],
        published=fields["published"],
        modified=fields["modified"],
        description=doc.description,
        sources=sources,
        body_text=body_text,
        body_html=body_html,
        body_markdown=body_markdown,
        tags=fields["tags"],
        categories=fields["categories"],
        images=images,
        links=links,
        language=_language(tree, doc.language),
        sitename=doc.sitename,
        claims=claims,
        widget_entries=[entry for widget in widgets for entry in widget],
        widgets_removed=len(widgets),
        template_removed=template_removed,
    )
