"""Distributed mode: several worker processes share one site's frontier through scrapy-redis.

    blogarchive crawl --sites FILE --redis redis://127.0.0.1:6379/0 --workers 4 --db PATH

For each site in turn, N `scrapy crawl blog` workers run with scrapy-redis's
scheduler and a duplicate filter on canonical URLs, both keyed by the site's name
in Redis: a URL any worker schedules is fetched once, by whichever worker is free.

Records reach SQLite through one writer.  SQLite takes one writer at a time, and
the archive's upserts keep revisions, removal marks and content hashes in one
transaction per batch: so workers do not write it.  They push each item to a
Redis list (scrapy-redis's RedisPipeline, with a serializer that keeps the item's
kind) and, when they close, what they learned (redirects, widget dates, template
counts, sitemap lastmods, failures); this process, holding the archive's lock,
applies them in batches as they arrive.  Per-worker archives merged afterwards
would need the same merge logic twice and leave the archive stale until the end.

A worker killed mid-crawl loses the requests it had taken from the queue.  Every
post request scheduled is also recorded in Redis with its card; once the workers
are done, the posts recorded but not archived are fetched again by one more
worker (a recovery run with the card), so nothing is lost.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.pipelines import RedisPipeline
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from blogarchive.crawlstate import CrawlConfig, CrawlState, crawl_state
from blogarchive.evidence import Claim
from blogarchive.fingerprint import CanonicalFingerprinter
from blogarchive.items import GoneItem, PostItem, UnchangedItem, as_record
from blogarchive.lock import archive_lock
from blogarchive.runs import CrawlSummary, close_run, open_run
from blogarchive.settings import DOWNLOAD_DELAY
from blogarchive.sites import Site
from blogarchive.storage import Archive, Batch, utc_now
from blogarchive.template import TemplateLearner
from blogarchive.urls import canonical_url, is_loopback

# requests that are posts by their source (pages of a mixed sitemap may be anything)
_POST_SOURCES = {"card", "feed", "posts-sitemap", "known"}


def keys(site: str) -> dict[str, str]:
    """The Redis keys of one site's distributed crawl."""
    base = f"blogarchive:{site}"
    return {name: f"{base}:{name}" for name in ("requests", "dupefilter", "items", "expected")}


# --- in the workers -------------------------------------------------------------


class CanonicalDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared duplicate filter, on blogarchive's canonical fingerprints
    (a post linked as /p, /p/ and /p?utm_source=x is fetched once across all workers)."""

    fingerprinter = CanonicalFingerprinter()

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()


def serialize_item(item: Any) -> str:
    """An item for the writer, with its kind (scrapy-redis's REDIS_ITEMS_SERIALIZER)."""
    kind = {PostItem: "post", UnchangedItem: "unchanged", GoneItem: "gone"}[type(item)]
    return json.dumps({"kind": kind, "item": as_record(item)})


class Scheduler(RedisScheduler):
    """scrapy-redis's scheduler, except for replays of the pages this worker holds
    (blogarchive.middlewares.HeldPages): only this worker has their bodies, so they stay here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.local: deque[Request] = deque()

    def enqueue_request(self, request: Request) -> bool:
        if request.meta.get("held"):
            self.local.append(request)
            return True
        return super().enqueue_request(request)

    def next_request(self) -> Request | None:
        return self.local.popleft() if self.local else super().next_request()

    def has_pending_requests(self) -> bool:
        return bool(self.local) or super().has_pending_requests()


class SharedFrontier:
    """Tells a worker whether the shared frontier is still growing.

    The spider's phases (index walk first, then sitemaps and feeds, then held
    posts) must be the whole crawl's, not one worker's: a worker whose queue ran
    dry early would otherwise fetch the sitemap while another is still walking the
    index, and take posts without their cards.  The spider asks `busy()` before
    moving on or closing (BlogSpider.on_idle): busy while requests are queued or
    while any worker found a new URL in the last QUIET_SECONDS.  Once it is quiet,
    every idle worker moves on together; no worker waits for another's state.
    """

    QUIET_SECONDS = 4.0

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.server = redis.Redis.from_url(settings.get("REDIS_URL"))
        self.queue_key, self.seen_key = settings.get("SCHEDULER_QUEUE_KEY"), settings.get("SCHEDULER_DUPEFILTER_KEY")
        self.last_size, self.last_change = -1, time.monotonic()
        crawler.signals.connect(self.opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedFrontier:
        return cls(crawler)

    def opened(self, spider: Any) -> None:
        if (state := crawl_state(spider.crawler)) is not None:
            state.frontier = self

    def busy(self) -> bool:
        size = self.server.scard(self.seen_key)
        if size != self.last_size:
            self.last_size, self.last_change = size, time.monotonic()
        return bool(self.server.zcard(self.queue_key)) or time.monotonic() - self.last_change < self.QUIET_SECONDS


class SharePipeline(RedisPipeline):
    """scrapy-redis's RedisPipeline with Scrapy's current pipeline signature: no spider
    argument, no Deferred (a push to a local Redis takes microseconds)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharePipeline:
        pipe = cls.from_settings(crawler.settings)
        pipe.crawler = crawler
        return pipe

    def process_item(self, item: Any) -> Any:
        return self._process_item(item, self.crawler.spider)


class ExpectedPosts:
    """Records every post request scheduled, with its card, so that a lost one can be fetched again."""

    def __init__(self, crawler: Crawler) -> None:
        self.server = redis.Redis.from_url(crawler.settings.get("REDIS_URL"))
        self.key = crawler.settings.get("BLOGARCHIVE_EXPECTED_KEY")
        crawler.signals.connect(self.scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExpectedPosts:
        return cls(crawler)

    def scheduled(self, request: Request, **_: Any) -> None:
        if request.meta.get("source") not in _POST_SOURCES:
            return
        card = request.cb_kwargs.get("card")
        entry = {
            "url": request.url,
            "source": request.meta["source"],
            "card": dataclasses.asdict(card) if card is not None else None,
            "listing_url": request.cb_kwargs.get("listing_url"),
        }
        # the first card seen for a URL is the one its request carries
        self.server.hsetnx(self.key, canonical_url(request.url), json.dumps(entry))

    def closed(self, spider: Any) -> None:
        """What the spider learned that the archive keeps, for the writer to merge."""
        crawl = crawl_state(spider.crawler) or CrawlState(CrawlConfig(start_url="", profile=None))
        pages, counts = crawl.template.state()
        state = {
            "redirects": crawl.redirects,
            "widget_claims": {u: [dataclasses.asdict(c) for c in cs] for u, cs in crawl.widget_claims.items()},
            "template": {"pages": pages, "counts": dict(counts)},
            "sitemap_lastmods": crawl.sitemap_lastmods,
            "failures": crawl.failures,
            "pages": spider.crawler.stats.get_value("response_received_count", 0)
            - spider.crawler.stats.get_value("blogarchive/replayed", 0),
            "stopped_early_at": spider.crawler.stats.get_value("blogarchive/stopped_early_at"),
            "stats": {k: v for k, v in spider.crawler.stats.get_stats().items() if isinstance(v, int | float)},
        }
        self.server.rpush(spider.crawler.settings.get("REDIS_ITEMS_KEY"), json.dumps({"kind": "closed", **state}))


def worker_settings(site: Site, db: str, redis_url: str, frontier: bool = True, workers: int = 1) -> dict[str, str]:
    """Scrapy settings of one worker (frontier=False: a recovery run with its own scheduler)."""
    k = keys(site.name)
    settings = {}
    if not is_loopback(site.start_url):
        # the site sees all workers: together they keep to one crawler's pace
        settings["DOWNLOAD_DELAY"] = str(DOWNLOAD_DELAY * workers)
    settings |= {
        "BLOGARCHIVE_DB": db,
        "REDIS_URL": redis_url,
        "REDIS_ITEMS_KEY": k["items"],
        "REDIS_ITEMS_SERIALIZER": "blogarchive.distributed.serialize_item",
        "BLOGARCHIVE_EXPECTED_KEY": k["expected"],
        # the workers share the frontier; only the writer touches the archive
        "ITEM_PIPELINES": json.dumps(
            {
                "blogarchive.pipelines.normalise.NormalisePipeline": 100,
                "blogarchive.pipelines.canonical.CanonicalURLPipeline": 200,
                "blogarchive.pipelines.dedupe.DedupePipeline": 300,
                "blogarchive.distributed.SharePipeline": 900,
            }
        ),
        "LOG_LEVEL": "WARNING",
        # each worker is a process already: no page-reading pool of its own (-s overrides)
        "BLOGARCHIVE_WORKERS": "0",
        # the page cache is one file, not for several processes at once: posts stay conditional
        "HTTPCACHE_ENABLED": "False",
    }
    if frontier:
        settings |= {
            "SCHEDULER": "blogarchive.distributed.Scheduler",
            "DUPEFILTER_CLASS": "blogarchive.distributed.CanonicalDupeFilter",
            "SCHEDULER_QUEUE_KEY": k["requests"],
            # a sorted set in Redis (SharedFrontier counts it)
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
            "SCHEDULER_DUPEFILTER_KEY": k["dupefilter"],
            # the writer clears the keys of a finished crawl itself
            "SCHEDULER_PERSIST": "True",
        }
    extensions = {"blogarchive.distributed.ExpectedPosts": 500}
    if frontier:
        extensions["blogarchive.distributed.SharedFrontier"] = 510
    settings["EXTENSIONS"] = json.dumps(extensions)
    return settings


# --- in the writer ------------------------------------------------------------------


@dataclass
class Merged:
    """What the workers of one site learned, merged for the archive."""

    counts: Counter[str] = field(default_factory=Counter)
    stats: Counter[str] = field(default_factory=Counter)
    redirects: dict[str, str] = field(default_factory=dict)
    widget_claims: dict[str, list[Claim]] = field(default_factory=dict)
    template: TemplateLearner = field(default_factory=TemplateLearner)
    sitemap_lastmods: dict[str, str] = field(default_factory=dict)
    failures: list[dict[str, str]] = field(default_factory=list)
    worker_pages: list[int] = field(default_factory=list)
    stopped_early_at: str | None = None

    def add_closed(self, state: dict[str, Any]) -> None:
        self.redirects.update(state["redirects"])
        for url, claims in state["widget_claims"].items():
            self.widget_claims.setdefault(url, []).extend(Claim(**c) for c in claims)
        self.template.pages += state["template"]["pages"]
        self.template.counts.update(state["template"]["counts"])
        self.sitemap_lastmods.update(state["sitemap_lastmods"])
        self.failures += state["failures"]
        self.worker_pages.append(state["pages"])
        self.stopped_early_at = self.stopped_early_at or state["stopped_early_at"]
        self.stats.update(state["stats"])

    def crawl_stats(self) -> dict[str, Any]:
        """The workers' stats with the archive's counts, as one process's crawl has them."""
        counts = {f"blogarchive/{key}": n for key, n in self.counts.items()}
        # the writer finishes the frontier whatever became of a worker (see _recover)
        return {
            **self.stats,
            **counts,
            "finish_reason": "finished",
            "blogarchive/stopped_early_at": self.stopped_early_at,
        }


def _worker(
    site: Site,
    db: str,
    redis_url: str,
    extra: Sequence[str],
    frontier: bool = True,
    resume: str = "",
    workers: int = 1,
) -> subprocess.Popen[bytes]:
    """One `scrapy crawl blog` worker process for *site*."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "blog", "-a", f"start_url={site.start_url}"]
    cmd += ["-a", f"site={site.name}"]
    cmd += ["-a", f"profile={site.profile}"] if site.profile else []
    cmd += ["-a", f"resume={resume}"] if resume else []
    for name, value in worker_settings(site, db, redis_url, frontier, workers).items():
        cmd += ["-s", f"{name}={value}"]
    # scrapy-redis 0.9 still passes `spider` to Scrapy's stats and calls Spider.log():
    # deprecation noise, not news
    env = {
        **os.environ,
        "SCRAPY_SETTINGS_MODULE": "blogarchive.settings",
        "PYTHONWARNINGS": "ignore:Passing a 'spider' argument,ignore:Spider.log() is deprecated",
    }
    return subprocess.Popen([*cmd, *extra], env=env, stdout=subprocess.DEVNULL)


class Writer:
    """Applies the workers' items to the archive in batches, as they arrive."""

    def __init__(self, archive: Archive, server: redis.Redis, key: str, batch_size: int = 100) -> None:
        self.archive, self.server, self.key, self.batch_size = archive, server, key, batch_size
        self.batch = Batch()
        self.merged = Merged()

    def drain(self, wait: float) -> None:
        """Apply what is queued, waiting up to *wait* s for the first record."""
        # BLPOP with a timeout of 0 would wait for ever: no wait is a plain LPOP
        first = self.server.blpop([self.key], timeout=wait) if wait > 0 else None
        record = first[1] if first is not None else self.server.lpop(self.key)
        while record is not None:
            self._take(json.loads(record))  # type: ignore[arg-type]  # redis-py's hint covers every command
            record = self.server.lpop(self.key)
        self.flush()

    def _take(self, record: dict[str, Any]) -> None:
        kind = record["kind"]
        if kind == "closed":
            self.merged.add_closed(record)
            return
        item = record["item"]
        if kind == "post":
            self.batch.records.append(item)
        elif kind == "unchanged":
            self.batch.unchanged.append(item["url"])
        else:
            self.batch.gone.append(item["url"])
        if len(self.batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if len(self.batch):
            self.merged.counts.update(self.archive.apply(self.batch))
            self.batch = Batch()


def crawl_site(
    site: Site, db: str, redis_url: str, workers: int, extra: Sequence[str], full: bool
) -> tuple[CrawlSummary, dict[str, Any]]:
    """Crawl one site with *workers* processes: its summary (recorded in runs, as a
    single-process crawl's is) and what the workers did."""
    # blocking pops wait up to a second: the socket must wait longer
    server = redis.Redis.from_url(redis_url, socket_timeout=30)
    k = keys(site.name)
    server.delete(*k.values())
    started, clock = datetime.now(UTC), time.monotonic()
    # this run's row before any page is fetched, as every crawl's (blogarchive.runs.open_run);
    # the workers compare with the run before it (their early stop)
    run = open_run(db, site.start_url, site.name)
    extra = [*extra, "-s", f"BLOGARCHIVE_RUN_ID={run[1]}"]
    archive = Archive(db)
    writer = Writer(archive, server, k["items"])
    since = utc_now()
    try:
        procs = [_worker(site, db, redis_url, extra, workers=workers) for _ in range(workers)]
        while any(p.poll() is None for p in procs):
            writer.drain(wait=0.5)
        writer.drain(wait=0)
        # saved first: a recovery run extracts with the template the workers learned
        archive.save_template(writer.merged.template, site.name)
        recovered = _recover(site, db, redis_url, extra, archive, writer, server, k["expected"])
        merged = writer.merged
        archive.add_aliases(merged.redirects)
        archive.cross_check(merged.widget_claims)
        archive.record_sitemap_lastmods(merged.sitemap_lastmods, since)
    finally:
        archive.close()
        server.delete(*k.values())
    summary = close_run(db, merged.crawl_stats(), run, start_url=site.start_url, site=site.name, full=full,
                        failures=merged.failures, started=started, seconds=time.monotonic() - clock)  # fmt: skip
    workers_did = {"recovered": recovered, "worker_exits": [p.returncode for p in procs]}
    return summary, {**workers_did, "worker_pages": merged.worker_pages}


def _recover(site, db, redis_url, extra, archive, writer, server, expected_key) -> int:
    """Fetch again, with their cards, the posts a worker scheduled but no worker archived."""
    # an old slug that redirects is its target's
    archived = set(writer.merged.redirects) | archive.archived_urls()
    missing = [
        json.loads(entry)
        for url, entry in ((u.decode(), e) for u, e in server.hgetall(expected_key).items())
        if url not in archived
    ]
    failed = {canonical_url(f["url"]) for f in writer.merged.failures}
    missing = [m for m in missing if canonical_url(m["url"]) not in failed]
    if not missing:
        return 0
    path = Path(db).with_name(f".{site.name}.resume.json")
    path.write_text(json.dumps(missing))
    try:
        proc = _worker(site, db, redis_url, extra, frontier=False, resume=str(path))
        while proc.poll() is None:
            writer.drain(wait=0.5)
        writer.drain(wait=0)
    finally:
        path.unlink(missing_ok=True)
    return len(missing)


def crawl_sites_distributed(
    sites: Sequence[Site], db: str, redis_url: str, workers: int, extra: Sequence[str], full: bool, emit: Any
) -> int:
    """Every site in turn, each by *workers* processes; 0 when all went well, else 1.

    emit(site, summary, what the workers did) is called after each site.
    """
    try:
        redis.Redis.from_url(redis_url).ping()
    except redis.RedisError as err:
        raise ConnectionError(f"cannot reach Redis at {redis_url}: {err}") from err
    status = 0
    with archive_lock(db):
        for site in sites:
            summary, workers_did = crawl_site(site, db, redis_url, workers, extra, full)
            emit(site, summary, workers_did)
            status = max(status, 0 if summary.ok else 1)
    return status
