"""Evidence: every statement of a post's fields, where it came from, and the choice among them.

A blog states a post's date, title, author, excerpt and tags several times: in
the page's structured data (blogarchive.metadata), its theme's markup, its feed
and API, its index card, other posts' recent-posts widgets, its URL, the
sitemap.  Each statement is a Claim; a field's value is its best claim by the
field's ORDER of sources, and claims that disagree are kept as conflicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from lxml.html import HtmlElement

from blogarchive.dates import parse_timestamp
from blogarchive.seams.htmldate_api import url_date

# Best evidence first, per field.  Standards before the theme's markup, the page before
# others' word about it (feed, card, widget); the URL last.  An excerpt is the blog's
# own summary first: its card, API and feed say it; a meta description may be an SEO text.
_ORDER: dict[str, tuple[str, ...]] = {
    "published": ("jsonld", "microdata", "rdfa", "microformat", "opengraph", "meta", "time", "api", "feed",
                  "listing", "widget", "htmldate", "url"),
    "modified": ("jsonld", "microdata", "rdfa", "microformat", "opengraph", "meta", "time", "api", "feed", "sitemap"),
    "title": ("jsonld", "microdata", "rdfa", "microformat", "api", "feed", "markup", "trafilatura", "opengraph",
              "listing"),
    "author": ("jsonld", "microdata", "rdfa", "microformat", "api", "feed", "markup", "opengraph", "meta",
               "trafilatura"),
    "excerpt": ("listing", "api", "feed", "jsonld", "microdata", "rdfa", "microformat", "opengraph", "meta", "body"),
    # microdata's keywords is one text: a theme marking its whole tag list with it runs the tags together
    "tags": ("jsonld", "microformat", "opengraph", "rdfa", "api", "microdata", "markup", "feed", "trafilatura"),
    "categories": ("jsonld", "microdata", "rdfa", "api", "markup", "opengraph", "feed", "trafilatura"),
}  # fmt: skip
# a profile's CSS selectors are the user's word: above everything
ORDER = {kind: ("profile", *sources) for kind, sources in _ORDER.items()}
LIST_FIELDS = ("tags", "categories")


@dataclass(frozen=True)
class Claim:
    """One statement about a post: which field, from where, its value (ISO for dates) and the text it was read from."""

    kind: str  # a field of ORDER: "published", "modified", "title", "author", "excerpt", "tags", "categories"
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


def jsonld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every object in the page's JSON-LD blocks, nested ones included; broken blocks skipped."""

    def walk(node: object) -> Iterator[dict[str, Any]]:
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


def jsonld_types(obj: dict[str, Any]) -> set[str]:
    """An object's @type names ("BlogPosting", also when written as a schema.org URL)."""
    kind = obj.get("@type")
    return {t.rsplit("/", 1)[-1] for t in (kind if isinstance(kind, list) else [kind]) if isinstance(t, str)}


def url_claim(url: str) -> list[Claim]:
    """The date a post's URL states (/2025/05/04/slug), if any."""
    in_url = url_date(url)
    return [Claim("published", "url", in_url, url)] if in_url else []


def _has_time(value: str) -> bool:
    return len(value) > 10


def choose(claims: Iterable[Claim], kind: str) -> Claim | None:
    """The best claim of *kind* by source order; within a source, the first stated.

    A date stated only as a day takes the time of day of a claim that states one
    for the same day (a card's "May 5, 2025" and the page's <time datetime>).
    """
    order = ORDER[kind]
    ranked = [c for c in claims if c.kind == kind and c.source in order]
    best = min(ranked, key=lambda c: order.index(c.source), default=None)
    if best is not None and kind in ("published", "modified") and not _has_time(best.value):
        timed = [c for c in ranked if _has_time(c.value) and c.day == best.day]
        best = min(timed, key=lambda c: order.index(c.source), default=best)
    return best


def choose_all(claims: Iterable[Claim], kind: str) -> tuple[list[str], str | None]:
    """For a list field (tags, categories): every value the best source states, and that source."""
    found = list(claims)
    best = choose(found, kind)
    if best is None:
        return [], None
    return list(dict.fromkeys(c.value for c in found if c.kind == kind and c.source == best.source)), best.source


def _offset(value: str) -> timedelta | None:
    try:
        return datetime.fromisoformat(value).utcoffset() if _has_time(value) else None
    except ValueError:
        return None


def in_blog_zone(value: str, claims: list[Claim], tz: ZoneInfo | None = None) -> str:
    """A UTC time (JSON-LD and meta tags with Z, feeds) in the blog's own zone: the site's
    profile zone if known, else the offset the post's other claims state (nearest in time),
    so that the day is the one the blog shows.  Other values unchanged."""
    if _offset(value) != timedelta(0):
        return value
    moment = datetime.fromisoformat(value)
    if tz is not None:
        return moment.astimezone(tz).isoformat(timespec="seconds")
    stated = [(datetime.fromisoformat(c.value), off) for c in claims
              if c.kind in ("published", "modified") and (off := _offset(c.value))]  # fmt: skip
    if not stated:
        return value
    # nearest in time: a modified date months later may fall on the other side of daylight time
    offset = min(stated, key=lambda s: abs((s[0] - moment).total_seconds()))[1]
    return moment.astimezone(timezone(offset)).isoformat(timespec="seconds")


def decide(claims: Iterable[Claim], tz: ZoneInfo | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Every field's chosen value (a list for tags and categories), and the source of each;
    dates in the blog's zone (in_blog_zone)."""
    found = list(claims)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for kind in ORDER:
        if kind in LIST_FIELDS:
            values[kind], source = choose_all(found, kind)
        else:
            best = choose(found, kind)
            values[kind], source = (best.value, best.source) if best else (None, None)
        if source:
            sources[kind] = source
    for kind in ("published", "modified"):
        if values[kind]:
            values[kind] = _shown_day(in_blog_zone(values[kind], found, tz), kind, found)
    return values, sources


def _shown_day(value: str, kind: str, claims: list[Claim]) -> str:
    """A UTC time no source gives the blog's offset for, on another day than the one the blog
    shows (its URL, its card's date): that shown day, without the time (its offset unknown).

    Hexo, Docusaurus and others write every machine-readable date in UTC; for a blog far
    from UTC a third of the posts would otherwise come out a day early or late."""
    if _offset(value) != timedelta(0):
        return value
    shown = {c.day for c in claims if c.kind == kind and c.source in ("url", "listing") and not _has_time(c.value)}
    if len(shown) != 1:
        return value
    day = shown.pop()
    apart = abs((datetime.fromisoformat(day) - datetime.fromisoformat(value[:10])).days)
    return day if apart == 1 else value


def conflicts(claims: Iterable[Claim], chosen: Claim | None) -> list[dict[str, str]]:
    """Claims of the chosen one's field whose value differs (dates: their day), one per source and value."""
    if chosen is None:
        return []
    dated = chosen.kind in ("published", "modified")

    def key(claim: Claim) -> str:
        return claim.day if dated else " ".join(claim.value.split()).casefold()

    seen, out = set(), []
    for claim in claims:
        if claim.kind == chosen.kind and key(claim) != key(chosen) and (claim.source, key(claim)) not in seen:
            seen.add((claim.source, key(claim)))
            out.append({"source": claim.source, "date" if dated else "value": key(claim) if dated else claim.value,
                        "raw": claim.raw})  # fmt: skip
    return out


def to_json(claims: Iterable[Claim]) -> list[dict[str, str]]:
    return [asdict(c) for c in dict.fromkeys(claims)]


def from_json(items: Iterable[dict[str, str]]) -> list[Claim]:
    return [Claim(**item) for item in items]
