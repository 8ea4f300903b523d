"""Run a crawl in this process: Scrapy with blogarchive's settings, a progress display, a summary."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from scrapy import signals
from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.settings import Settings

from blogarchive.lock import archive_lock
from blogarchive.spiders.blog import BlogSpider
from blogarchive.spiders.clinic import ClinicSpider
from blogarchive.storage import RUNS_SCHEMA, Archive


@dataclass
class CrawlSummary:
    """What one crawl did, as printed at its end and stored in the runs table."""

    start_url: str
    full: bool = False
    pages: int = 0
    not_modified: int = 0
    found: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    restored: int = 0
    kept: int = 0
    errors: int = 0
    bytes: int = 0
    seconds: float = 0.0
    finish_reason: str = ""
    stopped_early_at: str | None = None
    not_revisited: int = 0
    sitemap_skipped: int = 0
    date_conflicts: int = 0
    warnings: list[str] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        finished = self.finish_reason == "finished"
        return finished and self.errors == 0 and self.found > 0 and not self.warnings

    @property
    def status(self) -> str:
        if self.finish_reason != "finished":
            return "failed"
        return "errors" if self.errors or not self.found else "warnings" if self.warnings else "ok"

    def lines(self) -> list[str]:
        kept = f", kept {self.kept} (empty page, old version kept)" if self.kept else ""
        gone = f", removed {self.removed}" if self.removed else ""
        back = f", restored {self.restored}" if self.restored else ""
        out = [
            f"posts found {self.found}: new {self.new}, updated {self.updated}, unchanged {self.unchanged}"
            f"{kept}{gone}{back}",
            f"pages fetched {self.pages} ({self.not_modified} not modified, {self.bytes:,} bytes), "
            f"errors {self.errors}, {self.seconds:.1f} s",
        ]
        if self.stopped_early_at:
            out.append(
                f"stopped the index walk early at {self.stopped_early_at}: {self.not_revisited} known posts "
                "not revisited tonight (run with --full to re-check every post)"
            )
        if self.date_conflicts:
            out.append(f"{self.date_conflicts} posts have conflicting date evidence (see date_conflicts)")
        if self.sitemap_skipped:
            out.append(f"{self.sitemap_skipped} posts skipped: sitemap lastmod unchanged")
        out += [f"warning: {w}" for w in self.warnings]
        shown = self.failures[:_FAILURES_SHOWN]
        out += [f"failed: {f['url']}: {f['reason']}" for f in shown]
        if len(self.failures) > len(shown):
            out.append(f"... and {len(self.failures) - len(shown)} more failures (blogarchive status --json)")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status}


def build_settings(db_path: str, overrides: dict[str, Any] | None = None) -> Settings:
    """blogarchive's Scrapy settings with the archive path and any overrides."""
    settings = Settings()
    settings.setmodule("blogarchive.settings", priority="project")
    settings.set("BLOGARCHIVE_DB", db_path, priority="cmdline")
    settings.setdict(overrides or {}, priority="cmdline")
    return settings


def _summary(crawler: Crawler, start_url: str, seconds: float, full: bool) -> CrawlSummary:
    stats = crawler.stats.get_stats()
    exceptions = sum(v for k, v in stats.items() if k.startswith("spider_exceptions/") and k.count("/") == 1)

    def count(key: str) -> int:
        return int(stats.get(f"blogarchive/{key}", 0))

    return CrawlSummary(
        start_url=start_url,
        full=full,
        pages=stats.get("response_received_count", 0),
        not_modified=count("not_modified"),
        found=count("new") + count("updated") + count("unchanged") + count("kept"),
        new=count("new"),
        updated=count("updated"),
        unchanged=count("unchanged"),
        removed=count("removed"),
        restored=count("restored"),
        kept=count("kept"),
        errors=count("pages_failed") + exceptions + count("kept"),
        bytes=stats.get("downloader/response_bytes", 0),
        seconds=seconds,
        finish_reason=str(stats.get("finish_reason", "")),
        stopped_early_at=stats.get("blogarchive/stopped_early_at"),
        not_revisited=count("not_revisited"),
        sitemap_skipped=count("sitemap_skipped"),
        date_conflicts=count("date_conflicts"),
        warnings=drift_warnings(stats, count("new") + count("updated") + count("unchanged")),
        failures=list(getattr(crawler.spider, "failures", [])),
    )


_FAILURES_SHOWN = 5

# Drift thresholds: a template change that moves every body, far fewer posts.
_MOVED_SHARE = 0.8
_MOVED_MIN = 5
_FEWER_SHARE = 0.5


def drift_warnings(stats: dict[str, Any], seen: int) -> list[str]:
    """Signs in this run's counts that extraction quietly degraded (see Archive.apply)."""

    def count(key: str) -> int:
        return int(stats.get(f"blogarchive/{key}", 0))

    warnings = []
    if count("lost_title"):
        warnings.append(f"{count('lost_title')} posts lost their title")
    if count("lost_date"):
        warnings.append(f"{count('lost_date')} posts lost their date")
    if count("shorter_body"):
        warnings.append(f"{count('shorter_body')} bodies are less than half their last version")
    moved = count("body_changed")
    if moved >= _MOVED_MIN and moved >= _MOVED_SHARE * max(seen, 1):
        warnings.append(f"{moved} of {seen} bodies changed at once: a template change?")
    return warnings


def _compare_with_last_good(summary: CrawlSummary, last_good: dict[str, Any] | None) -> None:
    """Far fewer posts than the last good complete run: a redesign or a broken index."""
    complete = summary.full or not summary.stopped_early_at
    if last_good and complete and last_good["found"] and summary.found < _FEWER_SHARE * last_good["found"]:
        summary.warnings.append(f"found {summary.found} posts, the last good run found {last_good['found']}")


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
        finally:
            archive.close()
        process.crawl(crawler, **{k: v for k, v in spider_args.items() if v})
        process.start()
        summary = _summary(crawler, start_url, time.monotonic() - clock, full)
        _compare_with_last_good(summary, last_good)
        _record_run(db_path, summary, started, site)
    return summary


def _record_run(db_path: str, summary: CrawlSummary, started: datetime, site: str | None) -> None:
    archive = Archive(db_path)
    try:
        run = {k: v for k, v in asdict(summary).items() if k in RUNS_SCHEMA}
        archive.record_run({
            **run,
            # a complete run visited every post; its count is the yardstick for drift
            "complete": int(summary.full or not summary.stopped_early_at),
            "warnings": json.dumps(summary.warnings),
            "failures": json.dumps(summary.failures),
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "status": summary.status,
            "site": site,
        })  # fmt: skip
    finally:
        archive.close()
