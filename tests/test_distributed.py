"""Distributed mode: workers sharing one frontier through scrapy-redis and a real redis-server."""

from __future__ import annotations

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

# An idle worker looks at the shared queue at Scrapy's 5 s heartbeat: a delay spreads the
# 45-post blog over ~15 s, so that the second worker finds pages left to take.
SLOW = ("-s", "DOWNLOAD_DELAY=0.2")


def test_three_blogs_two_workers_every_post_once(three_blogs, redis_url, tmp_path: Path, posts) -> None:
    sites, db = write_sites_file(tmp_path, three_blogs), tmp_path / "all.db"
    result = run_cli("crawl", "--sites", str(sites), "--db", str(db), "--redis", redis_url, "--workers", "2",
                     "--json", *SLOW)  # fmt: skip
    assert result.returncode == 0, result.stderr
    summaries = {s["site"]: s for s in map(json.loads, result.stdout.splitlines())}
    assert {name: s["new"] for name, s in summaries.items()} == {"harbor-light": len(posts), "wordpress": 7, "ghost": 7}
    # the frontier was shared: both workers fetched pages of the clinic blog, and exited cleanly
    assert len(summaries["harbor-light"]["worker_pages"]) == 2
    assert all(n > 0 for n in summaries["harbor-light"]["worker_pages"]), summaries
    assert all(s["worker_exits"] == [0, 0] for s in summaries.values())
    with sqlite3.connect(db) as conn:
        sites_of = Counter(site for (site,) in conn.execute("select site from posts"))
        titles = conn.execute(
            "select count(*), count(distinct title) from posts where site = 'harbor-light'"
        ).fetchone()
        runs = [r for (r,) in conn.execute("select site from runs")]
    assert sites_of == {"harbor-light": len(posts), "wordpress": 7, "ghost": 7}
    assert titles == (len(posts), len(posts))  # each post once, none under two URLs
    assert runs == ["harbor-light", "wordpress", "ghost"]


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
        workers = [pid for pid, cmdline in _children(proc.pid) if "scrapy crawl blog" in cmdline]
        os.kill(max(workers, key=_cpu_ticks), signal.SIGKILL)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    (summary,) = map(json.loads, out.splitlines())
    assert -signal.SIGKILL in summary["worker_exits"]
    assert summary["recovered"] > 0  # the killed worker held posts: fetched again, with their cards
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


def test_workers_keep_to_one_crawlers_pace_on_a_real_site() -> None:
    from blogarchive.distributed import worker_settings
    from blogarchive.settings import DOWNLOAD_DELAY
    from blogarchive.sites import Site

    remote = worker_settings(Site("r", "https://blog.example/"), "a.db", "redis://127.0.0.1:1/0", workers=4)
    assert float(remote["DOWNLOAD_DELAY"]) == 4 * DOWNLOAD_DELAY
    local = worker_settings(Site("l", "http://127.0.0.1:9/blog"), "a.db", "redis://127.0.0.1:1/0", workers=4)
    assert "DOWNLOAD_DELAY" not in local  # this machine's sites are crawled without delays
