"""What a crawl did: its summary from Scrapy's stats, drift warnings, and its record in the runs table.

Kept apart from the crawl itself (blogarchive.crawl, which loads Scrapy's spiders) so
that distributed mode's writer and the CLI can use it without loading extraction.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from blogarchive.crawlstate import CrawlConfig, crawl_failures, crawl_state
from blogarchive.stages import cpu_by_stage
from blogarchive.storage import RUNS_SCHEMA, Archive, ArchiveError


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
    held: int = 0
    errors: int = 0
    bytes: int = 0
    seconds: float = 0.0
    finish_reason: str = ""
    # requests refused at the page cap (--max-pages): the crawl ended without them
    capped: int = 0
    stopped_early_at: str | None = None
    # the previous run's status when it made this run walk the whole index (it did not finish cleanly)
    walk_whole: str | None = None
    not_revisited: int = 0
    # posts reextract --since left as they were (captured before the date)
    not_replayed: int = 0
    # known posts tonight's sitemaps, feeds or index walk no longer list: asked again despite the early stop
    rechecked_unlisted: int = 0
    sitemap_skipped: int = 0
    links_malformed: int = 0
    canonical_ignored: int = 0
    date_conflicts: int = 0
    # why the crawl stopped short (the archive could not be written): the CLI's one error line
    fatal: str | None = None
    # what the start URL turned out to be when not the blog's index: post, no-posts, sitemap, feed
    start_kind: str | None = None
    warnings: list[str] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    # CPU ms by stage, "main/STAGE" or "pool/STAGE" (blogarchive.stages): for bench/crawl
    cpu_ms: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        finished = self.finish_reason == "finished"
        return finished and not self.capped and self.errors == 0 and self.found > 0 and not self.warnings

    @property
    def status(self) -> str:
        """ok, drift (drift warnings), errors; or, for a run that did not finish: interrupted (Ctrl-C,
        SIGTERM), capped (--max-pages), failed (anything else: disk full...)."""
        if self.finish_reason != "finished":
            return _UNFINISHED.get(self.finish_reason, "failed")
        if self.capped:
            return "capped"
        return "errors" if self.errors or not self.found else "drift" if self.warnings else "ok"

    @property
    def complete(self) -> bool:
        """True when the run saw every post: it finished and walked the whole index."""
        walked = self.full or not self.stopped_early_at
        return self.finish_reason == "finished" and not self.capped and not self.not_replayed and walked

    @property
    def incomplete(self) -> str | None:
        """Why the run did not see every post (None when it did)."""
        if self.complete:
            return None
        if self.finish_reason != "finished" or self.capped:
            return _WHY_UNFINISHED.get(self.status, f"it ended early ({self.finish_reason or 'no reason'})")
        if self.not_replayed:
            return f"reextract --since left {self.not_replayed} posts captured before the date as they were"
        unseen = self.not_revisited
        return f"the index walk stopped early at {self.stopped_early_at} ({unseen} known posts not revisited)"

    def lines(self) -> list[str]:
        kept = f", kept {self.kept} (empty page, old version kept)" if self.kept else ""
        kept += f", held {self.held} (see warnings)" if self.held else ""
        gone = f", removed {self.removed}" if self.removed else ""
        back = f", restored {self.restored}" if self.restored else ""
        out = [
            f"posts found {self.found}: new {self.new}, updated {self.updated}, unchanged {self.unchanged}"
            f"{kept}{gone}{back}",
            f"pages fetched {self.pages} ({self.not_modified} not modified, {self.bytes:,} bytes), "
            f"errors {self.errors}, {self.seconds:.1f} s",
        ]
        if self.start_kind in _START_KINDS:
            out.append(_START_KINDS[self.start_kind])
        if self.stopped_early_at:
            out.append(
                f"stopped the index walk early at {self.stopped_early_at}: {self.not_revisited} known posts "
                "not revisited tonight (run with --full to re-check every post)"
            )
        if self.rechecked_unlisted:
            out.append(f"{self.rechecked_unlisted} known posts no longer listed where they would be (sitemap, "
                       "feed, the index walked): asked again")  # fmt: skip
        if self.walk_whole:
            previous = _PREVIOUS.get(self.walk_whole, f"the last run ended {self.walk_whole}")
            out.append(f"{previous}: walked the whole index (no early stop) so that no post is missed")
        if self.date_conflicts:
            out.append(f"{self.date_conflicts} posts have conflicting date evidence (see date_conflicts)")
        if self.sitemap_skipped:
            out.append(f"{self.sitemap_skipped} posts skipped: sitemap lastmod unchanged")
        if self.canonical_ignored:
            out.append(
                f"{self.canonical_ignored} posts declare a canonical URL that is no post (the home page or an "
                "index): ignored, each post kept at its own URL"
            )
        if self.links_malformed:
            out.append(f"{self.links_malformed} malformed links skipped (not URLs a browser could follow)")
        out += [f"warning: {w}" for w in self.warnings]
        out += failure_lines(self.failures)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status}


def failure_lines(failures: list[dict[str, str]]) -> list[str]:
    """One line per kind of failure (its reason), with how many pages and one of them."""
    kinds: dict[str, list[str]] = {}
    for failure in failures:
        kinds.setdefault(failure["reason"], []).append(failure["url"])
    out = []
    for reason, urls in list(kinds.items())[:_FAILURES_SHOWN]:
        more = f" and {len(urls) - 1} more pages" if len(urls) > 1 else ""
        out.append(f"failed: {urls[0]}{more}: {reason}")
    if len(kinds) > _FAILURES_SHOWN:
        out.append(f"... and {len(kinds) - _FAILURES_SHOWN} more kinds of failure (blogarchive status --json)")
    return out


def summarize(
    stats: Mapping[str, Any], start_url: str, seconds: float, full: bool, failures: list[dict[str, str]]
) -> CrawlSummary:
    """A crawl's summary from its Scrapy stats (blogarchive's counts among them) and failures."""
    exceptions = sum(v for k, v in stats.items() if k.startswith("spider_exceptions/") and k.count("/") == 1)

    def count(key: str) -> int:
        return int(stats.get(f"blogarchive/{key}", 0))

    return CrawlSummary(
        start_url=start_url,
        full=full,
        # fetched pages: not the held pages the spider replays from memory (blogarchive.fetch)
        # and not the pages this run had fetched already (served from the page cache)
        pages=stats.get("response_received_count", 0) - stats.get("blogarchive/replayed", 0)
        - stats.get("httpcache/hit", 0),
        # posts answered 304, and the other pages whose stored copy a 304 confirmed
        not_modified=count("not_modified") + int(stats.get("httpcache/revalidate", 0)),
        found=count("new") + count("updated") + count("unchanged") + count("kept") + count("held"),
        new=count("new"),
        updated=count("updated"),
        unchanged=count("unchanged"),
        removed=count("removed"),
        restored=count("restored"),
        kept=count("kept"),
        held=count("held"),
        errors=count("pages_failed") + exceptions + count("kept"),
        bytes=stats.get("downloader/response_bytes", 0),
        seconds=seconds,
        finish_reason=str(stats.get("finish_reason", "")),
        capped=count("capped_requests"),
        stopped_early_at=stats.get("blogarchive/stopped_early_at"),
        walk_whole=stats.get("blogarchive/walk_whole"),
        not_revisited=count("not_revisited"),
        not_replayed=count("not_replayed"),
        rechecked_unlisted=count("rechecked_unlisted"),
        sitemap_skipped=count("sitemap_skipped"),
        links_malformed=count("links_malformed"),
        canonical_ignored=count("canonical_ignored"),
        date_conflicts=count("date_conflicts"),
        fatal=stats.get("blogarchive/fatal"),
        start_kind=stats.get("blogarchive/start_kind"),
        warnings=drift_warnings(stats, count("new") + count("updated") + count("unchanged") + count("held")),
        failures=failures,
        cpu_ms=cpu_by_stage(dict(stats)),
    )


_FAILURES_SHOWN = 5
_START_KINDS = {
    "post": "the start URL is a post: the blog was crawled from the site's home page too",
    "no-posts": "the start page lists no post: the site's home page and the pages it links to were followed "
    "(its blog link among them)",
    "sitemap": "the start URL is a sitemap: read as one, and the blog crawled from the site's home page",
    "feed": "the start URL is a feed: read as one, and the blog crawled from the site's home page",
}
_PREVIOUS = {
    "none": "no earlier run is recorded",
    "running": "the last run died (killed or crashed)",
    "errors": "the last run had failed pages",
    "interrupted": "the last run was interrupted",
    "capped": "the last run stopped at the page cap",
    "failed": "the last run failed",
}
_UNFINISHED = {"shutdown": "interrupted", "closespider_pagecount": "capped"}
_WHY_UNFINISHED = {
    "interrupted": "it was interrupted (Ctrl-C, SIGTERM): the next run walks the whole index",
    "capped": "it stopped at the page cap (--max-pages): the next run walks the whole index",
    "failed": "it failed (see fatal): the next run walks the whole index",
}

# Drift thresholds: a template change that moves every body, far fewer posts.
_MOVED_SHARE = 0.8
_MOVED_MIN = 5
_FEWER_SHARE = 0.5


def drift_warnings(stats: Mapping[str, Any], seen: int) -> list[str]:
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
    if count("held"):
        warnings.append(
            f"{count('held')} changed posts held back (a maintenance page or a broken template?): the archived "
            "versions stay until a later run sees the same change (`blogarchive accept` takes them now)"
        )
    return warnings


def compare_with_last_good(summary: CrawlSummary, last_good: dict[str, Any] | None) -> None:
    """Far fewer posts than the last good complete run: a redesign or a broken index."""
    complete = (summary.full or not summary.stopped_early_at) and not summary.not_replayed
    if last_good and complete and last_good["found"] and summary.found < _FEWER_SHARE * last_good["found"]:
        summary.warnings.append(f"found {summary.found} posts, the last good run found {last_good['found']}")


def record_run(
    db_path: str, summary: CrawlSummary, started: datetime, site: str | None, run_id: int | None = None
) -> None:
    """Store the run's summary (in its 'running' row *run_id*, when it has one)."""
    archive = Archive(db_path)
    try:
        run = {k: v for k, v in asdict(summary).items() if k in RUNS_SCHEMA}
        archive.record_run({
            **run,
            # a complete run visited every post; its count is the yardstick for drift
            "complete": int(summary.complete),
            "incomplete": summary.incomplete,
            "warnings": json.dumps(summary.warnings),
            "failures": json.dumps(summary.failures),
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "status": summary.status,
            "site": site,
        }, run_id)  # fmt: skip
    finally:
        archive.close()


def open_run(db_path: str, start_url: str, site: str | None) -> tuple[dict[str, Any] | None, int]:
    """The last good run (for drift) and this run's row, made before any page is fetched:
    if the process dies, the next run finds it 'running' and walks the whole blog."""
    archive = Archive(db_path)
    try:
        last_good = archive.last_good_run(start_url)
        return last_good, archive.start_run(start_url, site, datetime.now(UTC).isoformat(timespec="seconds"))
    finally:
        archive.close()


def close_run(
    db_path: str,
    stats: Mapping[str, Any],
    run: tuple[dict[str, Any] | None, int],
    *,
    start_url: str,
    site: str | None,
    full: bool,
    failures: list[dict[str, str]],
    started: datetime,
    seconds: float,
) -> CrawlSummary:
    """The one way a crawl ends: its summary from the stats, drift against the last good run,
    stored in the run's row (a disk that refuses the record too is said in the summary)."""
    last_good, run_id = run
    summary = summarize(stats, start_url, seconds, full, failures)
    compare_with_last_good(summary, last_good)
    try:
        record_run(db_path, summary, started, site, run_id)
    except (ArchiveError, sqlite3.Error, OSError) as err:
        note = f"the run could not be recorded ({err})"
        summary.fatal = f"{summary.fatal}; {note}" if summary.fatal else f"cannot write the archive: {note}"
    return summary


class RunRecord:
    """Scrapy extension: the run's record for crawls started by `scrapy crawl` or Scrapyd.

    The command line makes its own (blogarchive.crawl.CrawlJob, which sets
    BLOGARCHIVE_RUN_ID); distributed workers replace EXTENSIONS and leave the record to
    their writer.  Either way, one record per crawl, written by close_run.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.run: tuple[dict[str, Any] | None, int] | None = None
        self.started = datetime.now(UTC)
        self.clock = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecord:
        settings = crawler.settings
        if not settings.get("BLOGARCHIVE_DB") or settings.getint("BLOGARCHIVE_RUN_ID"):
            # no archive, or the caller records the run; no message, so that Scrapy does not
            # log a warning on every command-line crawl
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider: Spider) -> None:
        db = self.crawler.settings.get("BLOGARCHIVE_DB")
        config = self._config()
        self.run = open_run(db, config.start_url, config.site)
        # the spider compares with the run before this one (its early stop): tell it which is this
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("blogarchive/run_id", self.run[1])

    def closed(self, spider: Spider) -> None:
        if self.run is None or self.crawler.stats is None:
            return
        config = self._config()
        close_run(
            self.crawler.settings.get("BLOGARCHIVE_DB"), self.crawler.stats.get_stats(), self.run,
            start_url=config.start_url, site=config.site, full=config.full, failures=crawl_failures(self.crawler),
            started=self.started, seconds=time.monotonic() - self.clock,
        )  # fmt: skip

    def _config(self) -> CrawlConfig:
        state = crawl_state(self.crawler)
        return state.config if state is not None else CrawlConfig(start_url="", profile=None)
