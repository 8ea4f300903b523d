"""Date evidence: every statement of a post's dates, where it came from, and the choice among them.

A blog states a post's date several times — in the page's JSON-LD and meta tags,
in a <time> of the article header, on its index card, in other posts'
recent-posts widgets, in its URL, in the sitemap.  Each statement is a Claim;
the published date is the first claim in PUBLISHED_ORDER, and claims that
disagree with it are kept as conflicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from htmldate import find_date
from lxml.html import HtmlElement

from blogarchive.dates import parse_timestamp

# Best evidence first.  The widget is other pages' word about this post: after its card.
PUBLISHED_ORDER = ("jsonld", "meta", "time", "listing", "widget", "url")
MODIFIED_ORDER = ("jsonld", "meta", "time", "sitemap")
_PUBLISHED_META = {
    "article:published_time", "og:published_time", "datepublished", "publish-date", "publish_date",
    "pubdate", "date", "dc.date", "dc.date.issued", "dcterms.created", "dcterms.issued",
    "sailthru.date", "parsely-pub-date", "article.published", "published_time", "citation_publication_date",
}  # fmt: skip
_MODIFIED_META = {
    "article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "dc.date.modified",
    "article.updated", "last-modified", "modified_time",
}  # fmt: skip
_ARTICLE_TYPES = {"Article", "BlogPosting", "NewsArticle", "TechArticle", "SocialMediaPosting", "Report"}


@dataclass(frozen=True)
class Claim:
    """One statement of a date: which date, from where, its ISO value and the text it was read from."""

    kind: str  # "published" or "modified"
    source: str
    value: str
    raw: str

    @property
    def day(self) -> str:
        return self.value[:10]


@dataclass(frozen=True)
class DateStyle:
    """How a site writes dates: languages, day/month order, its time zone."""

    languages: tuple[str, ...] = ("en",)
    date_order: str | None = None
    timezone: ZoneInfo | None = None
    fetched: datetime | None = None

    def read(self, text: str | None) -> str | None:
        return parse_timestamp(text, self.languages, self.date_order, self.timezone, self.fetched)


def jsonld_objects(tree: HtmlElement) -> Iterator[dict]:
    """Every object in the page's JSON-LD blocks, nested ones included; broken blocks skipped."""

    def walk(node: object) -> Iterator[dict]:
        if isinstance(node, dict):
            yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            yield from walk(json.loads(script.text or ""))
        except (ValueError, RecursionError):
            continue


def jsonld_types(obj: dict) -> set[str]:
    """An object's @type names ("BlogPosting", also when written as a schema.org URL)."""
    kind = obj.get("@type")
    return {t.rsplit("/", 1)[-1] for t in (kind if isinstance(kind, list) else [kind]) if isinstance(t, str)}


def page_claims(tree: HtmlElement, url: str, style: DateStyle) -> list[Claim]:
    """Date claims a page makes about itself (call after widgets are removed)."""
    claims: list[Claim] = []

    def add(kind: str, source: str, raw: object) -> None:
        if isinstance(raw, str) and (value := style.read(raw)):
            claims.append(Claim(kind, source, value, raw.strip()))

    objects = list(jsonld_objects(tree))
    # the Article's own dates before those of any WebPage or WebSite around it
    for obj in sorted(objects, key=lambda o: not (jsonld_types(o) & _ARTICLE_TYPES)):
        add("published", "jsonld", obj.get("datePublished"))
        add("modified", "jsonld", obj.get("dateModified"))
    for meta in tree.xpath("//meta[@content]"):
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if name in _PUBLISHED_META:
            add("published", "meta", meta.get("content"))
        elif name in _MODIFIED_META:
            add("modified", "meta", meta.get("content"))
    for el in tree.xpath('//article//time[@datetime]|//*[@itemprop="datePublished"][@datetime]'):
        kind = "modified" if "updated" in (el.get("class") or "") else "published"
        add(kind, "time", el.get("datetime"))
    for el in tree.xpath('//*[@itemprop="dateModified"][@datetime]'):
        add("modified", "time", el.get("datetime"))
    in_url = find_date("<html><body></body></html>", url=url, extensive_search=False)
    if in_url:
        claims.append(Claim("published", "url", in_url, url))
    return claims


def choose(claims: Iterable[Claim], kind: str) -> Claim | None:
    """The best claim of *kind* by source order; within a source, the first stated."""
    order = PUBLISHED_ORDER if kind == "published" else MODIFIED_ORDER
    ranked = [c for c in claims if c.kind == kind and c.source in order]
    return min(ranked, key=lambda c: order.index(c.source), default=None)


def conflicts(claims: Iterable[Claim], chosen: Claim | None) -> list[dict[str, str]]:
    """Published-date claims whose day differs from the chosen one's, one per source and day."""
    if chosen is None:
        return []
    seen, out = set(), []
    for claim in claims:
        key = (claim.source, claim.day)
        if claim.kind == "published" and claim.day != chosen.day and key not in seen:
            seen.add(key)
            out.append({"source": claim.source, "date": claim.day, "raw": claim.raw})
    return out


def to_json(claims: Iterable[Claim]) -> list[dict[str, str]]:
    return [asdict(c) for c in dict.fromkeys(claims)]


def from_json(items: Iterable[dict[str, str]]) -> list[Claim]:
    return [Claim(**item) for item in items]
