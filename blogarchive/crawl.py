"""Run a crawl in this process: Scrapy with blogarchive's settings, a progress display, a summary."""

from __future__ import annotations

import logging
import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from scrapy import signals
from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from blogarchive.lock import archive_lock
from blogarchive.runs import CrawlSummary, compare_with_last_good, record_run, summarize
from blogarchive.spiders.blog import BlogSpider
from blogarchive.spiders.clinic import ClinicSpider
from blogarchive.storage import Archive, ArchiveError


def build_settings(db_path: str, overrides: dict[str, Any] | None = None) -> Settings:
    """blogarchive's Scrapy settings with the archive path and any overrides."""
    settings = Settings()
    settings.setmodule("blogarchive.settings", priority="project")
    settings.set("BLOGARCHIVE_DB", db_path, priority="cmdline")
    settings.setdict(overrides or {}, priority="cmdline")
    return settings


def run_crawl(
    start_url: str | None,
    db_path: str,
    *,
    profile: str | None = None,
    max_pages: int | None = None,
    full: bool = False,
    stop_after: int | None = None,
    site: str | None = None,
    assets_dir: str | None = None,
    console: Console | None = None,
    quiet: bool = False,
    verbose: bool = False,
    overrides: dict[str, Any] | None = None,
) -> CrawlSummary:
    """Crawl the blog at *start_url* (None: the clinic's) into the archive at *db_path*.

    Scrapy's reactor runs once per process: call this once per process.
    """
    spider_cls = ClinicSpider if start_url is None and profile is None else BlogSpider
    spider_args = {
        "start_url": start_url,
        "profile": profile,
        "max_pages": str(max_pages) if max_pages else None,
        "full": "1" if full else None,
        "stop_after": str(stop_after) if stop_after is not None else None,
        "site": site,
    }
    start_url = start_url or ClinicSpider.default_start_url
    console = console or Console(stderr=True)
    level = logging.INFO if verbose else logging.WARNING
    settings = build_settings(
        db_path,
        {
            "LOG_LEVEL": logging.getLevelName(level),
            "LOG_INSTALL_ROOT_HANDLER": False,
            "BLOGARCHIVE_LOCK_HELD": True,
            "BLOGARCHIVE_ASSETS_DIR": assets_dir or "",
            **(overrides or {}),
        },
    )
    process = AsyncCrawlerProcess(settings)
    # Scrapy's log goes through rich so that warnings print above the progress line;
    # the handler's level filters, since Scrapy lowers the root logger's.
    handler = RichHandler(console=console, level=level, show_path=False, show_time=verbose)
    logging.basicConfig(format="%(name)s: %(message)s", handlers=[handler], force=True)
    crawler = process.create_crawler(spider_cls)

    started = datetime.now(UTC)
    clock = time.monotonic()
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]crawling[/] {task.description}"),
        TextColumn("pages {task.fields[pages]} · posts {task.fields[posts]} · errors {task.fields[errors]}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=True,
    )
    task = progress.add_task(start_url, pages=0, posts=0, errors=0)

    def refresh(**_: Any) -> None:
        stats = crawler.stats
        progress.update(
            task,
            pages=stats.get_value("response_received_count", 0),
            posts=stats.get_value("item_scraped_count", 0),
            errors=stats.get_value("blogarchive/pages_failed", 0),
        )

    crawler.signals.connect(refresh, signal=signals.response_received)
    crawler.signals.connect(refresh, signal=signals.item_scraped)
    # One crawl per archive: a second one refuses at once (LockedError).
    with archive_lock(db_path), progress:
        archive = Archive(db_path)
        try:
            last_good = archive.last_good_run(start_url)
            # the run's row exists from its start: if this process dies, the next run knows
            run_id = archive.start_run(start_url, site, started.isoformat(timespec="seconds"))
        finally:
            archive.close()
        crawler.settings.set("BLOGARCHIVE_RUN_ID", run_id, priority="cmdline")
        process.crawl(crawler, **{k: v for k, v in spider_args.items() if v})
        process.start()
        failures = list(getattr(crawler.spider, "failures", []))
        summary = summarize(crawler.stats.get_stats(), start_url, time.monotonic() - clock, full, failures)
        compare_with_last_good(summary, last_good)
        try:
            record_run(db_path, summary, started, site, run_id)
        except (ArchiveError, sqlite3.Error, OSError) as err:
            # the disk that stopped the crawl may refuse the run's record too: say so, in the same line
            note = f"the run could not be recorded ({err})"
            summary.fatal = f"{summary.fatal}; {note}" if summary.fatal else f"cannot write the archive: {note}"
    return summary
