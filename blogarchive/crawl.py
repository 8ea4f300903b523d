"""Run a crawl: Scrapy with blogarchive's settings, a run record from start to end, a summary.

`run_crawl` is the command line's: one crawl in this process, with a progress display.
`crawl_with` runs one crawl on a runner whose reactor is already running, so that one
process can crawl again and again (the archive's stateful tests do).  Both go through
the same `CrawlJob`: the lock, the run's row from its start, the summary, its record.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from scrapy import signals
from scrapy.crawler import AsyncCrawlerProcess, AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings

from blogarchive.crawlstate import crawl_failures
from blogarchive.lock import archive_lock
from blogarchive.pagework import PagePool
from blogarchive.runs import CrawlSummary, close_run, open_run
from blogarchive.spiders.blog import BlogSpider
from blogarchive.spiders.clinic import ClinicSpider


def build_settings(db_path: str, overrides: dict[str, Any] | None = None) -> Settings:
    """blogarchive's Scrapy settings with the archive path and any overrides."""
    settings = Settings()
    settings.setmodule("blogarchive.settings", priority="project")
    settings.set("BLOGARCHIVE_DB", db_path, priority="cmdline")
    settings.setdict(overrides or {}, priority="cmdline")
    return settings


@dataclass
class CrawlJob:
    """One crawl of one blog into one archive, as the command line states it."""

    start_url: str | None
    db_path: str
    profile: str | None = None
    max_pages: int | None = None
    full: bool = False
    stop_after: int | None = None
    site: str | None = None
    assets_dir: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def spider_cls(self) -> type[BlogSpider]:
        return ClinicSpider if self.start_url is None and self.profile is None else BlogSpider

    @property
    def url(self) -> str:
        return self.start_url or ClinicSpider.default_start_url or ""

    def spider_args(self) -> dict[str, str]:
        """The spider's arguments, as `scrapy crawl -a` would give them."""
        args = {
            "start_url": self.start_url,
            "profile": self.profile,
            "max_pages": str(self.max_pages) if self.max_pages else None,
            "full": "1" if self.full else None,
            "stop_after": str(self.stop_after) if self.stop_after is not None else None,
            "site": self.site,
        }
        return {k: v for k, v in args.items() if v}

    def settings(self, level: int) -> Settings:
        return build_settings(
            self.db_path,
            {
                "LOG_LEVEL": logging.getLevelName(level),
                "LOG_INSTALL_ROOT_HANDLER": False,
                "BLOGARCHIVE_LOCK_HELD": True,
                "BLOGARCHIVE_ASSETS_DIR": self.assets_dir or "",
                **self.overrides,
            },
        )

    def begin(self, crawler: Crawler) -> tuple[dict[str, Any] | None, int]:
        """The last good run and this run's row (blogarchive.runs.open_run), its id in the settings."""
        run = open_run(self.db_path, self.url, self.site)
        crawler.settings.set("BLOGARCHIVE_RUN_ID", run[1], priority="cmdline")
        return run

    def end(
        self, crawler: Crawler, started: datetime, seconds: float, run: tuple[dict[str, Any] | None, int]
    ) -> CrawlSummary:
        """The run's summary, stored in its row (blogarchive.runs.close_run)."""
        return close_run(
            self.db_path, crawler.stats.get_stats(), run, start_url=self.url, site=self.site, full=self.full,
            failures=crawl_failures(crawler), started=started, seconds=seconds,
        )  # fmt: skip


class DownloadNoise(logging.Filter):
    """Pages that failed are listed with the run (its summary, one line per kind of error, and
    runs.failures): Scrapy's log of the same download errors is one line each, never a
    traceback, and under --quiet (cron mails what it prints) not shown at all."""

    LOGGERS = ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt",
               "scrapy.core.scraper", "scrapy.core.downloader")  # fmt: skip

    def __init__(self, quiet: bool) -> None:
        super().__init__()
        self.quiet = quiet

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "page_failure", False) or record.name.startswith(self.LOGGERS):
            if self.quiet:
                return False
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


async def crawl_with(runner: AsyncCrawlerRunner, job: CrawlJob) -> CrawlSummary:
    """One crawl on *runner*, whose reactor runs already; call it again for the next crawl."""
    crawler = runner.create_crawler(job.spider_cls)
    with archive_lock(job.db_path):
        running = Running(job, crawler, job.begin(crawler), datetime.now(UTC), time.monotonic())
        await runner.crawl(crawler, **job.spider_args())
        return running.end()


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
    job = CrawlJob(start_url, db_path, profile, max_pages, full, stop_after, site, assets_dir, overrides or {})
    console = console or Console(stderr=True)
    process = _process(job, console, quiet, verbose)
    with archive_lock(db_path), _progress(console, quiet) as progress:
        running, _ = _start(process, job, progress)
        process.start()
        return running.end()


def _process(job: CrawlJob, console: Console, quiet: bool, verbose: bool) -> AsyncCrawlerProcess:
    """Scrapy's process with *job*'s settings; its log through rich, so that warnings print
    above the progress lines (the handler's level filters, since Scrapy lowers the root's)."""
    level = logging.INFO if verbose else logging.WARNING
    process = AsyncCrawlerProcess(job.settings(level))
    handler = RichHandler(console=console, level=level, show_path=False, show_time=verbose)
    handler.addFilter(DownloadNoise(quiet))
    logging.basicConfig(format="%(name)s: %(message)s", handlers=[handler], force=True)
    return process


def _progress(console: Console, quiet: bool) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]crawling[/] {task.description}"),
        TextColumn("pages {task.fields[pages]} · posts {task.fields[posts]} · errors {task.fields[errors]}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=True,
    )


@dataclass
class Running:
    """One crawl under way in a process that may run others beside it."""

    job: CrawlJob
    crawler: Crawler
    run: tuple[dict[str, Any] | None, int]
    started: datetime
    clock: float

    def end(self) -> CrawlSummary:
        return self.job.end(self.crawler, self.started, time.monotonic() - self.clock, self.run)


def _start(process: AsyncCrawlerProcess, job: CrawlJob, progress: Progress, pool: PagePool | None = None
           ) -> tuple[Running, Any]:  # fmt: skip
    """Open *job*'s run and schedule its crawl on *process*, with a progress line of its own
    (*pool*: the page readers it shares with the crawls beside it)."""
    crawler = process.create_crawler(job.spider_cls)
    if pool is not None:
        crawler.settings.set("BLOGARCHIVE_PAGE_POOL", pool, priority="cmdline")
    task = progress.add_task(f"{job.site}: {job.url}" if job.site else job.url, pages=0, posts=0, errors=0)

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
    running = Running(job, crawler, job.begin(crawler), datetime.now(UTC), time.monotonic())
    crawl = process.crawl(crawler, **job.spider_args())
    crawl.add_done_callback(lambda _: progress.remove_task(task))
    return running, crawl


def run_crawls(
    jobs: list[CrawlJob],
    report: Callable[[CrawlJob, CrawlSummary], None],
    *,
    parallel: int,
    console: Console,
    quiet: bool = False,
    verbose: bool = False,
) -> list[CrawlSummary]:
    """Crawl the blogs of *jobs* side by side in this one process, at most *parallel* at once:
    each with its own politeness (Scrapy's per-domain slots), state, run record and summary,
    handed to *report* as it ends.  One archive, one lock: all of them share it."""
    process = _process(jobs[0], console, quiet, verbose)
    pool = shared_pool(process.settings, len(jobs) > 1 and parallel > 1)
    waiting = list(jobs)
    summaries: list[CrawlSummary] = []

    def launch(progress: Progress) -> None:
        running, crawl = _start(process, waiting.pop(0), progress, pool)

        def done(_: Any) -> None:
            summary = running.end()
            summaries.append(summary)
            report(running.job, summary)
            if waiting and not running.crawler.stats.get_value("finish_reason") == "shutdown":
                launch(progress)  # Ctrl-C stops the crawls running; none starts after it

        crawl.add_done_callback(done)

    with archive_lock(jobs[0].db_path), _progress(console, quiet) as progress:
        for _ in range(min(max(1, parallel), len(jobs))):
            launch(progress)
        try:
            process.start()
        finally:
            if pool is not None:
                pool.close()
    return summaries


def shared_pool(settings: Settings, side_by_side: bool) -> PagePool | None:
    """One page-reading pool for the blogs crawled side by side: polite blogs are slow one by
    one (no pool of their own: pool_size), but twenty of them at once keep a core busy reading
    pages.  One worker per core, opened once the process has read BLOGARCHIVE_POOL_AFTER pages;
    BLOGARCHIVE_WORKERS >= 0 sets its size (0: no pool)."""
    setting = settings.getint("BLOGARCHIVE_WORKERS")
    workers = setting if setting >= 0 else (os.cpu_count() or 1)
    if not side_by_side or workers == 0:
        return None
    return PagePool(workers, start_after=settings.getint("BLOGARCHIVE_POOL_AFTER"))
