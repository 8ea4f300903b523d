"""Reading pages off the reactor thread: worker processes parse and extract while Scrapy fetches.

Everything costly about a page (decoding, parsing, feed and archive links,
listing cards, template block hashes, trafilatura extraction) happens in
`analyse`, a plain function of a picklable `PageTask`, so that it can run in
another process.  The spider keeps every decision that needs the crawl's
state: what is a post, what to fetch next, when the template is learned.

A pool costs a fresh interpreter per worker that imports trafilatura and
dateparser (about a second of CPU each), so a crawl starts in-process and opens
its pool only after `start_after` pages: the demo and small blogs never pay for
one.  If a worker dies, the pool is given up and pages are read in-process:
nothing is lost, the crawl only slows down.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import functools
import heapq
import itertools
import logging
import multiprocessing
import os
import select
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from blogarchive.discovery import Evidence, ShapeLearner, archive_links, classify, feed_urls, page_evidence
from blogarchive.encoding import decode_page
from blogarchive.evidence import DateStyle
from blogarchive.extract import Article, parse_html, parse_post
from blogarchive.listing import Listing, parse_listing
from blogarchive.metadata import site_values
from blogarchive.profiles import Profile
from blogarchive.seams.pool_api import kill_workers
from blogarchive.stages import Stopwatch
from blogarchive.template import TemplateView, block_keys
from blogarchive.urls import canonical_url, looks_like_page, same_site
from blogarchive.widgets import drop_dated_link_lists
from blogarchive.wpapi import api_root

log = logging.getLogger(__name__)
_NO_SHAPES = ShapeLearner()
# Work per page is bounded: extraction time grows with the elements (about 3 s for 5,000
# paragraphs, 8 s for 20,000 on one core), and no blog post has this many; a long post
# with its comments has a few thousand.
MAX_ELEMENTS = 30_000  # a strong source's verdict never needs the URL shapes


@dataclass(frozen=True)
class PageTask:
    """One fetched page and what is needed to read it."""

    url: str
    body: bytes
    content_type: str | None
    # from a card, feed or posts sitemap: a post unless its own markup says otherwise
    strong: bool
    profile: Profile | None
    style: DateStyle
    # extract the article too, cleaned of this template, if the page is a post
    extract: bool = False
    template: TemplateView = field(default_factory=TemplateView)
    # known to be a post (by the URL pattern of posts): extract whatever its markup says
    is_post: bool = False
    # the crawl's start page: what its meta tags say is the site's, not any post's
    home: bool = False
    # its card, feed or API dates the post already (parse_post's `dated`)
    dated: bool = False


@dataclass
class PageFacts:
    """What a page says, for the spider to decide on."""

    parsed: bool = False
    feeds: list[str] = field(default_factory=list)
    evidence: Evidence | None = None
    listing: Listing = field(default_factory=lambda: Listing(cards=[], next_pages=[]))
    archive: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    canonical: str = ""
    api_root: str | None = None  # WordPress's REST API, where the page announces it
    site_values: frozenset[tuple[str, str]] = frozenset()  # the home page's meta description and author
    extracted: bool = False
    article: Article | None = None
    refused: str | None = None  # why the page was not read (too large to read in bounded time)
    # the home page's links to other pages of the site (a start page that lists no post leads on by them)
    page_links: list[str] = field(default_factory=list)
    # a start page whose only "cards" are a recent-posts widget beside an article: a post
    looks_like_post: bool = False
    # CPU ms by stage of reading it (blogarchive.stages), and where: "main" or "pool"
    cpu_ms: dict[str, float] = field(default_factory=dict)
    read_in: str = "main"


def analyse(task: PageTask) -> PageFacts:
    """Read one page: links, evidence, cards, template blocks, and the article when asked."""
    watch = Stopwatch()
    # not the response's own text: pages that declare the wrong charset must still read right
    html = decode_page(task.body, task.content_type)
    tree = parse_html(html, task.url)
    if tree is None:
        return PageFacts()
    if (size := sum(1 for _ in tree.iter())) > MAX_ELEMENTS:
        return PageFacts(parsed=True, refused=f"too large to read ({size:,} elements, at most {MAX_ELEMENTS:,})")
    tree.make_links_absolute(task.url, handle_failures="discard")
    facts = PageFacts(parsed=True, cpu_ms=watch.ms)
    watch.lap("parse")
    evidence = page_evidence(tree, cards=0)
    if not (task.strong and classify(evidence, True, _NO_SHAPES, task.url) == "post"):
        # a card's, feed's or post sitemap's page that does not deny being a post is one
        # whatever dated links it shows: reading them as cards (the costly part) is skipped
        facts.listing = parse_listing(tree, task.url, task.profile.listing if task.profile else None)
        evidence = dataclasses.replace(evidence, cards=len(facts.listing.cards))
    facts.evidence = evidence
    facts.feeds = feed_urls(tree, task.url)
    facts.archive = archive_links(tree, task.url)
    blocks = block_keys(tree)
    facts.blocks = list(blocks)
    facts.canonical = tree.xpath('string(//link[@rel="canonical"]/@href)').strip()
    facts.api_root = api_root(tree)
    if task.home:
        facts.site_values = site_values(tree, task.url)
        hrefs = (a.get("href", "") for a in tree.iter("a"))
        links = (h.split("#")[0] for h in hrefs if h.startswith("http"))
        facts.page_links = [u for u in dict.fromkeys(links) if same_site(u, task.url) and looks_like_page(u)][:200]
        facts.looks_like_post = _widget_beside_article(tree, task.url, facts.listing)
    watch.lap("page")
    if task.extract and (task.is_post or classify(evidence, task.strong, _NO_SHAPES, task.url) == "post"):
        facts.extracted = True
        facts.article = parse_post(
            tree, task.url, task.profile, template=task.template, style=task.style, blocks=blocks, watch=watch,
            dated=task.dated,
        )
    return facts


# Words of paragraph text beside the widgets that make a page an article, not an index.
_ARTICLE_WORDS = 150


def _widget_beside_article(tree: HtmlElement, url: str, listing: Listing) -> bool:
    """True when every card of the page is an entry of a dated-link widget and, without the
    widgets, the page still has an article's worth of paragraphs: a post with a recent-posts
    widget, though no markup says so (an index's cards leave no such text behind)."""
    if not listing.cards:
        return False
    view = copy.deepcopy(tree)
    entries = {canonical_url(e.url) for widget in drop_dated_link_lists(view, url) for e in widget}
    if not {canonical_url(c.url) for c in listing.cards} <= entries:
        return False
    return sum(len(p.text_content().split()) for p in view.iter("p")) >= _ARTICLE_WORDS


def _analyse_in_pool(task: PageTask) -> PageFacts:
    return dataclasses.replace(analyse(task), read_in="pool")


def _die_with(crawl_pid: int) -> None:
    """End this worker when the crawl process ends, however it ends (SIGKILL included).

    A worker's parent is multiprocessing's forkserver, and the forkserver waits for its
    workers, which wait for work on a queue they hold both ends of: nothing else would
    ever end them, nor the resource tracker that they keep alive.
    """
    try:
        watched = os.pidfd_open(crawl_pid)
    except (AttributeError, OSError):  # not Linux 5.3+, or the crawl already ended
        watched = None
        if not _alive(crawl_pid):
            os._exit(1)

    def watch() -> None:
        if watched is not None:
            select.select([watched], [], [])  # readable when the process ends
        else:
            while _alive(crawl_pid):
                time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="crawl-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, and another user's
    return True


def _worker_init(crawl_pid: int) -> None:
    _die_with(crawl_pid)
    # Ctrl-C reaches the whole process group: the main process shuts the pool down
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # the crawl's log is the main process's; a worker has no handler to send records to
    logging.disable(logging.WARNING)


def pool_size(setting: int, download_delay: float) -> int:
    """Worker processes for a crawl: the setting, or when it is negative (auto) one per
    core when politeness is off and none otherwise (one core keeps up with a page a second)."""
    if setting >= 0:
        return setting
    return (os.cpu_count() or 1) if download_delay == 0 else 0


class PagePool:
    """Runs `analyse` in worker processes once a crawl has shown it is large enough.

    Pages wait in a queue of their own, not the executor's: an index page jumps
    ahead of the posts already waiting, because the walk of the index (one page
    leads to the next) is what keeps the downloader busy.
    """

    def __init__(self, workers: int, start_after: int) -> None:
        self.workers = workers
        self.start_after = start_after
        self.seen = 0
        self._executor: ProcessPoolExecutor | None = None
        self._broken = False
        self._queue: list[tuple[int, int, PageTask, asyncio.Future[PageFacts]]] = []
        self._order = itertools.count()
        self._in_flight = 0

    def _pool(self) -> ProcessPoolExecutor | None:
        if self._executor is None and not self._broken and self.workers > 0 and self.seen > self.start_after:
            # forkserver: workers come from a clean process, not a fork of the reactor and its
            # threads; nothing preloaded there, so that it stays small (each worker imports its own)
            context = multiprocessing.get_context("forkserver")
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
            )
            log.debug("reading pages in %d worker processes", self.workers)
        return self._executor

    async def run(self, task: PageTask, urgent: bool = False) -> PageFacts:
        """The page's facts, from a worker when the pool is open; `urgent` pages go first."""
        self.seen += 1
        if self._pool() is None:
            return analyse(task)
        waiter: asyncio.Future[PageFacts] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._queue, (0 if urgent else 1, next(self._order), task, waiter))
        self._feed()
        try:
            return await waiter
        except BrokenProcessPool:
            if not self._broken:
                log.warning("a page worker died; reading pages in the crawl's own process from now on")
            self._broken = True
            self.close()
            return analyse(task)

    def _feed(self) -> None:
        """Keep each worker busy with one page and one more pickled and ready."""
        while self._queue and self._in_flight < 2 * self.workers:
            _, _, task, waiter = heapq.heappop(self._queue)
            try:
                if self._executor is None:
                    raise BrokenProcessPool("the pool is closed")
                done = asyncio.wrap_future(self._executor.submit(_analyse_in_pool, task))
            except BrokenProcessPool as error:
                waiter.set_exception(error)
                continue
            self._in_flight += 1
            done.add_done_callback(functools.partial(self._finished, waiter))

    def _finished(self, waiter: asyncio.Future[PageFacts], done: asyncio.Future[PageFacts]) -> None:
        self._in_flight -= 1
        if not waiter.done():
            if done.cancelled():
                waiter.cancel()
            elif (error := done.exception()) is not None:
                waiter.set_exception(error)
            else:
                waiter.set_result(done.result())
        self._feed()

    def close(self) -> None:
        """Stop the workers; pages still queued are read in-process by their callers."""
        executor, self._executor = self._executor, None
        if executor is not None:
            if self._broken:
                # a pool that lost a worker cannot be shut down politely (its manager waits
                # on processes it is still starting): end its processes, do not wait for them
                kill_workers(executor)
            executor.shutdown(wait=not self._broken, cancel_futures=True)
        self._broken = self._broken or executor is not None
        self._feed()  # fails what is still queued over to in-process reading
