"""Run a crawl in this process: Scrapy with blogarchive's settings, a progress display, a summary."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from scrapy import signals
from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.settings import Settings

from blogarchive.spiders.blog import BlogSpider
from blogarchive.spiders.clinic import ClinicSpider
from blogarchive.storage import Archive


@dataclass
class CrawlSummary:
    """What one crawl did, as printed at its end and stored in the runs table."""

    start_url: str
    pages: int = 0
    found: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0
    errors: int = 0
    seconds: float = 0.0
    finish_reason: str = ""

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.found > 0 and self.finish_reason == "finished"

    def lines(self) -> list[str]:
        kept = f", kept {self.kept} (empty page, old version kept)" if self.kept else ""
        return [
            f"posts found {self.found}: new {self.new}, updated {self.updated}, unchanged {self.unchanged}{kept}",
            f"pages fetched {self.pages}, errors {self.errors}, {self.seconds:.1f} s",
        ]


def build_settings(db_path: str, overrides: dict[str, Any] | None = None) -> Settings:
    """blogarchive's Scrapy settings with the archive path and any overrides."""
    settings = Settings()
    settings.setmodule("blogarchive.settings", priority="project")
    settings.set("BLOGARCHIVE_DB", db_path, priority="cmdline")
    settings.setdict(overrides or {}, priority="cmdline")
    return settings


def _summary(crawler: Crawler, start_url: str, seconds: float) -> CrawlSummary:
    stats = crawler.stats.get_stats()
    exceptions = sum(v for k, v in stats.items() if k.startswith("spider_exceptions/") and k.count("/") == 1)
    return CrawlSummary(
        start_url=start_url,
        pages=stats.get("response_received_count", 0),
        found=stats.get("item_scraped_count", 0),
        new=stats.get("blogarchive/new", 0),
        updated=stats.get("blogarchive/updated", 0),
        unchanged=stats.get("blogarchive/unchanged", 0),
        kept=stats.get("blogarchive/kept", 0),
        errors=stats.get("blogarchive/pages_failed", 0) + exceptions + stats.get("blogarchive/kept", 0),
        seconds=seconds,
        finish_reason=str(stats.get("finish_reason", "")),
    )


def run_crawl(
    start_url: str | None,
    db_path: str,
    *,
    profile: str | None = None,
    max_pages: int | None = None,
    console: Console | None = None,
    quiet: bool = False,
    verbose: bool = False,
    overrides: dict[str, Any] | None = None,
) -> CrawlSummary:
    """Crawl the blog at *start_url* (None: the clinic's) into the archive at *db_path*.

    Scrapy's reactor runs once per process: call this once per process.
    """
    spider_cls = ClinicSpider if start_url is None and profile is None else BlogSpider
    spider_args = {"start_url": start_url, "profile": profile, "max_pages": str(max_pages) if max_pages else None}
    start_url = start_url or ClinicSpider.default_start_url
    console = console or Console(stderr=True)
    level = logging.INFO if verbose else logging.WARNING
    settings = build_settings(
        db_path,
        {"LOG_LEVEL": logging.getLevelName(level), "LOG_INSTALL_ROOT_HANDLER": False, **(overrides or {})},
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
    with progress:
        process.crawl(crawler, **{k: v for k, v in spider_args.items() if v})
        process.start()
    summary = _summary(crawler, start_url, time.monotonic() - clock)
    _record_run(db_path, summary, started)
    return summary


def _record_run(db_path: str, summary: CrawlSummary, started: datetime) -> None:
    archive = Archive(db_path)
    try:
        run = asdict(summary)
        run.pop("seconds")
        run.pop("finish_reason")
        archive.record_run(
            {
                **run,
                "started": started.isoformat(timespec="seconds"),
                "finished": datetime.now(UTC).isoformat(timespec="seconds"),
                "status": "ok" if summary.ok else "errors",
            }
        )
    finally:
        archive.close()
