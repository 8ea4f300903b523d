"""Store posts in the SQLite archive, a batch per transaction."""

from __future__ import annotations

import dataclasses
from typing import Any

from scrapy.crawler import Crawler

from blogarchive.items import PostItem
from blogarchive.storage import Archive


class StorePipeline:
    """Upsert posts into the archive at BLOGARCHIVE_DB, BLOGARCHIVE_BATCH_SIZE at a time.

    Counts go to the crawl stats as blogarchive/new, /updated, /unchanged, /kept.
    """

    def __init__(self, crawler: Crawler, db_path: str, batch_size: int) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.batch_size = max(1, batch_size)
        self.buffer: list[dict[str, Any]] = []
        self.archive: Archive | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        settings = crawler.settings
        return cls(crawler, settings.get("BLOGARCHIVE_DB"), settings.getint("BLOGARCHIVE_BATCH_SIZE"))

    def open_spider(self) -> None:
        self.archive = Archive(self.db_path)

    def process_item(self, item: PostItem) -> PostItem:
        self.buffer.append(dataclasses.asdict(item))
        if len(self.buffer) >= self.batch_size:
            self._flush()
        return item

    def close_spider(self) -> None:
        self._flush()
        if self.archive is not None:
            # redirects seen during the crawl, including those whose target was
            # already fetched (the redirected request was then not repeated)
            redirects = getattr(self.crawler.spider, "redirects", None)
            if redirects:
                added = self.archive.add_aliases(redirects)
                self.crawler.stats.set_value("blogarchive/aliases_added", added)
            self.archive.close()

    def _flush(self) -> None:
        if not self.buffer or self.archive is None:
            return
        counts = self.archive.save_batch(self.buffer)
        self.buffer.clear()
        stats = self.crawler.stats
        for key, value in counts.items():
            stats.inc_value(f"blogarchive/{key}", value)
