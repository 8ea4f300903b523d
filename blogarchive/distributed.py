"""Distributed mode's shared parts: the jobs in Redis, and the Scrapy components of a worker.

    blogarchive crawl --sites FILE --redis redis://HOST:6379/0 --workers N --db PATH   (coordinator)
    blogarchive worker --redis redis://HOST:6379/0                                     (any machine)

The coordinator (blogarchive.coordinator) holds the archive.  For each blog it
publishes a *job* in Redis: the blog, this run's id, the command's settings, and a
brief of what the archive holds of it (known posts, template, last run), so that a
worker needs no archive of its own.  A worker (blogarchive.worker) runs one Scrapy
crawler per open job, side by side in one process: any idle worker takes the next
request of any blog.  The crawlers of one job, on every worker, share its frontier
through scrapy-redis (a priority queue and a duplicate filter on canonical URLs,
keyed by the job), and push their items and, when they close, what they learned to
the job's list, which the coordinator alone applies to SQLite.

Politeness across workers: a real site's requests pass a gate in Redis (`SharedPace`),
one request per DOWNLOAD_DELAY per host whichever worker sends it, so that ten workers
keep to one crawler's pace without knowing how many they are.  Workers wake when work
arrives: every request queued is announced on a Redis channel, and a worker whose
crawler of that job sits idle asks its engine for the next request then, rather than
at Scrapy's 5 s heartbeat.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import redis
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.utils.asyncio import sleep
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.pipelines import RedisPipeline
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from blogarchive.crawlstate import CrawlConfig, CrawlState, crawl_state
from blogarchive.fingerprint import CanonicalFingerprinter
from blogarchive.items import GoneItem, PostItem, UnchangedItem, as_record
from blogarchive.settings import DOWNLOAD_DELAY, DOWNLOADER_MIDDLEWARES
from blogarchive.urls import canonical_url, is_loopback

JOBS = "blogarchive:jobs"  # hash: job id → Job as JSON, while the job is open
WAKE = "blogarchive:wake"  # channel: "jobs" (a job opened) or a job's queue key (requests queued)
HEARTBEAT_SECONDS = 1.0  # a worker says it is alive this often ...
HEARTBEAT_TTL = 10  # ... and is taken for dead (killed, its machine gone) this long after its last word
# requests that are posts by their source (pages of a mixed sitemap may be anything)
_POST_SOURCES = {"card", "feed", "posts-sitemap", "known"}


def worker_key(worker_id: str) -> str:
    """A worker's heartbeat (a key that expires HEARTBEAT_TTL s after its last refresh)."""
    return f"blogarchive:worker:{worker_id}"


def _job_id(site: str) -> str:
    # unique across coordinators sharing one Redis, and across runs of one
    return f"{site}-{uuid.uuid4().hex[:12]}"


def members(server: redis.Redis, key: str) -> set[str]:
    """A Redis set of worker ids, decoded."""
    return {m.decode() for m in server.smembers(key)}  # type: ignore[union-attr]  # redis-py's hints cover async too


def alive(server: redis.Redis, workers: set[str]) -> set[str]:
    """The *workers* whose heartbeat has not expired."""
    return {w for w in workers if server.exists(worker_key(w))}


@dataclass(frozen=True)
class Job:
    """One blog's crawl, or its recovery, as the coordinator publishes it for the workers."""

    id: str
    site: str
    start_url: str
    profile: str | None
    run_id: int
    spider_args: dict[str, str]  # max_pages, full, stop_after (as `scrapy crawl -a`)
    settings: dict[str, str]  # the command's -s NAME=VALUE
    resume: list[dict[str, Any]] | None = None  # a recovery: only these post requests

    @classmethod
    def new(cls, site: str, **fields: Any) -> Job:
        return cls(id=_job_id(site), site=site, **fields)

    def recovery(self, missing: list[dict[str, Any]]) -> Job:
        """This job's recovery: its lost post requests, under a new id (fresh keys)."""
        return dataclasses.replace(self, id=_job_id(self.site), resume=missing)

    @property
    def keys(self) -> dict[str, str]:
        """The Redis keys of this job."""
        base = f"blogarchive:job:{self.id}"
        names = ("requests", "dupefilter", "items", "expected", "workers", "idle", "brief")
        return {name: f"{base}:{name}" for name in names}

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> Job:
        return cls(**json.loads(text))


def brief(known: dict[str, dict[str, Any]], template: tuple[int, dict[str, int]], previous: dict[str, Any] | None
          ) -> str:  # fmt: skip
    """What a worker is told of the archive (blogarchive.crawlstate.CrawlState.brief)."""
    pages, counts = template
    return json.dumps({"known": known, "template": {"pages": pages, "counts": dict(counts)}, "previous": previous})


def worker_settings(job: Job, worker_id: str, redis_url: str) -> dict[str, Any]:
    """Scrapy settings of one worker's crawler for *job* (the command's -s pairs win)."""
    k = job.keys
    settings: dict[str, Any] = {
        "BLOGARCHIVE_DB": "",  # no archive here: the brief says what it holds
        "BLOGARCHIVE_RUN_ID": job.run_id,
        "BLOGARCHIVE_WORKER_ID": worker_id,
        "REDIS_URL": redis_url,
        "REDIS_ITEMS_KEY": k["items"],
        "REDIS_ITEMS_SERIALIZER": "blogarchive.distributed.serialize_item",
        "BLOGARCHIVE_EXPECTED_KEY": k["expected"],
        "BLOGARCHIVE_WORKERS_KEY": k["workers"],
        "BLOGARCHIVE_IDLE_KEY": k["idle"],
        # the workers share the frontier; only the coordinator touches the archive
        "ITEM_PIPELINES": {
            "blogarchive.pipelines.normalise.NormalisePipeline": 100,
            "blogarchive.pipelines.canonical.CanonicalURLPipeline": 200,
            "blogarchive.pipelines.dedupe.DedupePipeline": 300,
            "blogarchive.distributed.SharePipeline": 900,
        },
        "LOG_LEVEL": "WARNING",
        # each worker is a process already: no page-reading pool of its own
        "BLOGARCHIVE_WORKERS": 0,
        # no archive beside this process to keep a page cache with: posts stay conditional
        "HTTPCACHE_ENABLED": False,
        "BLOGARCHIVE_CAPTURES": False,  # captures are the archive's side: not kept by remote workers yet
        "SCHEDULER": "blogarchive.distributed.Scheduler",
        "DUPEFILTER_CLASS": "blogarchive.distributed.CanonicalDupeFilter",
        "SCHEDULER_QUEUE_KEY": k["requests"],
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",  # a sorted set: SharedFrontier counts it
        "SCHEDULER_DUPEFILTER_KEY": k["dupefilter"],
        "SCHEDULER_PERSIST": True,  # the coordinator clears a finished job's keys itself
        "EXTENSIONS": {"blogarchive.distributed.ExpectedPosts": 500, "blogarchive.distributed.SharedFrontier": 510},
        # after PageCap: what reaches the network only
        "DOWNLOADER_MIDDLEWARES": DOWNLOADER_MIDDLEWARES | {"blogarchive.distributed.SharedPace": 846},
        # a real site sees every worker: together they keep to one crawler's pace
        "BLOGARCHIVE_SHARED_PACE": 0.0 if is_loopback(job.start_url) else DOWNLOAD_DELAY,
    }
    return settings | job.settings


# --- the Scrapy components of a worker's crawler -------------------------------------


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
    """scrapy-redis's scheduler, which announces what it queues (WAKE) and says when this
    worker's crawler rests (idle: nothing in flight, nothing queued here); except for
    replays of the pages this worker holds (blogarchive.middlewares.HeldPages): only this
    worker has their bodies, so they stay here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.local: deque[Request] = deque()
        self.resting = False

    def open(self, spider: Any) -> Any:
        settings = spider.crawler.settings
        self.idle_key, self.worker = settings.get("BLOGARCHIVE_IDLE_KEY"), settings.get("BLOGARCHIVE_WORKER_ID")
        return super().open(spider)

    def enqueue_request(self, request: Request) -> bool:
        if request.meta.get("held"):
            self.local.append(request)
            return True
        queued = bool(super().enqueue_request(request))
        if queued:
            self.server.publish(WAKE, self.queue_key)
        return queued

    def next_request(self) -> Request | None:
        if self.local:
            return self.local.popleft()
        if self.resting:  # no longer idle *before* taking a request: no one sees it taken and us idle
            self.server.srem(self.idle_key, self.worker)
            self.resting = False
        return super().next_request()

    def rest(self) -> None:
        """This worker's crawler is idle (its engine said so: BlogSpider.on_idle)."""
        if not self.resting:
            self.server.sadd(self.idle_key, self.worker)
            self.resting = True

    def has_pending_requests(self) -> bool:
        return bool(self.local) or super().has_pending_requests()


class SharedFrontier:
    """Tells a worker whether the shared frontier may still grow.

    The spider's phases (index walk first, then sitemaps and feeds, then held
    posts) must be the whole crawl's, not one worker's: a worker whose queue ran
    dry early would otherwise fetch the sitemap while another is still walking the
    index, and take posts without their cards.  The spider asks `busy()` when its
    engine is idle, before moving on or closing (BlogSpider.on_idle): busy while
    requests are queued or while any live worker of the job is not idle (it may
    still find pages).  A worker stops being idle before it takes a request
    (Scheduler.next_request), so no request is ever in nobody's hands.  Once all
    are idle, every worker moves on together; no worker waits for another's state.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.server = redis.Redis.from_url(settings.get("REDIS_URL"))
        self.queue_key = settings.get("SCHEDULER_QUEUE_KEY")
        self.workers_key, self.idle_key = settings.get("BLOGARCHIVE_WORKERS_KEY"), settings.get("BLOGARCHIVE_IDLE_KEY")
        self.worker = settings.get("BLOGARCHIVE_WORKER_ID")
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedFrontier:
        return cls(crawler)

    def opened(self, spider: Any) -> None:
        if (state := crawl_state(spider.crawler)) is not None:
            state.frontier = self

    def closed(self, spider: Any) -> None:
        self.server.sadd(self.idle_key, self.worker)  # a closed crawler finds nothing more

    def busy(self) -> bool:
        scheduler = self.crawler.engine.scheduler if self.crawler.engine else None
        if isinstance(scheduler, Scheduler):
            scheduler.rest()
        if self.server.zcard(self.queue_key):
            return True
        working = members(self.server, self.workers_key) - members(self.server, self.idle_key) - {self.worker}
        return bool(alive(self.server, working))


class SharedPace:
    """Downloader middleware: at most one request per BLOGARCHIVE_SHARED_PACE seconds to a
    host, across every worker of every machine (a key in Redis that expires: whoever sets
    it may go, the others wait for it to expire).  Off (0) for sites on this machine."""

    def __init__(self, crawler: Crawler) -> None:
        self.pace = crawler.settings.getfloat("BLOGARCHIVE_SHARED_PACE")
        self.server = redis.Redis.from_url(crawler.settings.get("REDIS_URL")) if self.pace > 0 else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPace:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        if self.server is None:
            return
        key = f"blogarchive:pace:{urlsplit(request.url).netloc}"  # a host and port: one server
        millis = max(1, int(self.pace * 1000))
        while not self.server.set(key, "1", nx=True, px=millis):
            wait = self.server.pttl(key)
            await sleep(max(int(wait), 10) / 1000)


class SharePipeline(RedisPipeline):
    """scrapy-redis's RedisPipeline with Scrapy's current pipeline signature: no spider
    argument, no Deferred (a push to Redis takes a round trip, not a wait)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharePipeline:
        pipe = cls.from_settings(crawler.settings)
        pipe.crawler = crawler
        return pipe

    def process_item(self, item: Any) -> Any:
        return self._process_item(item, self.crawler.spider)


class ExpectedPosts:
    """Records every post request scheduled, with its card, so that a lost one can be fetched
    again; and tells the coordinator, as the crawler closes, what it learned."""

    def __init__(self, crawler: Crawler) -> None:
        self.server = redis.Redis.from_url(crawler.settings.get("REDIS_URL"))
        self.key = crawler.settings.get("BLOGARCHIVE_EXPECTED_KEY")
        self.worker = crawler.settings.get("BLOGARCHIVE_WORKER_ID")
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
        """What the spider learned that the archive keeps, for the coordinator to merge."""
        crawl = crawl_state(spider.crawler) or CrawlState(CrawlConfig(start_url="", profile=None))
        pages, counts = crawl.template.state()
        stats = spider.crawler.stats
        state = {
            "worker": self.worker,
            "redirects": crawl.redirects,
            "widget_claims": {u: [dataclasses.asdict(c) for c in cs] for u, cs in crawl.widget_claims.items()},
            "template": {"pages": pages, "counts": dict(counts)},
            "sitemap_lastmods": crawl.sitemap_lastmods,
            "failures": crawl.failures,
            "pages": stats.get_value("response_received_count", 0) - stats.get_value("blogarchive/replayed", 0),
            "stopped_early_at": stats.get_value("blogarchive/stopped_early_at"),
            "stats": {k: v for k, v in stats.get_stats().items() if isinstance(v, int | float)},
        }
        key = spider.crawler.settings.get("REDIS_ITEMS_KEY")
        self.server.rpush(key, json.dumps({"kind": "closed", **state}))
        # a job the coordinator closed already (stopped, interrupted) leaves no key behind for long
        self.server.expire(key, 86400, nx=True)
