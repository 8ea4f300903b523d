"""The least a Scrapy crawl of the benchmark blog costs: every page fetched, nothing read.

    scrapy runspider bench/floor_spider.py -a urls=FILE   (from a folder with no scrapy.cfg)

bench/crawl runs it with the same concurrency as its own crawls, so that the CPU
Scrapy alone spends on a page (download, scheduling, middlewares, signals) is known.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response


class FloorSpider(scrapy.Spider):
    """Requests each URL of a file, one a line; keeps nothing of the answers."""

    name = "floor"

    def __init__(self, urls: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = Path(urls).read_text().split()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: Response) -> Iterator[dict[str, Any]]:
        yield {"url": response.url, "bytes": len(response.body)}
