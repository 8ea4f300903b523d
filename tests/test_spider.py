"""Spider callbacks on responses built from the demo pages (no network)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from blogarchive.crawl import build_settings
from blogarchive.demo.site import DemoPost, Page
from blogarchive.items import PostItem
from blogarchive.listing import parse_listing
from blogarchive.spiders.clinic import ClinicSpider
from blogarchive.template import MIN_PAGES, TemplateLearner
from blogarchive.urls import BadURLError

BASE = "http://127.0.0.1:9"


def _response(site: dict[str, Page], path: str, source: str = "start") -> HtmlResponse:
    url = BASE + path
    request = Request(url, meta={"source": source})
    return HtmlResponse(url, body=site[path].body, encoding="utf-8", request=request)


def _collect(results: AsyncIterator[Any]) -> list[Any]:
    """What an async callback yields, read to the end."""

    async def read() -> list[Any]:
        return [x async for x in results]

    return asyncio.run(read())


def _spider() -> ClinicSpider:
    spider = ClinicSpider.from_crawler(get_crawler(ClinicSpider), start_url=BASE + "/blog")
    spider.state.template = TemplateLearner(pages=MIN_PAGES)  # learned already (of nothing): posts are not held
    return spider


def test_index_callback_queues_cards_and_pages(site: dict[str, Page], posts: list[DemoPost]) -> None:
    requests = _collect(_spider().parse_page(_response(site, "/blog"), card=None, listing_url=None))
    cards = [r for r in requests if r.meta["source"] == "card"]
    pages = [r for r in requests if r.meta["source"] == "index"]
    assert [r.url for r in cards] == [BASE + p.path for p in posts[:10]]
    assert [r.cb_kwargs["card"].title for r in cards] == [p.title for p in posts[:10]]
    assert BASE + "/blog?page=2" in {r.url for r in pages}
    assert not [r for r in requests if isinstance(r, PostItem)]  # an index is not a post


def test_article_callback_takes_date_and_excerpt_from_the_card(site: dict[str, Page], posts: list[DemoPost]) -> None:
    post = posts[3]
    card = next(c for c in parse_listing(site["/blog"].body, BASE + "/blog").cards if c.url == BASE + post.path)
    out = _collect(_spider().parse_page(_response(site, post.path, "card"), card=card, listing_url=BASE + "/blog"))
    (item,) = [x for x in out if isinstance(x, PostItem)]
    # the post's recent-posts widget is not followed as cards
    assert not [r for r in out if isinstance(r, Request) and r.meta.get("source") == "card"]
    assert (item.title, item.excerpt, item.published_raw) == (post.title, post.excerpt, post.date_text)


def _unstarted_crawler() -> Crawler:
    """A crawler as a real crawl has it when the spider is created: settings still open."""
    return Crawler(ClinicSpider, build_settings("unused.db"))


def test_local_sites_are_crawled_without_delays() -> None:
    crawler = _unstarted_crawler()
    ClinicSpider.from_crawler(crawler, start_url=BASE + "/blog")
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 0
    assert not crawler.settings.getbool("AUTOTHROTTLE_ENABLED")


def test_real_sites_keep_polite_defaults() -> None:
    crawler = _unstarted_crawler()
    spider = ClinicSpider.from_crawler(crawler)
    assert spider.start_url.startswith("https://www.blueumbrellapsychiatry.com/")
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") >= 1
    assert crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert crawler.settings.getbool("AUTOTHROTTLE_ENABLED") and crawler.settings.getbool("ROBOTSTXT_OBEY")


def test_bad_start_url_fails_loudly() -> None:
    with pytest.raises(BadURLError):
        ClinicSpider(start_url="not a url")
