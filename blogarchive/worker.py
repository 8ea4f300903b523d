"""`blogarchive worker --redis URL`: one process that takes part in every open distributed job.

A worker needs no archive: it reads the open jobs from Redis (blogarchive.distributed),
runs one Scrapy crawler per job side by side in its one reactor (at most --max-jobs),
and joins a job as soon as it is published (a message on the WAKE channel; the job
list is also read every second).  It says it is alive with a heartbeat key that
expires, from a thread of its own so that a long page does not make it look dead.
A crawler stops when its job is closed (finished, or the coordinator stopped).  The
worker serves until SIGINT/SIGTERM, or --session KEY is gone (the coordinator's
local workers), or it has had nothing to do for --idle-exit seconds.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

import redis
from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro

from blogarchive.crawl import build_settings
from blogarchive.distributed import HEARTBEAT_SECONDS, HEARTBEAT_TTL, JOBS, WAKE, Job, worker_key, worker_settings
from blogarchive.spiders.blog import BlogSpider

# scrapy-redis 0.9 still passes `spider` to Scrapy's stats and calls Spider.log(): deprecation
# noise, not news, on every worker's terminal
for _message in ("Passing a 'spider' argument", r"Spider\.log\(\) is deprecated"):
    warnings.filterwarnings("ignore", message=_message)


class Worker:
    """One worker process (see the module's docstring)."""

    def __init__(self, redis_url: str, *, max_jobs: int = 8, idle_exit: float | None = None,
                 session: str | None = None, say: Callable[[str], None] = lambda _: None) -> None:  # fmt: skip
        self.server = redis.Redis.from_url(redis_url)
        self.redis_url, self.max_jobs, self.idle_exit = redis_url, max_jobs, idle_exit
        self.session, self.say = session, say
        self.id = f"{socket.gethostname()}-{os.getpid()}"
        self.process = AsyncCrawlerProcess(build_settings("", {"LOG_LEVEL": "WARNING"}))
        self.crawlers: dict[str, Crawler] = {}  # by job id
        self.queues: dict[bytes, Crawler] = {}  # by the job's queue key (WAKE messages)
        self.done: set[str] = set()  # jobs this worker took part in: never joined twice
        self.idle_since = time.monotonic()
        self.stopping = False
        self.jobs_done = 0

    def run(self) -> int:
        """Serve until told to stop; the number of jobs taken part in."""
        beating = threading.Event()
        heart = threading.Thread(target=self._beat, args=(beating,), daemon=True)
        heart.start()
        pubsub = self.server.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(**{WAKE: self._heard})
        listener = pubsub.run_in_thread(sleep_time=1.0, daemon=True)
        looking = create_looping_call(self.look)
        looking.start(1.0, now=False)  # once the reactor runs
        self.say(f"worker {self.id}: waiting for jobs at {self.redis_url}")
        try:
            self.process.start(stop_after_crawl=False)
        finally:
            listener.stop()
            beating.set()
            heart.join(timeout=5)
            self.server.delete(worker_key(self.id))
        return self.jobs_done

    def _beat(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.server.set(worker_key(self.id), "1", ex=HEARTBEAT_TTL)
            except redis.RedisError as err:  # Redis restarting: say so, keep trying
                logging.getLogger(__name__).warning("heartbeat: %s", err)
            stop.wait(HEARTBEAT_SECONDS)

    def _heard(self, message: dict[str, Any]) -> None:
        """A WAKE message, in the listener's thread: handled in the reactor's."""
        from twisted.internet import reactor  # installed by Scrapy's process (asyncio's)

        reactor.callFromThread(self._wake, message["data"])

    def _wake(self, data: bytes) -> None:
        if data == b"jobs":
            self.look()
        elif (crawler := self.queues.get(data)) is not None:
            # requests queued for a job this worker crawls: its engine asks for the next one
            # now, not at its next heartbeat (5 s) while it sits idle
            slot = getattr(crawler.engine, "_slot", None)
            if slot is not None and slot.closing is None:
                slot.nextcall.schedule()

    def look(self) -> None:
        """Join the jobs opened since, stop the crawlers of jobs closed, and stop when told to."""
        if self.stopping:
            return
        try:
            jobs = {key.decode(): value for key, value in self.server.hgetall(JOBS).items()}  # type: ignore[union-attr]
            told_to_stop = self.session is not None and not self.server.exists(self.session)
        except redis.RedisError as err:
            logging.getLogger(__name__).warning("cannot read the jobs: %s", err)
            return
        for job_id, crawler in list(self.crawlers.items()):
            if job_id not in jobs and crawler.crawling:
                deferred_from_coro(crawler.stop_async())  # the coordinator closed the job
        for job_id, spec in jobs.items():
            if job_id not in self.crawlers and job_id not in self.done and len(self.crawlers) < self.max_jobs:
                self.join(Job.from_json(spec))
        if self.crawlers:
            self.idle_since = time.monotonic()
        elif told_to_stop or (self.idle_exit is not None and time.monotonic() - self.idle_since > self.idle_exit):
            self.stopping = True
            from twisted.internet import reactor

            reactor.stop()  # type: ignore[misc]  # Twisted's reactor is typed as its module

    def join(self, job: Job) -> None:
        """Start a crawler for *job*, sharing its frontier with every other worker's."""
        self.server.sadd(job.keys["workers"], self.id)
        settings = build_settings("", {"BLOGARCHIVE_BRIEF": self.server.get(job.keys["brief"]) or "",
                                       **worker_settings(job, self.id, self.redis_url)})  # fmt: skip
        crawler = Crawler(BlogSpider, settings)
        args: dict[str, Any] = {"start_url": job.start_url, "site": job.site, **job.spider_args}
        if job.profile:
            args["profile"] = job.profile
        if job.resume is not None:
            args["resume"] = job.resume
        self.crawlers[job.id] = crawler
        self.queues[job.keys["requests"].encode()] = crawler
        self.say(f"worker {self.id}: joined {job.site} ({job.id})")
        crawl = self.process.crawl(crawler, **args)
        crawl.add_done_callback(lambda _: self._left(job))

    def _left(self, job: Job) -> None:
        self.crawlers.pop(job.id, None)
        self.queues.pop(job.keys["requests"].encode(), None)
        self.done.add(job.id)
        self.jobs_done += 1
        self.say(f"worker {self.id}: done with {job.site}")
