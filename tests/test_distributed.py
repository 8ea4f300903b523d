"""Distributed mode: a coordinator, `blogarchive worker` processes sharing every blog's frontier
through scrapy-redis, and a real redis-server, all on 127.0.0.1."""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from blogarchive.demo.server import serve
from blogarchive.demo.site import DemoPost, Page
from tests.helpers import ROOT, archived_posts, run_cli, write_sites_file

# a delay spreads the 45-post blog over a few seconds, so that every worker finds pages to take
SLOW = ("-s", "DOWNLOAD_DELAY=0.2")


def test_three_blogs_two_workers_every_post_once(three_blogs, redis_url, tmp_path: Path, posts) -> None:
    sites, db = write_sites_file(tmp_path, three_blogs), tmp_path / "all.db"
    result = run_cli("crawl", "--sites", str(sites), "--db", str(db), "--redis", redis_url, "--workers", "2",
                     "--json", *SLOW)  # fmt: skip
    assert result.returncode == 0, result.stderr
    summaries = {s["site"]: s for s in map(json.loads, result.stdout.splitlines())}
    assert {name: s["new"] for name, s in summaries.items()} == {"harbor-light": len(posts), "wordpress": 7, "ghost": 7}
    # the frontier was shared: both workers fetched pages of the clinic blog
    assert len(summaries["harbor-light"]["workers"]) == 2
    assert all(n > 0 for n in summaries["harbor-light"]["workers"].values()), summaries
    with sqlite3.connect(db) as conn:
        sites_of = Counter(site for (site,) in conn.execute("select site from posts"))
        titles = conn.execute(
            "select count(*), count(distinct title) from posts where site = 'harbor-light'"
        ).fetchone()
        runs = [r for (r,) in conn.execute("select site from runs")]
    assert sites_of == {"harbor-light": len(posts), "wordpress": 7, "ghost": 7}
    assert titles == (len(posts), len(posts))  # each post once, none under two URLs
    assert sorted(runs) == ["ghost", "harbor-light", "wordpress"]  # one run each, side by side


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the processes whose parent is *pid*."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append((int(entry.name), cmdline))
    return found


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_a_worker_killed_mid_crawl_loses_nothing(site: dict[str, Page], posts: list[DemoPost], redis_url, tmp_path):
    log: list[tuple[str, str, int]] = []
    with serve(site, log=log) as base:
        sites, db = write_sites_file(tmp_path, {"harbor-light": f"{base}/blog"}), tmp_path / "a.db"
        cmd = [sys.executable, "-m", "blogarchive", "crawl", "--sites", str(sites), "--db", str(db),
               "--redis", redis_url, "--workers", "2", "--json", "-s", "DOWNLOAD_DELAY=0.1"]  # fmt: skip
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        post_paths = {p.path for p in posts}
        deadline = time.monotonic() + 60
        # mid-crawl: a third of the posts served, most of them held by the workers for the template
        while sum(1 for _, path, _ in log if path in post_paths) < len(posts) // 3:
            assert time.monotonic() < deadline and proc.poll() is None, "the crawl ended before the kill"
            time.sleep(0.05)
        # the busiest worker: it holds posts (its template is not learned yet) and queued requests
        workers = [pid for pid, cmdline in _children(proc.pid) if "blogarchive worker" in cmdline]
        os.kill(max(workers, key=_cpu_ticks), signal.SIGKILL)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    (summary,) = map(json.loads, out.splitlines())
    assert len(summary["workers"]) == 1, summary  # the killed worker never closed its crawler
    assert summary["recovered"] > 0, summary  # the killed worker held posts: fetched again, with their cards
    rows = archived_posts(db)
    assert sorted(r["url"] for r in rows) == sorted(base + p.path for p in posts)
    by_url = {r["url"]: r for r in rows}
    for post in posts:  # dates and excerpts from the cards, also for the recovered posts
        row = by_url[base + post.path]
        assert (row["title"], row["published"], row["excerpt"]) == (post.title, post.date.isoformat(), post.excerpt)


def test_distributed_mode_refuses_bad_input_in_one_line(tmp_path: Path) -> None:
    no_sites = run_cli("crawl", "http://x.example/", "--redis", "redis://127.0.0.1:1/0", "--db", str(tmp_path / "a"))
    assert no_sites.returncode == 2 and "give --sites FILE" in no_sites.stderr
    sites = write_sites_file(tmp_path, {"a": "http://x.example/"})
    down = run_cli("crawl", "--sites", str(sites), "--redis", "redis://127.0.0.1:1/0", "--db", str(tmp_path / "b.db"))
    assert down.returncode == 2 and "cannot reach Redis" in down.stderr
    assert "Traceback" not in down.stderr and len(down.stderr.strip().splitlines()) == 1
    worker = run_cli("worker", "--redis", "redis://127.0.0.1:1/0")
    assert worker.returncode == 2 and "cannot reach Redis" in worker.stderr
    assert len(worker.stderr.strip().splitlines()) == 1


def test_workers_keep_to_one_crawlers_pace_on_a_real_site() -> None:
    from blogarchive.distributed import Job, worker_settings
    from blogarchive.settings import DOWNLOAD_DELAY

    def job(url: str) -> Job:
        return Job.new("s", start_url=url, profile=None, run_id=1, spider_args={}, settings={})

    remote = worker_settings(job("https://blog.example/"), "w1", "redis://127.0.0.1:1/0")
    assert remote["BLOGARCHIVE_SHARED_PACE"] == DOWNLOAD_DELAY  # whatever the number of workers
    local = worker_settings(job("http://127.0.0.1:9/blog"), "w1", "redis://127.0.0.1:1/0")
    assert local["BLOGARCHIVE_SHARED_PACE"] == 0  # this machine's sites are crawled without delays


class _TimedLog(list):
    """The demo server's request log, with the time each request arrived."""

    def append(self, entry: tuple[str, str, int]) -> None:
        super().append((*entry, time.monotonic()))


def test_the_shared_pace_holds_across_workers(posts: list[DemoPost], redis_url, tmp_path: Path) -> None:
    from blogarchive.demo.site import build_site

    log = _TimedLog()
    with serve(build_site(posts[:5]), log=log) as base:
        sites, db = write_sites_file(tmp_path, {"paced": f"{base}/blog"}), tmp_path / "p.db"
        result = run_cli("crawl", "--sites", str(sites), "--db", str(db), "--redis", redis_url, "--workers", "3",
                         "--json", "-s", "BLOGARCHIVE_SHARED_PACE=0.15")  # fmt: skip
    assert result.returncode == 0, result.stderr
    (summary,) = map(json.loads, result.stdout.splitlines())
    assert summary["new"] == 5
    assert sum(1 for n in summary["workers"].values() if n > 0) >= 2  # the work was shared ...
    times = sorted(t for *_, t in log)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) > 10 and min(gaps) >= 0.12, gaps  # ... and the site saw one request per 0.15 s


def _worker(redis_url: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "blogarchive", "worker", "--redis", redis_url]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_workers_started_elsewhere_and_one_joining_late(site: dict[str, Page], posts: list[DemoPost], redis_url,
                                                        tmp_path: Path) -> None:  # fmt: skip
    """`--workers 0`: the coordinator starts no worker; `blogarchive worker` processes (as on
    other machines: they are given no archive) do the crawl, the second joining mid-crawl."""
    log: list[tuple[str, str, int]] = []
    post_paths = {p.path for p in posts}
    with serve(site, log=log) as base:
        sites, db = write_sites_file(tmp_path, {"harbor-light": f"{base}/blog"}), tmp_path / "w.db"
        cmd = [sys.executable, "-m", "blogarchive", "crawl", "--sites", str(sites), "--db", str(db),
               "--redis", redis_url, "--workers", "0", "--json", "-s", "DOWNLOAD_DELAY=0.1"]  # fmt: skip
        coordinator = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        assert not log  # no worker yet: nothing is fetched
        first = _worker(redis_url)
        deadline = time.monotonic() + 60
        while sum(1 for _, path, _ in log if path in post_paths) < len(posts) // 4:
            assert time.monotonic() < deadline and coordinator.poll() is None, "the crawl ended before the join"
            time.sleep(0.05)
        late = _worker(redis_url)
        out, err = coordinator.communicate(timeout=120)
        for worker in (first, late):  # serve until stopped, as under systemd; stop cleanly
            worker.send_signal(signal.SIGTERM)
        exits = [w.wait(timeout=30) for w in (first, late)]
        for w in (first, late):
            w.communicate()
    assert coordinator.returncode == 0, err
    assert exits == [0, 0]
    (summary,) = map(json.loads, out.splitlines())
    assert len(summary["workers"]) == 2 and all(n > 0 for n in summary["workers"].values()), summary
    rows = archived_posts(db)
    assert sorted(r["url"] for r in rows) == sorted(base + p.path for p in posts)
    by_url = {r["url"]: r for r in rows}
    for post in posts:  # what the late worker took came with its cards
        row = by_url[base + post.path]
        assert (row["title"], row["published"], row["excerpt"]) == (post.title, post.date.isoformat(), post.excerpt)


def test_a_stopped_coordinator_records_the_run_as_interrupted(site: dict[str, Page], posts: list[DemoPost],
                                                              redis_url, tmp_path: Path) -> None:  # fmt: skip
    """SIGTERM mid-crawl: the posts archived stay, the run is recorded as interrupted (not left
    'running'), its job is closed for the workers, and the next run archives the rest."""
    log: list[tuple[str, str, int]] = []
    post_paths = {p.path for p in posts}
    with serve(site, log=log) as base:
        sites, db = write_sites_file(tmp_path, {"harbor-light": f"{base}/blog"}), tmp_path / "i.db"
        args = ["--sites", str(sites), "--db", str(db), "--redis", redis_url, "--workers", "1", "--json"]
        cmd = [sys.executable, "-m", "blogarchive", "crawl", *args, "-s", "DOWNLOAD_DELAY=0.1"]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while sum(1 for _, path, _ in log if path in post_paths) < len(posts) // 3:
            assert time.monotonic() < deadline and proc.poll() is None, "the crawl ended before the stop"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        with sqlite3.connect(db) as conn:
            statuses = [s for (s,) in conn.execute("select status from runs")]
        assert statuses == ["interrupted"], statuses
        again = run_cli("crawl", *args)
    assert again.returncode == 0, again.stderr
    assert sorted(r["url"] for r in archived_posts(db)) == sorted(base + p.path for p in posts)
