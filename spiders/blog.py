"""Any blog: index pagination and archives first, then sitemaps and feeds.

    scrapy crawl blog -a start_url=URL [-a profile=NAME|PATH] [-a max_pages=N] [-a full=1] [-a site=NAME]

Phases, each starting when the previous one has nothing left to fetch: 1. the start
page, its pagination, cards and archives (a post is first requested from its card, so
the card's date and excerpt are with it); 2. robots.txt, sitemaps, feeds, links found in
posts, and (unless the nightly walk stopped early on known cards) every known post not
met, so that a 404/410 marks it removed; 3. known posts tonight's sources no longer
list, newer links from posts, then the pages held while the template was learned or
without a verdict.  The spider holds callbacks only: what they remember and decide is
the crawl's state (blogarchive.crawlstate); conditional requests and held pages are
middlewares (blogarchive.middlewares); a post's record is blogarchive.assemble's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.python.failure import Failure

from blogarchive.captures import NotReplayed
from blogarchive.crawlstate import CrawlConfig, CrawlState, attach
from blogarchive.discovery import classify, feed_items, next_feed_page
from blogarchive.fetch import Page, is_html, replay
from blogarchive.items import PostItem
from blogarchive.listing import Card
from blogarchive.middlewares import PageCapReached
from blogarchive.pagework import PageFacts
from blogarchive.sitemaps import sitemap_xml
from blogarchive.urls import home_page, same_site
from blogarchive.wpapi import api_claims, more_api_pages, posts_url

_STRONG = {"card", "feed", "posts-sitemap", "known"}


class BlogSpider(scrapy.Spider):
    """Finds every post of a blog from its address; yields PostItem."""

    name = "blog"
    default_start_url: str | None = None
    default_profile: str | None = None

    def __init__(self, start_url: str | None = None, profile: str | None = None, max_pages: str | None = None,
                 full: str | bool = False, stop_after: str | None = None, site: str | None = None,
                 resume: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(**kwargs)
        self.config = CrawlConfig.from_args(start_url, profile, max_pages, full, stop_after, site, resume,
                                            self.default_start_url, self.default_profile)  # fmt: skip
        self.start_url, self.site = self.config.start_url, self.config.site
        self.allowed_domains = self.config.allowed_domains
        self.state = CrawlState(self.config, logger=self.logger)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> BlogSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        attach(crawler, spider.state)
        # Settings are still open here in a real crawl (Scrapy applies them after
        # creating the spider); a crawler built already frozen, as in tests, keeps its own.
        if not crawler.settings.frozen:
            crawler.settings.setdict(spider.config.settings(crawler.settings.get("BLOGARCHIVE_DB")), priority="spider")
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        state, settings = self.state, self.crawler.settings
        # this run's own row: from the command line's job, or the RunRecord extension
        run = settings.getint("BLOGARCHIVE_RUN_ID") or self.crawler.stats.get_value("blogarchive/run_id")
        state.open(settings, run or None)
        if self.config.resume is not None:
            state.phase = 3  # no discovery phases: the lost requests only
            for lead in self.config.resumed():
                yield self._page(lead.url, lead.source, lead.card, lead.listing_url)
            return
        yield self._page(self.start_url, "start")

    def _page(self, url: str, source: str, card: Card | None = None, listing_url: str | None = None,
              lastmod: str | None = None) -> Request:  # fmt: skip
        """A request for a page that may be a post (blogarchive.middlewares.KnownPosts adds validators)."""
        self.state.visit(url)
        # posts are not cached: the archive holds them, and asks for known ones conditionally
        meta = {"source": source, "lastmod": lastmod, "dont_cache": source in _STRONG}
        cb_kwargs = {"card": card, "listing_url": listing_url}
        return Request(url, callback=self.parse_page, errback=self.on_error, meta=meta, cb_kwargs=cb_kwargs)

    def _discovery_requests(self) -> Iterator[Request]:
        """Phase 2: robots.txt, the default sitemap, the feeds seen in phase 1, links, re-checks."""
        origin = home_page(self.start_url).rstrip("/")
        yield Request(f"{origin}/robots.txt", callback=self.parse_robots, errback=self.on_discovery_error,
                      meta={"dont_obey_robotstxt": True})  # fmt: skip
        yield Request(f"{origin}/sitemap.xml", callback=self.parse_sitemap, errback=self.on_discovery_error,
                      meta={"guess": True})  # fmt: skip
        for url in self.state.start_sitemaps:  # fetched once already, as the start URL
            yield Request(url, callback=self.parse_sitemap, errback=self.on_discovery_error, dont_filter=True)
        yield from self._feeds(self.state.feeds)
        yield from (self._page(url, "feed") for url in self.state.unvisited(self.state.feed_links))
        # links inside posts (old slugs that now redirect, posts no index lists)
        yield from (self._page(url, "link") for url in self.state.fresh_links())
        yield from (self._page(url, "known") for url in self.state.rechecks())

    async def parse_page(self, response: Response, card: Card | None, listing_url: str | None) -> AsyncIterator[Any]:
        """Any HTML page: a post, a listing, or a page that is neither."""
        state = self.state
        if response.status in (304, 404, 410):  # a known post's news (blogarchive.middlewares.KnownPosts)
            if (news := state.answered(response.url, response.status)) is not None:
                yield news
            return
        if not is_html(response):
            if response.meta.get("source") == "start":  # a sitemap or a feed given as the blog's address
                async for found in self._start_file(response):
                    yield found
            else:
                self.logger.debug("not an HTML page: %s", response.url)
            return
        page, source = Page.of(response, card, listing_url), response.meta.get("source", "link")
        strong = source in _STRONG
        # the article is extracted in the same pass when the page may be a post and the
        # template is known; otherwise later, once both are settled
        facts = await state.read(state.task(page, strong, state.template.ready, home=source in ("start", "home")),
                                       urgent=not strong)  # fmt: skip
        if not facts.parsed or facts.refused:
            state.failed(response.url, facts.refused or "empty or undecodable page")
            return
        state.feeds.update(facts.feeds)
        verdict = classify(facts.evidence, strong, state.learner, response.url) if facts.evidence else "not"
        if source == "start" and facts.looks_like_post:
            verdict = "post"  # its dated links are a widget beside its article, not cards
        if source in ("start", "home"):
            for request in self._evidence_requests(facts):
                yield request
            if verdict != "post":
                state.site_values = facts.site_values
        for lead in state.follow(response.url, source, verdict, facts):
            yield self._page(lead.url, lead.source, lead.card, lead.listing_url)
        page.blocks = facts.blocks
        if verdict == "post":
            async for item in self._take_post(page, facts if facts.extracted else None):
                yield item
        elif verdict == "unknown":
            state.deferred.append(page)

    async def _start_file(self, response: Response) -> AsyncIterator[Any]:
        """A start URL that is a sitemap or a feed: read as one, and the blog from its home page."""
        state = self.state
        if sitemap_xml(response, self.crawler.settings.getint("DOWNLOAD_MAXSIZE")) is not None:
            # read in phase 2, as every sitemap is: a post is first requested from its card
            self.crawler.stats.set_value("blogarchive/start_kind", "sitemap")
            state.start_sitemaps.append(response.url)
        elif isinstance(response, TextResponse) and feed_items(response.text, response.url):
            self.crawler.stats.set_value("blogarchive/start_kind", "feed")
            state.feeds_read.add(response.url)
            state.evidence_open += 1  # parse_feed closes it, as for any feed page
            async for found in self.parse_feed(response, page=1):
                yield found
        else:
            state.failed(response.url, "the start URL is neither a web page, a sitemap nor a feed")
            return
        yield self._page(home_page(response.url), "home")

    def _evidence_requests(self, facts: PageFacts) -> Iterator[Request]:
        """The start page's feeds and WordPress API, asked first: what they say of each post
        (excerpt, author, dates) is merged with its page."""
        yield from self._feeds(set(facts.feeds))
        if facts.api_root and same_site(facts.api_root, self.start_url):
            yield self._evidence(posts_url(facts.api_root, 1), self.parse_api, root=facts.api_root, page=1)

    def _feeds(self, feeds: set[str]) -> Iterator[Request]:
        return (self._evidence(feed, self.parse_feed, page=1) for feed in self.state.unread_feeds(feeds))

    def _evidence(self, url: str, callback: Any, **kwargs: Any) -> Request:
        self.state.evidence_open += 1
        return Request(url, callback=callback, errback=self.on_evidence_error, priority=10, cb_kwargs=kwargs,
                       meta={"evidence": True}, dont_filter=True)  # fmt: skip

    async def _evidence_read(self) -> AsyncIterator[PostItem]:
        """One evidence page answered: when none is left open, the posts waiting for them go."""
        self.state.evidence_open -= 1
        async for item in self._extract(self.state.release()):
            yield item

    async def parse_api(self, response: Response, root: str, page: int) -> AsyncIterator[Any]:
        """One page of WordPress's posts endpoint: claims for each post; the next page."""
        self.state.add_claims(api_claims(response.body))
        if more_api_pages(response.headers.get("X-WP-TotalPages"), page):
            yield self._evidence(posts_url(root, page + 1), self.parse_api, root=root, page=page + 1)
        async for item in self._evidence_read():
            yield item

    async def parse_feed(self, response: Response, page: int) -> AsyncIterator[Any]:
        """A feed page: what it says of each post; its items, requested after the index walk
        (a post met first on its card keeps the card); the next page of a paged feed."""
        state = self.state
        items = state.read_feed(response.body, response.text, response.url)
        if state.phase == 1:
            state.feed_links.extend(items)
        else:
            for url in items:
                yield self._page(url, "feed")
        # a server that ignores ?paged= answers every page with the first: stop when nothing is new
        if items and (following := next_feed_page(response.url, page)):
            yield self._evidence(following, self.parse_feed, page=page + 1)
        async for item in self._evidence_read():
            yield item

    async def _take_post(self, page: Page, facts: PageFacts | None = None) -> AsyncIterator[PostItem]:
        """A post page: learn the template from it, extract it (or hold it until the template is
        learned); then the posts held before it. facts: the page read with its article, if it was."""
        state = self.state
        if state.hold(page):
            return
        if facts is None:
            facts = await state.read(state.task(page, True, extract=True, is_post=True))
        if (item := state.post(facts, page)) is not None:
            yield item
        async for item in self._extract(state.release()):
            yield item

    async def _extract(self, held: list[Page]) -> AsyncIterator[PostItem]:
        """Held posts, extracted side by side."""
        tasks = [self.state.read(self.state.task(page, True, extract=True, is_post=True)) for page in held]
        for page, facts in zip(held, await asyncio.gather(*tasks), strict=True):
            if (item := self.state.post(facts, page)) is not None:
                yield item

    async def parse_held(self, response: Response, pages: list[Page]) -> AsyncIterator[PostItem]:
        """Phase 3: the pages held until now, answered from memory (blogarchive.middlewares.HeldPages)."""
        async for item in self._extract(pages):
            yield item

    def parse_robots(self, response: Response) -> Iterator[Request]:
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            yield Request(url, callback=self.parse_sitemap, errback=self.on_discovery_error)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        xml = sitemap_xml(response, self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        if xml is None:
            self.logger.debug("not a sitemap: %s", response.url)
            return
        sitemaps, leads = self.state.sitemap(response.url, xml)
        for url in sitemaps:
            yield Request(url, callback=self.parse_sitemap, errback=self.on_discovery_error)
        for lead in leads:
            yield self._page(lead.url, lead.source, lastmod=lead.lastmod)

    def on_idle(self) -> None:
        """Start the next phase when the current one has run dry."""
        if self.state.frontier is not None and self.state.frontier.busy():
            raise DontCloseSpider  # distributed mode: other workers are still finding pages of this phase
        if requests := self._next_phase():
            for request in requests:
                self.crawler.engine.crawl(request)
            raise DontCloseSpider

    def _next_phase(self) -> list[Request]:
        state = self.state
        if state.phase == 1:
            state.phase = 2
            return list(self._discovery_requests())
        if state.phase == 2:
            state.phase = 3  # sitemaps and feeds read: what they no longer list is asked again
            if again := state.unlisted():
                return [self._page(url, "known") for url in again]
        # links found in posts extracted since (held posts, phase-2 posts); then the held pages
        if fresh := state.fresh_links():
            return [self._page(url, "link") for url in fresh]
        held = state.last_held()
        return [replay(held, self.parse_held, self.on_held_error)] if held else []

    def on_held_error(self, failure: Failure) -> None:
        """The replay itself failed: record the held pages as failed, never loop on them."""
        for page in _request(failure).cb_kwargs["pages"]:
            self.state.failed(page.url, f"not extracted ({failure.getErrorMessage()})")

    def on_error(self, failure: Failure) -> None:
        """A page that could not be fetched (network error or HTTP error status)."""
        request = _request(failure)
        if failure.check(PageCapReached):
            return  # the run's status says it was capped
        if failure.check(NotReplayed):
            self.crawler.stats.inc_value("blogarchive/not_replayed")
            return  # reextract --since: a post captured before the date, kept as it is
        if request.meta.get("source") == "start":
            self.state.start_failed = True
        if failure.check(HttpError):
            status = failure.value.response.status
            if status in (404, 410) and request.meta.get("source") == "link":
                # a link of the site's own to a page that is not there: its broken link, no page lost
                self.crawler.stats.inc_value("blogarchive/broken_links")
                return
            reason = f"HTTP {status}"
        else:
            reason = failure.getErrorMessage() or failure.type.__name__
        self.state.failed(request.url, f"failed ({reason})")

    def on_evidence_error(self, failure: Failure) -> None:
        """A feed or API page that failed: the posts go without its word (at the latest in phase 3)."""
        self.state.evidence_open -= 1
        self.logger.debug("no evidence from %s", _request(failure).url)

    def on_discovery_error(self, failure: Failure) -> None:
        """A missing robots.txt, sitemap or feed is normal: note it, count no error."""
        self.logger.debug("no discovery file at %s", _request(failure).url)


def _request(failure: Failure) -> Request:
    """The request an errback's failure is about (Scrapy sets it on every errback's failure)."""
    request: Request = failure.request  # type: ignore[attr-defined]
    return request
