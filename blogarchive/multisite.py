"""`blogarchive crawl --sites FILE`: each blog of a sites file crawled in turn into one archive.

Each site is crawled by its own `blogarchive crawl URL --site NAME` process, since
Scrapy's reactor runs once per process; its posts, template and runs carry its name.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

from rich.console import Console

from blogarchive.sites import Site

INTERRUPTED = 130


def _wait(proc: subprocess.Popen[bytes]) -> int:
    """The child's exit status; Ctrl-C reaches it too, so wait for it to stop cleanly."""
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            continue


def crawl_sites(sites: Sequence[Site], db: str, passthrough: Sequence[str], console: Console, quiet: bool) -> int:
    """Crawl every site in turn; the worst exit status (130 at once on Ctrl-C)."""
    statuses: dict[str, int] = {}
    for site in sites:
        if not quiet:
            console.print(f"[bold]site {site.name}[/]: {site.start_url}", highlight=False)
        cmd = [sys.executable, "-m", "blogarchive", "crawl", site.start_url, "--site", site.name, "--db", db]
        cmd += ["--profile", site.profile] if site.profile else []
        statuses[site.name] = status = _wait(subprocess.Popen([*cmd, *passthrough]))
        if status == INTERRUPTED:
            return INTERRUPTED
    failed = [name for name, status in statuses.items() if status]
    if not quiet:
        console.print(
            f"{len(sites)} sites crawled into {db}: {len(sites) - len(failed)} ok"
            + (f", not ok: {', '.join(failed)}" if failed else ""),
            highlight=False,
        )
    return max(statuses.values(), default=0)
