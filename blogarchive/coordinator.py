"""Distributed mode's coordinator: opens a job per blog, applies what workers send, closes runs.

    blogarchive crawl --sites FILE --redis URL --workers N --db PATH

The coordinator holds the archive's lock and is its only writer.  It opens up to
`--parallel-sites` jobs at once (blogarchive.distributed.Job, with a brief of what the
archive holds of each blog), starts N local workers (0: workers join from other
machines with `blogarchive worker --redis URL`), and applies the items every job's
workers push, in batches, as they arrive: SQLite takes one writer at a time, and the
archive's upserts keep revisions, removal marks and content hashes in one transaction
per batch.  Per-worker archives merged afterwards would need the same merge logic
twice and leave the archive stale until the end.

A job is over when its frontier is quiet and every worker that joined it has closed
its crawler or died (its heartbeat expired).  A worker killed mid-crawl loses the
requests it had taken from the queue: every post request scheduled is also recorded
with its card, and the posts recorded but not archived are asked for again by a
recovery job, which any worker takes.  Then the run is closed as any crawl's
(blogarchive.runs.close_run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis

from blogarchive.distributed import JOBS, WAKE, Job, alive, brief, members, worker_key
from blogarchive.evidence import Claim
from blogarchive.lock import archive_lock
from blogarchive.runs import CrawlSummary, close_run, open_run
from blogarchive.sites import Site
from blogarchive.storage import Archive, Batch, utc_now
from blogarchive.template import TemplateLearner
from blogarchive.urls import canonical_url

# a site whose workers all vanished, with none to take its job: said once, then waited for
WAITING_NOTICE_SECONDS = 10.0


@dataclass
class Merged:
    """What the workers of one blog learned, merged for the archive."""

    counts: Counter[str] = field(default_factory=Counter)
    stats: Counter[str] = field(default_factory=Counter)
    redirects: dict[str, str] = field(default_factory=dict)
    widget_claims: dict[str, list[Claim]] = field(default_factory=dict)
    template: TemplateLearner = field(default_factory=TemplateLearner)
    sitemap_lastmods: dict[str, str] = field(default_factory=dict)
    failures: list[dict[str, str]] = field(default_factory=list)
    worker_pages: dict[str, int] = field(default_factory=dict)  # worker id → pages it fetched
    closed: set[str] = field(default_factory=set)  # workers that closed their crawler of the current job
    stopped_early_at: str | None = None

    def add_closed(self, state: dict[str, Any]) -> None:
        self.redirects.update(state["redirects"])
        for url, claims in state["widget_claims"].items():
            self.widget_claims.setdefault(url, []).extend(Claim(**c) for c in claims)
        self.template.pages += state["template"]["pages"]
        self.template.counts.update(state["template"]["counts"])
        self.sitemap_lastmods.update(state["sitemap_lastmods"])
        self.failures += state["failures"]
        worker = state.get("worker") or "?"
        self.worker_pages[worker] = self.worker_pages.get(worker, 0) + state["pages"]
        self.closed.add(worker)
        self.stopped_early_at = self.stopped_early_at or state["stopped_early_at"]
        self.stats.update(state["stats"])

    def crawl_stats(self, interrupted: bool = False) -> dict[str, Any]:
        """The workers' stats with the archive's counts, as one process's crawl has them."""
        counts = {f"blogarchive/{key}": n for key, n in self.counts.items()}
        # the coordinator finishes the frontier whatever became of a worker (recovery)
        return {
            **self.stats,
            **counts,
            "finish_reason": "shutdown" if interrupted else "finished",
            "blogarchive/stopped_early_at": self.stopped_early_at,
        }


class Writer:
    """Applies one blog's items to the archive in batches."""

    def __init__(self, archive: Archive, batch_size: int = 100) -> None:
        self.archive, self.batch_size = archive, batch_size
        self.batch = Batch()
        self.merged = Merged()

    def take(self, record: dict[str, Any]) -> None:
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


@dataclass
class SiteRun:
    """One blog's distributed crawl, as the coordinator follows it."""

    site: Site
    job: Job
    run: tuple[dict[str, Any] | None, int]
    writer: Writer
    started: datetime
    clock: float
    since: str  # for sitemap lastmods: what this run saw
    recovered: int = 0

    def settled(self, server: redis.Redis) -> bool:
        """The job is over: every worker that joined it closed its crawler (once all its
        workers were idle with nothing queued: distributed.SharedFrontier) or died."""
        joined = members(server, self.job.keys["workers"])
        return bool(joined) and not alive(server, joined - self.writer.merged.closed)


class Coordinator:
    """Opens jobs, applies their items, closes their runs (see the module's docstring)."""

    def __init__(self, db: str, redis_url: str, spider_args: dict[str, str], settings: dict[str, str],
                 full: bool, emit: Callable[[Site, CrawlSummary, dict[str, Any]], None]) -> None:  # fmt: skip
        # blocking pops wait up to a second: the socket must wait longer
        self.server = redis.Redis.from_url(redis_url, socket_timeout=30)
        self.db, self.redis_url, self.full, self.emit = db, redis_url, full, emit
        self.spider_args, self.settings = spider_args, settings
        self.archive = Archive(db)
        self.active: dict[str, SiteRun] = {}  # by the items key of its current job
        self.status = 0

    def open(self, site: Site) -> None:
        """Publish *site*'s job: this run's row first, as every crawl's (runs.open_run)."""
        run = open_run(self.db, site.start_url, site.name)
        job = Job.new(site.name, start_url=site.start_url, profile=site.profile, run_id=run[1],
                      spider_args=self.spider_args, settings=self.settings)  # fmt: skip
        writer = Writer(self.archive)
        self._publish(job)
        self.active[job.keys["items"]] = SiteRun(site, job, run, writer, datetime.now(UTC), time.monotonic(),
                                                 utc_now())  # fmt: skip

    def _publish(self, job: Job) -> None:
        known = self.archive.known_posts(job.site)
        template = (0, {}) if self.full else self.archive.load_template(job.site).state()
        previous = self.archive.previous_run(job.start_url, job.run_id)
        self.server.set(job.keys["brief"], brief(known, template, previous))
        self.server.hset(JOBS, job.id, job.to_json())
        self.server.publish(WAKE, "jobs")

    def drain(self, wait: float) -> None:
        """Apply what the workers pushed, waiting up to *wait* s for the first record."""
        if not self.active:
            return
        keys = list(self.active)
        # BLPOP with a timeout of 0 would wait for ever: no wait is a plain LPOP
        popped = self.server.blpop(keys, timeout=wait) if wait > 0 else None
        if popped is not None:
            first, record = popped
            self.active[first.decode() if isinstance(first, bytes) else first].writer.take(json.loads(record))
        for key in keys:  # then whatever else is queued, without waiting
            while (queued := self.server.lpop(key)) is not None:
                self.active[key].writer.take(json.loads(queued))  # type: ignore[arg-type]
        for site_run in self.active.values():
            site_run.writer.flush()

    def settle(self) -> list[SiteRun]:
        """Close the jobs that are over: recover what their lost workers held, or end their runs."""
        ended = []
        for key, site_run in list(self.active.items()):
            if not site_run.settled(self.server):
                continue
            self.server.hdel(JOBS, site_run.job.id)
            self.drain(wait=0)  # the last items of a job pushed just before it settled
            del self.active[key]
            if site_run.job.resume is None and (missing := self._missing(site_run)):
                self._clear(site_run.job)
                site_run.recovered = len(missing)
                site_run.job = site_run.job.recovery(missing)
                site_run.writer.merged.closed.clear()
                self._publish(site_run.job)
                self.active[site_run.job.keys["items"]] = site_run
                continue
            self._end(site_run)
            ended.append(site_run)
        return ended

    def _missing(self, site_run: SiteRun) -> list[dict[str, Any]]:
        """The posts a worker scheduled but no worker archived (a killed worker's)."""
        merged = site_run.writer.merged
        # saved first: a recovery extracts with the template the workers learned
        self.archive.save_template(merged.template, site_run.site.name)
        archived = set(merged.redirects) | self.archive.archived_urls()  # an old slug that redirects is its target's
        failed = {canonical_url(f["url"]) for f in merged.failures}
        entries = self.server.hgetall(site_run.job.keys["expected"])
        return [
            json.loads(entry)
            for url, entry in ((u.decode(), e) for u, e in entries.items())  # type: ignore[union-attr]
            if url not in archived and url not in failed
        ]

    def _end(self, site_run: SiteRun, interrupted: bool = False) -> None:
        merged, name = site_run.writer.merged, site_run.site.name
        site_run.writer.flush()
        if not interrupted:
            self.archive.save_template(merged.template, name)
            self.archive.add_aliases(merged.redirects)
            self.archive.cross_check(merged.widget_claims)
            self.archive.record_sitemap_lastmods(merged.sitemap_lastmods, site_run.since)
        self._clear(site_run.job)
        summary = close_run(self.db, merged.crawl_stats(interrupted), site_run.run, start_url=site_run.site.start_url,
                            site=name, full=self.full, failures=merged.failures, started=site_run.started,
                            seconds=time.monotonic() - site_run.clock)  # fmt: skip
        self.status = max(self.status, 0 if summary.ok else 1)
        pages = merged.worker_pages
        self.emit(site_run.site, summary, {"recovered": site_run.recovered, "worker_pages": list(pages.values()),
                                           "workers": pages})  # fmt: skip

    def _clear(self, job: Job) -> None:
        self.server.hdel(JOBS, job.id)
        self.server.delete(*job.keys.values())

    def close(self) -> None:
        """Stop: the jobs still open are closed (their workers stop their crawlers) and their
        runs recorded as interrupted, with what was archived kept; the next run completes them."""
        for site_run in list(self.active.values()):
            self._end(site_run, interrupted=True)
        self.active.clear()
        self.archive.close()


def local_worker(redis_url: str, session: str) -> subprocess.Popen[bytes]:
    """A `blogarchive worker` process on this machine, serving while *session* exists in Redis."""
    cmd = [sys.executable, "-m", "blogarchive", "worker", "--redis", redis_url, "--quiet", "--session", session]
    return subprocess.Popen(cmd, env=os.environ.copy(), stdout=subprocess.DEVNULL)


def crawl_sites_distributed(
    sites: Sequence[Site],
    db: str,
    redis_url: str,
    workers: int,
    spider_args: dict[str, str],
    settings: dict[str, str],
    full: bool,
    emit: Callable[[Site, CrawlSummary, dict[str, Any]], None],
    parallel: int = 4,
    notice: Callable[[str], None] = lambda _: None,
) -> int:
    """Every site by the workers that join, *parallel* at once; 0 when all went well, else 1.

    emit(site, summary, what the workers did) is called as each site ends.
    """
    try:
        redis.Redis.from_url(redis_url).ping()
    except redis.RedisError as err:
        raise ConnectionError(f"cannot reach Redis at {redis_url}: {err}") from err
    waiting = list(sites)
    with archive_lock(db):
        coordinator = Coordinator(db, redis_url, spider_args, settings, full, emit)
        session = f"blogarchive:session:{os.getpid()}-{time.time_ns()}"
        coordinator.server.set(session, "1")
        procs = [local_worker(redis_url, session) for _ in range(workers)]
        quiet_since, said = time.monotonic(), False
        try:
            while waiting or coordinator.active:
                while waiting and len(coordinator.active) < parallel:
                    coordinator.open(waiting.pop(0))
                coordinator.drain(wait=0.5)
                if coordinator.settle():
                    quiet_since = time.monotonic()
                if not said and time.monotonic() - quiet_since > WAITING_NOTICE_SECONDS and not _any_worker(
                    coordinator.server
                ):
                    notice(f"waiting for workers: run `blogarchive worker --redis {redis_url}` on any machine")
                    said = True
        finally:
            coordinator.server.delete(session)
            coordinator.close()
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    return coordinator.status


def _any_worker(server: redis.Redis) -> bool:
    return next(iter(server.scan_iter(match=worker_key("*"), count=100)), None) is not None

