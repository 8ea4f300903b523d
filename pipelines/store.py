"""Store posts in the SQLite archive, a batch per transaction."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from blogarchive.items import GoneItem, PostItem, UnchangedItem, as_record
from blogarchive.lock import archive_lock
from blogarchive.storage import Archive, Batch, utc_now


class StorePipeline:
    """Write posts to the archive at BLOGARCHIVE_DB, BLOGARCHIVE_BATCH_SIZE items per transaction.

    Full records are upserted; 304 answers touch last_seen; 404/410 answers mark
    a post removed.  Counts go to the crawl stats as blogarchive/<count> (new,
    updated, unchanged, kept, removed, restored and the drift signals).
    """

    def __init__(self, crawler: Crawler, db_path: str, batch_size: int, lock_held: bool) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.batch_size = max(1, batch_size)
        self.lock_held = lock_held
        self.batch = Batch()
        self.archive: Archive | None = None
        self._lock: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        settings = crawler.settings
        return cls(
            crawler,
            settings.get("BLOGARCHIVE_DB"),
            settings.getint("BLOGARCHIVE_BATCH_SIZE"),
            settings.getbool("BLOGARCHIVE_LOCK_HELD"),
        )

    def open_spider(self) -> None:
        if not self.lock_held:  # `scrapy crawl`: the CLI takes the lock itself
            self._lock = archive_lock(self.db_path)
            self._lock.__enter__()
        self.archive = Archive(self.db_path)
        self.opened_at = utc_now()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PostItem):
            self.batch.records.append(as_record(item))
        elif isinstance(item, UnchangedItem):
            self.batch.unchanged.append(item.url)
        elif isinstance(item, GoneItem):
            self.batch.gone.append(item.url)
        if len(self.batch) >= self.batch_size:
            self._flush()
        return item

    def close_spider(self) -> None:
        self._flush()
        if self.archive is not None:
            # redirects seen during the crawl, including those whose target was
            # already fetched (the redirected request was then not repeated)
            spider = self.crawler.spider
            redirects = getattr(spider, "redirects", None)
            if redirects:
                added = self.archive.add_aliases(redirects)
                self.crawler.stats.set_value("blogarchive/aliases_added", added)
            if lastmods := getattr(spider, "sitemap_lastmods", None):
                self.archive.record_sitemap_lastmods(lastmods, self.opened_at)
            # other posts' widgets dated these posts: cross-check the stored dates
            conflicting = self.archive.cross_check(getattr(spider, "widget_claims", {}))
            self.crawler.stats.set_value("blogarchive/date_conflicts", conflicting)
            if (template := getattr(spider, "template", None)) is not None:
                self.archive.save_template(template, getattr(spider, "site", None))
            self.archive.close()
        if self._lock is not None:
            self._lock.__exit__(None, None, None)

    def _flush(self) -> None:
        if not len(self.batch) or self.archive is None:
            return
        counts = self.archive.apply(self.batch)
        self.batch = Batch()
        stats = self.crawler.stats
        for key, value in counts.items():
            stats.inc_value(f"blogarchive/{key}", value)
