"""The clinic's blog: walk the paginated index, follow each card to its post.

scrapy crawl clinic [-a start_url=URL]
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from blogarchive.extract import parse_post
from blogarchive.items import PostItem
from blogarchive.listing import Card, parse_listing
from blogarchive.merge import merge
from blogarchive.sites import CLINIC_BLOG_URL
from blogarchive.urls import check_start_url, is_loopback

# A site on this machine (the demo, the tests) is crawled without politeness delays.
LOCAL_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "RETRY_TIMES": 0,
}


class ClinicSpider(scrapy.Spider):
    """Index pages → cards → article pages → PostItem."""

    name = "clinic"
    default_start_url = CLINIC_BLOG_URL

    def __init__(self, start_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Spider arguments arrive as strings from the command line: check early.
        self.start_url = check_start_url(start_url or self.default_start_url)
        self.index_pages = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ClinicSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Settings are still open here in a real crawl (Scrapy applies them after
        # creating the spider); a crawler built already frozen, as in tests, keeps its own.
        if is_loopback(spider.start_url) and not crawler.settings.frozen:
            crawler.settings.setdict(LOCAL_SETTINGS, priority="spider")
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.start_url, callback=self.parse_index, errback=self.on_error)

    def parse_index(self, response: Response) -> Iterator[scrapy.Request]:
        """Queue every card's post and every further index page."""
        if not hasattr(response, "text"):
            self.on_bad_page(response, "index page is not text")
            return
        self.index_pages += 1
        listing = parse_listing(response.text, response.url)
        self.crawler.stats.inc_value("blogarchive/cards", len(listing.cards))
        for card in listing.cards:
            yield response.follow(
                card.url,
                callback=self.parse_article,
                errback=self.on_error,
                cb_kwargs={"card": card, "listing_url": response.url},
            )
        for url in listing.next_pages:
            yield response.follow(url, callback=self.parse_index, errback=self.on_error)

    def parse_article(self, response: Response, card: Card, listing_url: str) -> Iterator[PostItem]:
        """Extract the article and merge it with its card."""
        if not hasattr(response, "text"):
            self.on_bad_page(response, "post page is not text")
            return
        article = parse_post(response.text, response.url)
        if article is None:
            self.on_bad_page(response, "no article text found")
            return
        yield merge(article, card, listing_url)

    def on_bad_page(self, response: Response, reason: str) -> None:
        self.crawler.stats.inc_value("blogarchive/pages_failed")
        self.logger.warning("%s: %s", reason, response.url)

    def on_error(self, failure: Failure) -> None:
        """A page that could not be fetched (network error or HTTP error status)."""
        self.crawler.stats.inc_value("blogarchive/pages_failed")
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        self.logger.warning("failed %s: %s", url, failure.getErrorMessage() or failure.type.__name__)
