"""What a page's standard markup says about its post, as claims for every field.

Read through extruct: JSON-LD, microdata and RDFa (schema.org), OpenGraph,
Dublin Core and microformats (h-entry, hAtom and hCard, through mf2py).  Then,
last, the theme's own markup: `<time>` in the article, an hAtom `published`
outside any h-entry root (Pelican's themes), and the article's links to the
blog's tag, category and author archives.  Values are kept verbatim: a site's
author names and titles are its own words.

Each claim is (field, source, value, raw); blogarchive.evidence chooses among them.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import extruct
from lxml import etree
from lxml.html import HtmlElement

from blogarchive.discovery import ARTICLE_TYPES
from blogarchive.evidence import Claim, DateStyle, jsonld_types, url_claim
from blogarchive.urls import archive_kind, canonical_url

log = logging.getLogger(__name__)

# A WebPage's dates are the post's when no Article says otherwise (some themes say only WebPage).
_PAGE_TYPES = {"WebPage", "ItemPage"}
_SCHEMA = re.compile(r"^https?://schema\.org/")
# The element holding the post, when the theme marks it: the scope of its time, tag and author links.
_SCOPE = ('//*[contains(concat(" ", normalize-space(@class), " "), " h-entry ")'
          ' or contains(concat(" ", normalize-space(@class), " "), " hentry ")]'
          '|//article|//*[@itemtype and contains(@itemtype, "Posting")]|//main')  # fmt: skip
# The field a link to one of the blog's archives names.
_ARCHIVE_FIELDS = {"tag": "tags", "category": "categories", "author": "author"}
_UPDATED_LABEL = re.compile(r"\b(updated|modified|edited|revised)\b", re.I)
_TITLE_MAX = 300  # a microformat's implied name can be a whole entry's text


def _cls(name: str) -> str:
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


def _text(node: Any) -> str | None:
    """A value as one line of text: strings, {"name": ...}, {"@value": ...}, first of a list."""
    if isinstance(node, list):
        return next((t for t in map(_text, node) if t), None)
    if isinstance(node, dict):
        return _text(node.get("name") or node.get("@value") or node.get("value"))
    if isinstance(node, str | int | float) and not isinstance(node, bool):
        return " ".join(str(node).split()) or None
    return None


def _texts(node: Any) -> list[str]:
    """Every value of a property that may be one or many (keywords, author, category)."""
    items = node if isinstance(node, list) else [node]
    return [t for t in (_text(i) for i in items) if t]


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key != "author":  # an author's own page (a Person with dates) is not the post
                yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _rdfa_objects(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """RDFa's graph as schema.org-style objects: property names without their vocabulary,
    references to other nodes resolved one level."""
    nodes = {item.get("@id"): item for item in items}

    def plain(item: dict[str, Any], depth: int = 0) -> dict[str, Any]:
        out: dict[str, Any] = {"@type": item.get("@type", [])}
        for key, values in item.items():
            if key.startswith("@"):
                continue
            name = _SCHEMA.sub("", key).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            resolved = []
            for value in values if isinstance(values, list) else [values]:
                ref = value.get("@id") if isinstance(value, dict) else None
                if ref in nodes and depth < 1 and "@value" not in value:
                    resolved.append(plain(nodes[ref], depth + 1))
                else:
                    resolved.append(value)
            out[name] = resolved
        return out

    return [plain(item) for item in items]


def _is_own(obj: dict[str, Any], page: str) -> bool:
    """True when a schema.org object names this page as its URL (or names none)."""
    named = [n for key in ("url", "@id", "mainEntityOfPage") if (n := _text(obj.get(key))) and n.startswith("http")]
    return not named or any(canonical_url(n.split("#")[0]) == page for n in named)


def _schema_claims(objects: list[dict[str, Any]], source: str, page: str, style: DateStyle) -> Iterator[Claim]:
    """Claims from schema.org objects: the page's own Article first, a WebPage's dates after."""
    articles = [o for o in objects if jsonld_types(o) & ARTICLE_TYPES]
    own = [o for o in articles if _is_own(o, page)] or articles[:1]
    for obj in own:
        yield from _claims_of(source, style, title=obj.get("headline") or obj.get("name"),
                              published=obj.get("datePublished") or obj.get("dateCreated"),
                              modified=obj.get("dateModified"), author=obj.get("author") or obj.get("creator"),
                              excerpt=obj.get("description") or obj.get("abstract"), tags=obj.get("keywords"),
                              categories=obj.get("articleSection"))  # fmt: skip
    if not own:
        for obj in (o for o in objects if jsonld_types(o) & _PAGE_TYPES):
            yield from _claims_of(source, style, published=obj.get("datePublished"), modified=obj.get("dateModified"))


def _claims_of(source: str, style: DateStyle, **fields: Any) -> Iterator[Claim]:
    for kind, raw in fields.items():
        if raw is None:
            continue
        if kind in ("published", "modified"):
            text = _text(raw)
            if text and (value := style.read(text)):
                yield Claim(kind, source, value, text)
        elif kind in ("tags", "categories"):
            values = _texts(raw)
            if len(values) == 1 and "," in values[0]:  # schema.org keywords: one comma-separated text
                values = [v.strip() for v in values[0].split(",") if v.strip()]
            yield from (Claim(kind, source, v, v) for v in dict.fromkeys(values))
        elif kind == "author":
            for name in dict.fromkeys(_texts(raw)):
                if not name.startswith("http"):  # article:author is often a profile URL
                    yield Claim(kind, source, name, name)
        elif (text := _text(raw)) and not (kind == "title" and len(text) > _TITLE_MAX):
            yield Claim(kind, source, text, text)


def _opengraph_claims(items: list[dict[str, Any]], style: DateStyle, any_type: bool = False) -> Iterator[Claim]:
    for og in items:
        if not any_type and str(og.get("og:type", "article")).lower() != "article":
            continue  # a website's or profile's description is not a post's
        yield from _claims_of("opengraph", style, title=og.get("og:title"),
                              published=og.get("article:published_time"),
                              modified=og.get("article:modified_time") or og.get("og:updated_time"),
                              author=og.get("article:author"), excerpt=og.get("og:description"),
                              tags=og.get("article:tag"), categories=og.get("article:section"))  # fmt: skip


_DC = {"title": "title", "creator": "author", "date": "published", "created": "published", "issued": "published",
       "modified": "modified", "description": "excerpt", "subject": "tags"}  # fmt: skip


def _dublincore_claims(items: list[dict[str, Any]], style: DateStyle) -> Iterator[Claim]:
    for block in items:
        for element in [*block.get("elements", []), *block.get("terms", [])]:
            name = str(element.get("URI", "")).rstrip("/").rsplit("/", 1)[-1].lower()
            if kind := _DC.get(name):
                yield from _claims_of("meta", style, **{kind: element.get("content")})


def _entries(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        if "h-entry" in item.get("@type", []):
            yield item
        yield from _entries(item.get("children", []))


def _microformat_claims(items: list[dict[str, Any]], page: str, style: DateStyle) -> Iterator[Claim]:
    """The page's h-entry (by its URL, or the only one); the h-card of its author."""
    entries = list(_entries(items))
    own = [e for e in entries if any(canonical_url(u) == page for u in _texts(e.get("url")))]
    for entry in own or (entries if len(entries) == 1 else []):
        names = _texts(entry.get("name"))
        yield from _claims_of("microformat", style, title=names[0] if names and "\n" not in names[0] else None,
                              published=entry.get("published"), modified=entry.get("updated"),
                              author=entry.get("author"), excerpt=entry.get("summary"),
                              tags=entry.get("category"))  # fmt: skip


def _hatom_claims(scope: HtmlElement, style: DateStyle) -> Iterator[Claim]:
    """hAtom and hCard classes where no h-entry root wraps them (Pelican's themes):
    `published`/`updated` read by the value-class rules (abbr title, time datetime), the
    `author vcard`'s `fn`."""
    for kind, names in (
        ("published", ("published", "dt-published")),
        ("modified", ("updated", "dt-updated", "modified")),
    ):
        for el in scope.xpath(f".//*[{' or '.join(_cls(n) for n in names)}]"):
            raw = el.get("datetime") if el.tag == "time" else el.get("title") if el.tag == "abbr" else None
            raw = raw or " ".join(el.text_content().split())
            if value := style.read(raw):
                yield Claim(kind, "microformat", value, raw)
    for el in scope.xpath(f".//*[{_cls('author')} and {_cls('vcard')}]//*[{_cls('fn')}]"):
        if name := " ".join(el.text_content().split()):
            yield Claim("author", "microformat", name, name)


def _markup_claims(scope: HtmlElement, style: DateStyle, page_title: str) -> Iterator[Claim]:
    """The theme's plain markup in the post's element: its first heading when the page's
    <title> repeats it, its <time>s (a label saying "updated" makes one the modified
    date), rel=tag links, links to the blog's tag, category and author archives."""
    heading = next(iter(scope.xpath(".//h1|.//h2|.//h3")), None)
    if heading is not None and (text := " ".join(heading.text_content().split())) and text in page_title:
        yield Claim("title", "markup", text, text)
    for el in scope.xpath(".//time[@datetime]"):
        before = (el.getprevious().tail if el.getprevious() is not None else el.getparent().text) or ""
        kind = "modified" if _UPDATED_LABEL.search(f"{el.get('class', '')} {before}") else "published"
        if value := style.read(el.get("datetime")):
            yield Claim(kind, "time", value, el.get("datetime", ""))
    for a in scope.xpath(".//a[@href]"):
        text = " ".join(a.text_content().split())
        rel = (a.get("rel") or "").split()
        # the archive a link leads to says what it names (WordPress marks categories rel=tag too)
        named = _ARCHIVE_FIELDS.get(archive_kind(a.get("href", "")) or "")
        if named is None and "tag" in rel:
            named = "tags"
        elif named is None and "author" in rel:
            named = "author"
        if named and text and len(text) < 100:
            yield Claim(named, "markup", text, text)


def _scope(tree: HtmlElement) -> HtmlElement | None:
    found = tree.xpath(_SCOPE)
    return found[0] if found else None


def structured_claims(tree: HtmlElement, url: str, style: DateStyle) -> list[Claim]:
    """Every claim the page's markup makes about its own post (call once widgets are removed)."""
    page = canonical_url(url)
    data = _extract_tree(tree, url, ["json-ld", "microdata", "opengraph", "dublincore"])
    claims: list[Claim] = []
    jsonld = _schema_claims([o for obj in data.get("json-ld", []) for o in _walk(obj)], "jsonld", page, style)
    # generators write JSON-LD text HTML-escaped ("&amp;", "&#8217;": jekyll-seo-tag, Yoast)
    claims += [replace(c, value=html.unescape(c.value)) for c in jsonld]
    claims += _schema_claims([o for obj in data.get("microdata", []) for o in _walk(obj)], "microdata", page, style)
    claims += _schema_claims(_rdfa(tree, url), "rdfa", page, style)
    # microformats rank below schema.org: not parsed (the costly part of a page) when it told all
    if not {"title", "published", "author"} <= {c.kind for c in claims}:
        claims += _microformat_claims(_microformats(tree, url), page, style)
    scope = _scope(tree)
    if scope is not None:
        claims += _hatom_claims(scope, style)
    claims += _opengraph_claims(data.get("opengraph", []), style)
    claims += _dublincore_claims(data.get("dublincore", []), style)
    claims += _meta_authors(tree)
    if scope is not None:
        claims += _markup_claims(scope, style, " ".join((tree.findtext(".//title") or "").split()))
    return claims


# Claims a blog's home page makes of the whole site: a post repeating them states nothing of its own.
SITE_WIDE = ("excerpt", "author")
_SITE_SOURCES = ("meta", "opengraph", "trafilatura")


def site_values(tree: HtmlElement, url: str) -> frozenset[tuple[str, str]]:
    """(field, value) pairs the home page's meta tags state: the site's description and author."""
    data = _extract_tree(tree, url, ["opengraph", "dublincore"])
    claims = [*_opengraph_claims(data.get("opengraph", []), DateStyle(), any_type=True),
              *_dublincore_claims(data.get("dublincore", []), DateStyle()), *_meta_authors(tree)]  # fmt: skip
    return frozenset((c.kind, c.value) for c in claims if c.kind in SITE_WIDE)


def own_claims(claims: list[Claim], site: frozenset[tuple[str, str]]) -> list[Claim]:
    """*claims* without the meta values the whole site states (a theme's one description on every page)."""
    return [c for c in claims if c.source not in _SITE_SOURCES or (c.kind, c.value) not in site]


def _meta_authors(tree: HtmlElement) -> list[Claim]:
    return [Claim("author", "meta", v.strip(), v) for v in tree.xpath('//meta[@name="author"]/@content') if v.strip()]


def page_claims(tree: HtmlElement, url: str, style: DateStyle) -> list[Claim]:
    """The page's claims about its post: its markup's, then its URL's date."""
    return structured_claims(tree, url, style) + url_claim(url)


def _extract_tree(tree: HtmlElement, url: str, syntaxes: list[str]) -> dict[str, list[dict[str, Any]]]:
    try:
        found: dict[str, list[dict[str, Any]]] = extruct.extract(
            tree, base_url=url, syntaxes=syntaxes, uniform=True, with_og_array=True, errors="ignore"
        )
        return found
    except (ValueError, TypeError, RecursionError) as err:  # malformed markup must not cost the post
        log.debug("structured data unreadable on %s: %s", url, err)
        return {}


def _serialised(tree: HtmlElement, tail: bool = True) -> str:
    return str(etree.tostring(tree, encoding="unicode", method="html", with_tail=tail))


def _microformats(tree: HtmlElement, url: str) -> list[dict[str, Any]]:
    # mf2py parses again (BeautifulSoup, slowly): only the outermost entries, where there are any
    entry = f"{_cls('h-entry')} or {_cls('hentry')}"
    roots = tree.xpath(f"//*[{entry}][not(ancestor::*[{entry}])]")
    if not roots:
        return []
    html = "<html><body>" + "".join(_serialised(root, tail=False) for root in roots) + "</body></html>"
    return _extract(html, url, "microformat")


def _rdfa(tree: HtmlElement, url: str) -> list[dict[str, Any]]:
    # RDFa needs its own DOM parse: only when an element of the body declares a type
    if not tree.xpath("//body//*[@typeof]"):
        return []
    return _rdfa_objects(_extract(_serialised(tree), url, "rdfa"))


def _extract(html: str, url: str, syntax: str) -> list[dict[str, Any]]:
    try:
        found: list[dict[str, Any]] = extruct.extract(html, base_url=url, syntaxes=[syntax], uniform=True,
                                                      errors="ignore").get(syntax, [])  # fmt: skip
        return found
    except (ValueError, TypeError, RecursionError) as err:
        log.debug("%s unreadable on %s: %s", syntax, url, err)
        return []
