"""A process that crawls again and again: one JSON job per line on stdin, one summary per
line on stdout (`python -m tests.crawlworker`).

Scrapy's reactor starts once per process, and a crawl process costs about a second of
imports: the stateful archive tests run hundreds of crawls through one of these
instead, each through `blogarchive.crawl.crawl_with`, the command line's own steps
(lock, run row, summary, record).  Crawls that must die (SIGTERM, SIGKILL) still run
as real `blogarchive crawl` processes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys

from scrapy.utils.reactor import install_reactor


def main() -> None:
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from scrapy.crawler import AsyncCrawlerRunner
    from twisted.internet import reactor

    from blogarchive.crawl import CrawlJob, crawl_with

    logging.basicConfig(level=logging.ERROR, stream=sys.stderr, format="%(name)s: %(message)s")

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        try:
            while line := await loop.run_in_executor(None, sys.stdin.readline):
                job = CrawlJob(**json.loads(line))
                runner = AsyncCrawlerRunner(job.settings(logging.ERROR))
                try:
                    summary = (await crawl_with(runner, job)).as_dict()
                except Exception as err:  # reported to the test, which fails on it
                    summary = {"error": f"{type(err).__name__}: {err}"}
                print(json.dumps(summary), flush=True)
        finally:
            reactor.stop()  # type: ignore[attr-defined]

    reactor.callWhenRunning(lambda: asyncio.ensure_future(serve()))  # type: ignore[attr-defined]
    reactor.run()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
