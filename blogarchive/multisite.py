"""`blogarchive crawl --sites FILE`: the blogs of a sites file crawled side by side into one archive.

One Scrapy process crawls them concurrently (`--parallel-sites N` at once): each blog
keeps its own politeness (Scrapy's per-domain download slots, AutoThrottle), its own
crawl state (known posts, template, phases, early stop: blogarchive.crawlstate is the
crawler's), its own run record and summary; its posts, template and runs carry its
name.  A blog that fails does not stop the others.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from blogarchive.sites import Site

INTERRUPTED = 130
# blogs crawled at once by default: each holds a few connections and, on a fast local
# site, a page-reading pool; enough to overlap blogs whose politeness keeps each slow
PARALLEL_SITES = 4


@dataclass(frozen=True)
class SiteOptions:
    """What the command line says for every blog of the file."""

    max_pages: int | None = None
    full: bool = False
    stop_after: int | None = None
    assets_dir: str | None = None
    overrides: dict[str, Any] | None = None


def crawl_sites(
    sites: Sequence[Site],
    db: str,
    options: SiteOptions,
    console: Console,
    *,
    quiet: bool = False,
    as_json: bool = False,
    verbose: bool = False,
    parallel: int = PARALLEL_SITES,
) -> int:
    """Crawl every site, *parallel* at once; the worst exit status (130 when interrupted)."""
    from blogarchive.crawl import CrawlJob, run_crawls  # Scrapy loads slowly: only for crawls
    from blogarchive.runs import CrawlSummary

    jobs = [
        CrawlJob(site.start_url, db, site.profile, options.max_pages, options.full, options.stop_after, site.name,
                 options.assets_dir, dict(options.overrides or {}))
        for site in sites
    ]  # fmt: skip
    statuses: dict[str, int] = {}

    def report(job: CrawlJob, summary: CrawlSummary) -> None:
        name = job.site or job.url
        statuses[name] = _status(summary)
        if as_json:
            print(json.dumps({"site": name, **summary.as_dict()}), flush=True)
        elif not quiet:
            console.print(f"[bold]site {name}[/]: {job.url}", highlight=False)
            for line in summary.lines():
                console.print(f"  {line}", highlight=False, soft_wrap=True)
        elif summary.warnings or summary.failures or summary.fatal:
            for line in [*(f"warning: {w}" for w in summary.warnings), *_failures(summary)]:
                console.print(f"blogarchive: site {name}: {line}", highlight=False, soft_wrap=True)

    run_crawls(jobs, report, parallel=parallel, console=console, quiet=quiet or as_json, verbose=verbose)
    failed = [name for name, status in statuses.items() if status]
    if not quiet and not as_json:
        console.print(
            f"{len(sites)} sites crawled into {db}: {len(sites) - len(failed)} ok"
            + (f", not ok: {', '.join(failed)}" if failed else ""),
            highlight=False,
        )
    return max(statuses.values(), default=0)


def _status(summary: Any) -> int:
    """A blog's exit status, as `blogarchive crawl URL` would give it."""
    if summary.finish_reason == "shutdown":
        return INTERRUPTED
    if summary.fatal:
        return 2
    return 0 if summary.ok else 1


def _failures(summary: Any) -> list[str]:
    from blogarchive.runs import failure_lines

    return ([summary.fatal] if summary.fatal else []) + failure_lines(summary.failures)
