"""Downloader middlewares of the fetch stage (registered in blogarchive.settings).

Downloader middlewares see every request however it was scheduled (callbacks,
the phases' spider_idle handler):

- `KnownPosts`: a page request for a post the archive holds is asked for with
  If-None-Match / If-Modified-Since (unless the run is --full or the post was
  removed), takes 304, 404 and 410 answers to its callback, and carries the card
  stored last time when it was reached without one (blogarchive.fetch.conditional).
- `Revalidate`: Scrapy's HTTP cache with blogarchive.fetch.RevalidatePolicy, so that
  every other page (index, archives, sitemaps, feeds, robots.txt, static pages) is
  asked for conditionally too; a 304 hands the stored page to its callback.
- `PageCap`: `--max-pages N` is N pages fetched, exactly: the request after the Nth is
  refused (pages in flight would overshoot a cap on responses), and the crawl then ends
  as any other, with the posts it holds extracted.
- `HeldPages`: a request for pages the spider already holds (phase 3: posts held
  while the template was learned, pages without a verdict) is answered from
  memory, as an HTTP cache would, never fetched again (blogarchive.fetch.replay).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response

from blogarchive.crawlstate import crawl_state
from blogarchive.fetch import Page, conditional
from blogarchive.urls import canonical_url


class KnownPosts:
    """Downloader middleware: every page request for a known post, whichever phase made it,
    asks only for news (`conditional`)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownPosts:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        state = crawl_state(self.crawler)
        if state is None or "source" not in request.meta:
            return
        if (known := state.known.get(canonical_url(request.url))) is not None:
            conditional(request, known, state.config.full)


class HeldPages:
    """Downloader middleware: a request with meta["held"] (a list of `Page`) is answered with
    the first page's body from memory; its callback reads them all."""

    REPLAYED = "blogarchive/replayed"  # responses answered from memory (not fetched pages)

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HeldPages:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> Response | None:
        pages: Iterable[Page] | None = request.meta.get("held")
        if not pages:
            return None
        first = next(iter(pages))
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(self.REPLAYED)
        headers = {"Content-Type": first.content_type} if first.content_type else {}
        return HtmlResponse(request.url, body=first.body, headers=headers, request=request)



class Revalidate(HttpCacheMiddleware):
    """Scrapy's HttpCacheMiddleware, except that a network error is an error (the stored page
    never stands in for a site that did not answer), and that a page fetched or confirmed
    once this run is not asked for again this run (robots.txt: Scrapy's robots middleware
    and the sitemap phase both read it)."""

    def __init__(self, settings: Any, stats: Any) -> None:
        super().__init__(settings, stats)
        self._confirmed: set[bytes] = set()

    def _key(self, request: Request) -> bytes:
        return self.crawler.request_fingerprinter.fingerprint(request)

    def process_request(self, request: Request, spider: Any = None) -> Request | Response | None:
        if not request.meta.get("dont_cache") and self._key(request) in self._confirmed:
            cached: Response | None = self.storage.retrieve_response(self.crawler.spider, request)
            if cached is not None:
                cached.flags.append("cached")
                self.stats.inc_value("httpcache/hit")
                return cached
        return super().process_request(request)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        answer = super().process_response(request, response)
        if isinstance(answer, Response) and answer.status == 200 and not request.meta.get("dont_cache"):
            self._confirmed.add(self._key(request))
        return answer

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> Response | None:
        request.meta.pop("cached_response", None)
        return None


class PageCapReached(IgnoreRequest):
    """A request refused because the crawl fetched its --max-pages already."""


class PageCap:
    """Downloader middleware: at most max_pages requests reach the network (cache hits and
    held pages answered from memory are not fetched, so not counted)."""

    CAPPED = "blogarchive/capped_requests"

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.sent = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageCap:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        state = crawl_state(self.crawler)
        cap = state.config.max_pages if state is not None else None
        if not cap or request.meta.get("redirect_times"):
            return  # a redirect's next hop is the same page
        if self.sent >= cap:
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value(self.CAPPED)
            raise PageCapReached(f"page cap ({cap}) reached: {request.url}")
        self.sent += 1
