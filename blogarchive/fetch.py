"""Fetching: what a response says for the next crawl, held pages, and the nightly's conditional requests.

Pure functions and records; the downloader middlewares that apply them to every
request are in blogarchive.middlewares.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Response, TextResponse

from blogarchive.listing import Card

_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype html|html|head|body)", re.I | re.S)
_GONE = (404, 410)


def is_html(response: Response) -> bool:
    """An HTML page, by its Content-Type or, when that is wrong or missing, by its first bytes."""
    if not isinstance(response, TextResponse):
        return False
    content_type = (response.headers.get("Content-Type") or b"").lower()
    return b"html" in content_type or bool(_HTML_START.match(response.body[:1024]))


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


@dataclass(frozen=True)
class FetchInfo:
    """What a response says for the next crawl: validators, sitemap lastmod, redirects."""

    etag: str | None
    last_modified: str | None
    lastmod: str | None
    redirected_from: tuple[str, ...]

    @classmethod
    def of(cls, response: Response) -> FetchInfo:
        return cls(
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            lastmod=response.meta.get("lastmod"),
            redirected_from=tuple(response.meta.get("redirect_urls", ())),
        )


@dataclass
class Page:
    """A fetched page the spider may read again: held posts, pages without a verdict."""

    url: str
    body: bytes
    content_type: str | None
    card: Card | None
    listing_url: str | None
    fetch: FetchInfo
    blocks: list[str] = dataclasses.field(default_factory=list)

    @classmethod
    def of(cls, response: Response, card: Card | None, listing_url: str | None) -> Page:
        return cls(response.url, response.body, _header(response, "Content-Type"), card, listing_url,
                   FetchInfo.of(response))  # fmt: skip


def remembered_card(url: str, known: dict[str, Any]) -> Card | None:
    """The card an earlier crawl met for a known post, as the archive stored it."""
    if not (known["card_title"] or known["card_date"]):
        return None
    excerpt = known["excerpt"] if known["excerpt_source"] == "listing" else None
    return Card(url, known["card_title"], known["card_date"], excerpt)


def conditional(request: Request, known: dict[str, Any], full: bool) -> None:
    """Make a page request for a known post ask only for news (in place)."""
    # its 304, 404 and 410 answers are news for the archive
    request.meta["handle_httpstatus_list"] = [304, *_GONE]
    # reached without its card tonight (sitemap, feed, re-check): the card stored
    # last time still gives its date and excerpt
    if request.cb_kwargs.get("card") is None:
        request.cb_kwargs["card"] = remembered_card(request.url, known)
    if not full and not known["removed_at"]:
        if known["etag"]:
            request.headers.setdefault("If-None-Match", known["etag"])
        if known["http_last_modified"]:
            request.headers.setdefault("If-Modified-Since", known["http_last_modified"])


def unchanged_in_sitemap(known: dict[str, Any] | None, lastmod: str | None) -> bool:
    """True for a sitemap entry whose lastmod is the one stored when its post was archived."""
    return bool(lastmod and known is not None and known["sitemap_lastmod"] == lastmod)


def replay(pages: list[Page], callback: Any, errback: Any) -> Request:
    """The request that hands held *pages* back to *callback* (HeldPages answers it)."""
    return Request(pages[0].url, callback=callback, errback=errback, dont_filter=True,
                   meta={"held": pages, "dont_cache": True}, cb_kwargs={"pages": pages})  # fmt: skip


class RevalidatePolicy(RFC2616Policy):
    """Scrapy's RFC 2616 cache policy, for a nightly run that must see tonight's site: a stored
    page is always revalidated (If-None-Match / If-Modified-Since, never taken as fresh), and
    stands in for the page only on 304 (never on a 5xx or a network error: a site down must be
    seen as one).  Only pages with a validator are stored: others cannot be revalidated.
    One exception: a guessed address (meta "guess": /sitemap.xml) that answered 404 is not
    asked again until the cache is off (--full, weekly), which finds a sitemap added since."""

    def should_cache_response(self, response: Response, request: Request) -> bool:
        if b"no-store" in self._parse_cachecontrol(response):
            return False
        if response.status == 404:
            return bool(request.meta.get("guess"))
        if response.status != 200:
            return False
        return b"ETag" in response.headers or b"Last-Modified" in response.headers

    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        if cachedresponse.status == 404:
            return True
        self._set_conditional_validators(request, cachedresponse)
        return False

    def is_cached_response_valid(self, cachedresponse: Response, response: Response, request: Request) -> bool:
        return response.status == 304


def cache_settings(db_path: str | None, full: bool, blog: str) -> dict[str, Any]:
    """Every page of a nightly run asked for conditionally: index and archive pages, sitemaps,
    feeds, robots.txt, static pages (posts have their own, from the archive: KnownPosts).
    Stored beside the archive, a folder per blog (ARCHIVE.http/BLOG/: blogs crawled side by
    side in one process never share a cache file); off for --full, which asks for everything."""
    if not db_path or full:
        return {}
    folder = re.sub(r"[^A-Za-z0-9._-]+", "_", blog) or "blog"
    return {"HTTPCACHE_ENABLED": True, "HTTPCACHE_DIR": f"{Path(db_path).resolve()}.http/{folder}",
            "HTTPCACHE_POLICY": "blogarchive.fetch.RevalidatePolicy"}  # fmt: skip
