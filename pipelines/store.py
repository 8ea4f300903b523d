"""Store posts in the SQLite archive, a batch per transaction."""

from __future__ import annotations

import sqlite3
from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from blogarchive.crawlstate import crawl_state
from blogarchive.items import GoneItem, PostItem, UnchangedItem, as_record
from blogarchive.lock import archive_lock
from blogarchive.stages import timed
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
        self.fatal: str | None = None  # why the archive cannot be written (disk full...): the crawl stops

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
        with timed(self.crawler.stats, "storage"):
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
        with timed(self.crawler.stats, "storage"):
            self._flush()
            if self.archive is not None and self.fatal is None:
                try:
                    self._finish(self.archive)
                except (sqlite3.Error, OSError) as err:
                    self._stop(f"cannot write the archive {self.db_path}: {err}", closing=True)
        if self.archive is not None:
            self.archive.close()
        if self._lock is not None:
            self._lock.__exit__(None, None, None)

    def _finish(self, archive: Archive) -> None:
        """What the crawl learned beyond posts: redirects, sitemap dates, widget dates, template."""
        # redirects seen during the crawl, including those whose target was
        # already fetched (the redirected request was then not repeated)
        state = crawl_state(self.crawler)
        if state is None:
            return  # a spider of another project: posts only
        self._index_captures()
        if state.redirects:
            for key, value in archive.add_aliases(state.redirects).items():
                self.crawler.stats.set_value(f"blogarchive/{key}", value)
        if state.sitemap_lastmods:
            archive.record_sitemap_lastmods(state.sitemap_lastmods, self.opened_at)
        # other posts' widgets dated these posts: cross-check the stored dates
        conflicting = archive.cross_check(state.widget_claims)
        self.crawler.stats.set_value("blogarchive/date_conflicts", conflicting)
        archive.save_template(state.template, state.config.site)

    def _index_captures(self) -> None:
        """The WARC records written since the last batch (blogarchive.captures), indexed."""
        state = crawl_state(self.crawler)
        if state is not None and state.captured and self.archive is not None and self.fatal is None:
            rows, state.captured = state.captured, []
            self.archive.record_captures(rows)

    def _flush(self) -> None:
        if not len(self.batch) or self.archive is None or self.fatal is not None:
            return
        try:
            self._index_captures()
            counts = self.archive.apply(self.batch)
        except (sqlite3.Error, OSError) as err:
            # a full disk, a failing device: every later write would fail the same way.
            # The batch's transaction was rolled back; the next run fetches its posts again.
            self._stop(f"cannot write the archive {self.db_path}: {err}")
            return
        self.batch = Batch()
        stats = self.crawler.stats
        for key, value in counts.items():
            stats.inc_value(f"blogarchive/{key}", value)

    def _stop(self, reason: str, closing: bool = False) -> None:
        """End the crawl at once, with one line for the user (no traceback per item)."""
        self.fatal = reason
        self.crawler.stats.set_value("blogarchive/fatal", reason)
        if not closing and self.crawler.engine is not None and self.crawler.engine.spider is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_write_failed"))
