"""A post page's record: its article, its card, and what the rest of the crawl says of it.

A pure function of what the crawl knows (`Context`): the spider hands it a page
read by blogarchive.pagework and stores what comes back (the item, the links to
follow, the widget dates for other posts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from blogarchive.evidence import Claim, DateStyle
from blogarchive.fetch import Page
from blogarchive.items import PostItem
from blogarchive.merge import merge
from blogarchive.metadata import own_claims
from blogarchive.pagework import PageFacts
from blogarchive.urls import canonical_url, followable, looks_like_page, same_site


@dataclass(frozen=True)
class Context:
    """What the crawl knows that a post's record needs."""

    start_url: str
    site: str | None
    style: DateStyle
    site_values: frozenset[tuple[str, str]]  # the start page's meta description, author: no post's own
    site_claims: Mapping[str, list[Claim]]  # feeds and the WordPress API, by canonical URL
    not_a_post: Callable[[str], bool]  # the home page, the start page, listings


@dataclass
class Assembled:
    """A post's record and what the crawl learns from it."""

    item: PostItem
    body_links: list[str] = field(default_factory=list)  # same-site pages its body links to
    widget_claims: dict[str, list[Claim]] = field(default_factory=dict)  # other posts' dates
    ignored_canonical: str | None = None  # a rel=canonical that names no post
    malformed_links: int = 0


def assemble(facts: PageFacts, page: Page, ctx: Context) -> Assembled | None:
    """The post's record, or None when the page held no article text."""
    article = facts.article
    if article is None:
        return None
    url, fetch, style = page.url, page.fetch, ctx.style
    links = [u for u in dict.fromkeys(article.links) if followable(u)]
    body_links = [u for u in links if same_site(u, ctx.start_url) and looks_like_page(u)]
    widget: dict[str, list[Claim]] = {}
    for entry in article.widget_entries:
        # another post's date, as this page's widget states it
        if followable(entry.url) and (day := style.read(entry.date_text)):
            widget.setdefault(canonical_url(entry.url), []).append(Claim("published", "widget", day, entry.date_text))
    lastmod = style.read(fetch.lastmod)
    extra = [Claim("modified", "sitemap", lastmod, fetch.lastmod or "")] if lastmod else []
    declared = facts.canonical
    for key in dict.fromkeys(canonical_url(u) for u in (url, declared) if u and followable(u)):
        extra += ctx.site_claims.get(key, [])
    article.claims = own_claims(article.claims, ctx.site_values)
    item = merge(article, page.card, page.listing_url, style, extra)
    aliases, ignored = list(fetch.redirected_from), None
    if declared and followable(declared) and same_site(declared, url):
        if ctx.not_a_post(declared):
            # a theme bug: every post "canonical" to the home page would make them one post
            ignored = declared
        else:
            # the site's own canonical URL is the post's key; what we fetched is an alias
            item.url = declared
            aliases.append(url)
    item.aliases = aliases
    pdfs = [u for u in article.links if urlsplit(u).path.lower().endswith(".pdf")]
    item.asset_urls = list(dict.fromkeys([image["url"] for image in article.images] + pdfs))
    item.etag, item.http_last_modified, item.sitemap_lastmod = fetch.etag, fetch.last_modified, fetch.lastmod
    item.site = ctx.site
    return Assembled(item, body_links, widget, ignored, len(set(article.links)) - len(links))
