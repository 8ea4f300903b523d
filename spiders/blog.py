"""Any blog: index pagination and archives first, then sitemaps and feeds.

    scrapy crawl blog -a start_url=URL [-a profile=NAME|PATH] [-a max_pages=N] [-a full=1] [-a site=NAME]

Phases, each starting when the previous one has nothing left to fetch:
1. the start page, its index pagination, its cards, category/tag/date archives;
2. robots.txt Sitemap lines and /sitemap.xml (indexes followed, page and taxonomy
   sitemaps skipped), every RSS/Atom feed the pages announced, links found in posts;
3. then, until nothing is left: links found in posts extracted since; pages that
   gave no verdict (no markup evidence, not from a card or feed), judged by the URL
   pattern the known posts share; posts held while the site template was learned
   (blogarchive.template), extracted without it when the site has too few posts.
Cards are read in phase 1 so that a post's card (date, excerpt) is with its
request: a URL is fetched once, by the first request that names it.

Against an archive that already holds posts (a nightly run), known posts are
asked for with If-None-Match / If-Modified-Since, sitemap entries whose lastmod
has not moved are skipped, and the index walk stops after a run of cards the
archive already holds unchanged; phase 2 then re-checks every known post not
seen (404/410 marks it removed) unless the walk stopped early.  full=1 turns
all of that off.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.python.failure import Failure

from blogarchive.discovery import (
    ShapeLearner,
    classify,
    feed_items,
    next_feed_page,
    sitemap_kind,
)
from blogarchive.evidence import Claim, DateStyle
from blogarchive.feeds import feed_claims
from blogarchive.items import GoneItem, PostItem, UnchangedItem
from blogarchive.listing import Card
from blogarchive.merge import merge
from blogarchive.metadata import own_claims
from blogarchive.pagework import PageFacts, PagePool, PageTask, pool_size
from blogarchive.profiles import Profile, ProfileError, load_profile, profile_for
from blogarchive.sitemaps import entries, sitemap_xml
from blogarchive.sites import check_site_name
from blogarchive.storage import Archive
from blogarchive.template import TemplateLearner
from blogarchive.urls import canonical_url, check_start_url, followable, is_loopback, looks_like_page, same_site
from blogarchive.wpapi import api_claims, posts_url

# A site on this machine (the demo, the tests) is crawled without politeness delays.
LOCAL_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "RETRY_TIMES": 0,
}
_REDIRECTS = {301, 302, 303, 307, 308}
_STRONG = {"card", "feed", "posts-sitemap", "known"}
_GONE = {404, 410}
_MAX_FEED_PAGES = 200  # WordPress ?paged=N: a bound against feeds that never run dry
_MAX_FAILURES_KEPT = 500  # failed pages listed in the run's record (all are counted)
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype html|html|head|body)", re.I | re.S)


def _is_html(response: Response) -> bool:
    """An HTML page, by its Content-Type or, when that is wrong or missing, by its first bytes."""
    if not isinstance(response, TextResponse):
        return False
    content_type = (response.headers.get("Content-Type") or b"").lower()
    return b"html" in content_type or bool(_HTML_START.match(response.body[:1024]))


@dataclass(frozen=True)
class _FetchInfo:
    """What a response says for the next crawl: validators, sitemap lastmod, redirects."""

    etag: str | None
    last_modified: str | None
    lastmod: str | None
    redirected_from: tuple[str, ...]

    @classmethod
    def of(cls, response: Response) -> _FetchInfo:
        def header(name: str) -> str | None:
            value = response.headers.get(name)
            return value.decode("latin-1") if value else None

        return cls(
            etag=header("ETag"),
            last_modified=header("Last-Modified"),
            lastmod=response.meta.get("lastmod"),
            redirected_from=tuple(response.meta.get("redirect_urls", ())),
        )


@dataclass
class _Deferred:
    """A fetched page the spider may read again: held posts, pages without a verdict."""

    url: str
    body: bytes
    content_type: str | None
    card: Card | None
    listing_url: str | None
    fetch: _FetchInfo
    blocks: list[str] = dataclasses.field(default_factory=list)


def _remembered_card(url: str, known: dict[str, Any]) -> Card | None:
    """The card an earlier crawl met for a known post, as the archive stored it."""
    if not (known["card_title"] or known["card_date"]):
        return None
    excerpt = known["excerpt"] if known["excerpt_source"] == "listing" else None
    return Card(url, known["card_title"], known["card_date"], excerpt)


class BlogSpider(scrapy.Spider):
    """Finds every post of a blog from its address; yields PostItem."""

    name = "blog"
    default_start_url: str | None = None
    default_profile: str | None = None

    def __init__(
        self,
        start_url: str | None = None,
        profile: str | None = None,
        max_pages: str | None = None,
        full: str | bool = False,
        stop_after: str | None = None,
        site: str | None = None,
        resume: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # a name for this blog in an archive of many (sites files); its posts and template carry it
        self.site = check_site_name(site) if site else None
        # distributed mode's recovery run: only these requests (JSON: url, source, card, listing_url)
        self.resume = json.loads(Path(resume).read_text()) if resume else None
        # Spider arguments arrive as strings from the command line: check them early.
        chosen: Profile | None = load_profile(profile) if profile else self._default_profile()
        url = start_url or (chosen.start_url if chosen else None) or self.default_start_url
        if not url:
            raise ValueError("no start URL: pass -a start_url=URL")
        self.start_url = check_start_url(url)
        self.profile = chosen or profile_for(self.start_url)
        if max_pages is not None and not str(max_pages).isdigit():
            raise ValueError(f"max_pages must be a whole number, not {max_pages!r}")
        self.max_pages = int(max_pages) if max_pages else None
        if stop_after is not None and not str(stop_after).isdigit():
            raise ValueError(f"stop_after must be a whole number, not {stop_after!r}")
        self.stop_after = int(stop_after) if stop_after is not None else None
        self.full = str(full).lower() in ("1", "true", "yes")
        self.known: dict[str, dict[str, Any]] = {}
        self.visited: set[str] = set()
        self.held_run = 0
        self.stopped_early = False
        self.may_stop_early = False  # set from the archive's previous run
        self.start_failed = False  # the start page answered an error: no post is marked removed
        host = (urlsplit(self.start_url).hostname or "").lower()
        bare = host.removeprefix("www.")
        self.allowed_domains = list(dict.fromkeys([host, bare, f"www.{bare}"]))
        self.learner = ShapeLearner()
        self.feeds: set[str] = set()
        self.cards_seen: set[str] = set()
        self.listings: set[str] = set()  # pages read as listings (a post's canonical never points at one)
        self.failures: list[dict[str, str]] = []
        self.template = TemplateLearner()
        self.pending: list[_Deferred] = []
        self.widget_claims: dict[str, list[Claim]] = {}
        self.body_links: set[str] = set()
        self.links_scheduled: set[str] = set()
        self.feed_seen: set[str] = set()
        # what feeds and the WordPress API say of each post (canonical URL → claims), and how
        # many of their pages are still to answer: posts wait for them (see _take_post)
        self.site_claims: dict[str, list[Claim]] = {}
        self.evidence_open = 0
        self.site_values: frozenset[tuple[str, str]] = frozenset()  # the start page's meta description, author
        self.feeds_read: set[str] = set()
        self.feed_links: list[str] = []  # feed items met in phase 1, requested in phase 2
        self.deferred: list[_Deferred] = []
        self.redirects: dict[str, str] = {}
        self.sitemap_lastmods: dict[str, str] = {}  # stored at the end for the posts seen
        self.phase = 1
        self.reader = PagePool(workers=0, start_after=0)  # in-process until the crawl's settings say otherwise

    def _default_profile(self) -> Profile | None:
        if not self.default_profile:
            return None
        try:
            return load_profile(self.default_profile)
        except ProfileError:
            return None  # an installed copy without data/sites/: structure alone will do

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> BlogSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Settings are still open here in a real crawl (Scrapy applies them after
        # creating the spider); a crawler built already frozen, as in tests, keeps its own.
        if not crawler.settings.frozen:
            if is_loopback(spider.start_url):
                crawler.settings.setdict(LOCAL_SETTINGS, priority="spider")
            if spider.max_pages:
                crawler.settings.set("CLOSESPIDER_PAGECOUNT", spider.max_pages, priority="spider")
        crawler.signals.connect(spider.on_response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        settings = self.crawler.settings
        workers = pool_size(settings.getint("BLOGARCHIVE_WORKERS"), settings.getfloat("DOWNLOAD_DELAY"))
        self.reader = PagePool(workers, start_after=settings.getint("BLOGARCHIVE_POOL_AFTER"))
        if self.stop_after is None:
            self.stop_after = settings.getint("BLOGARCHIVE_STOP_AFTER")
        db_path = settings.get("BLOGARCHIVE_DB")
        if db_path and Path(db_path).exists():
            archive = Archive(db_path, create=False)
            try:
                # this blog's posts only: an archive may hold many (sites files)
                known = archive.known_posts(self.site)
                self.known = {u: k for u, k in known.items() if self.site or same_site(u, self.start_url)}
                if not self.full:
                    self.template = archive.load_template(self.site)
                # this run's own row: from the command line's job, or the RunRecord extension
                this_run = settings.getint("BLOGARCHIVE_RUN_ID") or self.crawler.stats.get_value("blogarchive/run_id")
                previous = archive.previous_run(self.start_url, this_run or None)
                # the early stop trusts the archive to hold every older post: only true after a
                # run that finished cleanly (not killed, interrupted, capped, nor with failed pages)
                self.may_stop_early = previous is not None and previous["status"] in ("ok", "warnings")
                if self.known and not self.may_stop_early:
                    self.crawler.stats.set_value("blogarchive/walk_whole", (previous or {}).get("status") or "none")
            finally:
                archive.close()
        if self.resume is not None:
            self.phase = 3  # no discovery phases: the lost requests only
            for entry in self.resume:
                card = Card(**entry["card"]) if entry.get("card") else None
                yield self._page(entry["url"], entry["source"], card, entry.get("listing_url"))
            return
        yield self._page(self.start_url, "start")

    # --- requests -------------------------------------------------------------

    def _page(
        self,
        url: str,
        source: str,
        card: Card | None = None,
        listing_url: str | None = None,
        lastmod: str | None = None,
    ) -> Request:
        canon = canonical_url(url)
        self.visited.add(canon)
        meta: dict[str, Any] = {"source": source, "lastmod": lastmod}
        headers = {}
        known = self.known.get(canon)
        if known is not None:
            # a known post: its 304, 404 and 410 answers are news for the archive
            meta["handle_httpstatus_list"] = [304, *_GONE]
            # reached without its card tonight (sitemap, feed, re-check): the card stored
            # last time still gives its date and excerpt
            card = card or _remembered_card(url, known)
            if not self.full and not known["removed_at"]:
                if known["etag"]:
                    headers["If-None-Match"] = known["etag"]
                if known["http_last_modified"]:
                    headers["If-Modified-Since"] = known["http_last_modified"]
        return Request(
            url,
            callback=self.parse_page,
            errback=self.on_error,
            headers=headers,
            meta=meta,
            cb_kwargs={"card": card, "listing_url": listing_url},
        )

    def _unvisited(self, urls: list[str]) -> list[str]:
        """Links not requested yet: a pager that lists every page number would otherwise
        put each number's request through the duplicate filter on every index page."""
        return [url for url in self._followable(urls) if canonical_url(url) not in self.visited]

    def _followable(self, urls: list[str]) -> list[str]:
        """*urls* without the malformed ones (counted): a bad link is skipped, never raised on."""
        good = [url for url in dict.fromkeys(urls) if followable(url)]
        if skipped := len(set(urls)) - len(good):
            self.crawler.stats.inc_value("blogarchive/links_malformed", skipped)
        return good

    def _held(self, card: Card) -> bool:
        """True when the archive holds this card's post with the same card title and date text.

        Like with like: the card is compared with the card stored last time, not with
        the page's own title or date (JSON-LD, meta), which a card never repeats verbatim.
        Archives made before cards were stored compare with what they have.
        """
        known = self.known.get(canonical_url(card.url))
        if known is None or known["removed_at"]:
            return False
        title = known["card_title"] or known["title"]
        date_text = known["card_date"] or (known["published_raw"] if known["date_source"] == "listing" else None)
        same_title = not card.title or not title or card.title == title
        same_date = not card.date_text or not date_text or card.date_text == date_text
        return same_title and same_date

    def _discovery_requests(self) -> Iterator[Request]:
        """Phase 2: robots.txt, the default sitemap, the feeds seen in phase 1."""
        parts = urlsplit(self.start_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        quiet = self.on_discovery_error
        yield Request(f"{origin}/robots.txt", callback=self.parse_robots, errback=quiet,
                      meta={"dont_obey_robotstxt": True})  # fmt: skip
        yield Request(f"{origin}/sitemap.xml", callback=self.parse_sitemap, errback=quiet)
        yield from self._unread_feeds(self.feeds)
        for url in self._unvisited(self.feed_links):
            yield self._page(url, "feed")
        # links inside posts (old slugs that now redirect, posts no index lists)
        for url in sorted(self.body_links):
            self.links_scheduled.add(url)
            yield self._page(url, "link")
        # known posts this run has not met: removed? changed? (not after an early stop:
        # posts not visited on such a night are not thereby removed)
        if self.full or not self.stopped_early:
            for url, known in sorted(self.known.items()):
                if url not in self.visited and (self.full or not known["removed_at"]):
                    # at the address last fetched: the canonical key may lack the slash the site
                    # redirects to, and that redirect would be dropped as a duplicate request
                    yield self._page(known.get("fetched_url") or url, "known")
        else:
            not_revisited = sum(1 for url, k in self.known.items() if url not in self.visited and not k["removed_at"])
            self.crawler.stats.set_value("blogarchive/not_revisited", not_revisited)

    # --- callbacks ------------------------------------------------------------

    def _task(
        self, page: _Deferred, strong: bool, extract: bool, is_post: bool = False, home: bool = False
    ) -> PageTask:
        """What a page reader needs; `extract`: also extract the article if it is a post."""
        return PageTask(
            url=page.url,
            body=page.body,
            content_type=page.content_type,
            strong=strong,
            profile=self.profile,
            style=self._style(),
            extract=extract,
            template=self.template.view(),
            is_post=is_post,
            home=home,
        )

    async def parse_page(self, response: Response, card: Card | None, listing_url: str | None) -> AsyncIterator[Any]:
        """Any HTML page: a post, a listing, or a page that is neither."""
        if response.status == 304:
            self.crawler.stats.inc_value("blogarchive/not_modified")
            yield UnchangedItem(canonical_url(response.url))
            return
        if response.status in _GONE:
            if self.start_failed:
                # the blog's own start page failed tonight: a site down or moved, not deletions
                self._failed(response.url, f"HTTP {response.status}, not marked removed: the start page failed too")
            else:
                yield GoneItem(canonical_url(response.url), response.status)
            return
        if not _is_html(response):
            self.logger.debug("not an HTML page: %s", response.url)
            return
        content_type = response.headers.get("Content-Type")
        page = _Deferred(
            response.url,
            response.body,
            content_type.decode("latin-1") if content_type else None,
            card,
            listing_url,
            _FetchInfo.of(response),
        )
        source = response.meta.get("source", "link")
        strong = source in _STRONG
        # the article is extracted in the same pass when the page may be a post and the
        # template is known; otherwise later, once both are settled
        task = self._task(page, strong, extract=self.template.ready, home=source == "start")
        facts = await self.reader.run(task, urgent=not strong)
        if not facts.parsed:
            self._failed(response.url, "empty or undecodable page")
            return
        self.feeds.update(facts.feeds)
        if source == "start":
            for request in self._evidence_requests(facts):
                yield request
        listing = facts.listing
        verdict = classify(facts.evidence, strong, self.learner, response.url) if facts.evidence else "not"
        if source == "start" and verdict != "post":
            self.site_values = facts.site_values
        # A listing that shows no post this crawl has not met leads nowhere new: its
        # pager and archive links are not followed (endless calendars, pagination traps).
        fresh = {canonical_url(c.url) for c in listing.cards} - self.cards_seen
        self.cards_seen |= fresh
        leads_on = source == "start" or verdict == "post" or bool(fresh)
        if verdict != "post":
            if listing.cards or source in ("start", "index", "archive"):
                self.listings.add(canonical_url(response.url))
            # a listing: its cards are posts, its pager and archives lead to more
            good = set(self._followable([c.url for c in listing.cards]))
            for found in (c for c in listing.cards if c.url in good):
                self.learner.add(found.url)
                yield self._page(found.url, "card", found, response.url)
            if source in ("start", "index") and not self.full and self._stop_walk(listing.cards):
                self.stopped_early = True
                self.crawler.stats.set_value("blogarchive/stopped_early_at", response.url)
            elif leads_on:
                for url in self._unvisited(listing.next_pages):
                    yield self._page(url, "index")
        # A post's own dated links are a recent-posts widget, not cards: not followed,
        # so that each post is requested first from its card on the index.
        if not self.stopped_early and leads_on:
            for url in self._unvisited(facts.archive):
                yield self._page(url, "archive")
        page.blocks = facts.blocks
        if verdict == "post":
            async for item in self._take_post(page, facts if facts.extracted else None):
                yield item
        elif verdict == "unknown":
            self.deferred.append(page)

    def _evidence_requests(self, facts: PageFacts) -> Iterator[Request]:
        """The start page's feeds and WordPress API, asked first: what they say of each post
        (excerpt, author, dates) is merged with its page."""
        yield from self._unread_feeds(set(facts.feeds))
        if facts.api_root and same_site(facts.api_root, self.start_url):
            yield self._evidence(posts_url(facts.api_root, 1), self.parse_api, root=facts.api_root, page=1)

    def _unread_feeds(self, feeds: set[str]) -> Iterator[Request]:
        """The first page of each feed not read yet (each is read once a crawl)."""
        for feed in sorted(feeds - self.feeds_read):
            self.feeds_read.add(feed)
            yield self._evidence(feed, self.parse_feed, page=1)

    def _evidence(self, url: str, callback: Any, **kwargs: Any) -> Request:
        self.evidence_open += 1
        return Request(url, callback=callback, errback=self.on_evidence_error, priority=10, cb_kwargs=kwargs,
                       meta={"evidence": True}, dont_filter=True)  # fmt: skip

    async def _evidence_read(self) -> AsyncIterator[PostItem]:
        """One evidence page answered: when none is left open, the posts waiting for them go."""
        self.evidence_open -= 1
        if not self.evidence_open and self.template.ready:
            async for item in self._flush_pending():
                yield item

    def on_evidence_error(self, failure: Failure) -> None:
        """A feed or API page that failed: the posts go without its word (flushed at the latest in phase 3)."""
        request = getattr(failure, "request", None)
        self.evidence_open -= 1
        self.logger.debug("no evidence from %s", request.url if request is not None else "?")

    async def parse_api(self, response: Response, root: str, page: int) -> AsyncIterator[Any]:
        """One page of WordPress's posts endpoint: claims for each post; the next page."""
        for url, claims in api_claims(response.body).items():
            self.site_claims.setdefault(url, []).extend(claims)
        pages = response.headers.get("X-WP-TotalPages")
        if pages and pages.isdigit() and page < min(int(pages), _MAX_FEED_PAGES):
            yield self._evidence(posts_url(root, page + 1), self.parse_api, root=root, page=page + 1)
        async for item in self._evidence_read():
            yield item

    def _stop_walk(self, cards: list[Card]) -> bool:
        """Count the run of held cards, newest first, across index pages; True to stop paginating."""
        for found in cards:
            self.held_run = self.held_run + 1 if self._held(found) else 0
        return self.may_stop_early and bool(self.stop_after) and self.held_run >= (self.stop_after or 0)

    def _style(self) -> DateStyle:
        """How this site writes dates, with now as the fetch time (for "3 days ago")."""
        profile = self.profile
        tz = ZoneInfo(profile.timezone) if profile and profile.timezone else None
        languages, order = (profile.languages, profile.date_order) if profile else (("en",), None)
        return DateStyle(languages, order, tz, datetime.now(UTC))

    async def _take_post(self, page: _Deferred, facts: PageFacts | None = None) -> AsyncIterator[PostItem]:
        """A post page: learn the template from it, extract it (or hold it until the template is learned).

        facts: the page read with its article extracted, if it was.
        """
        # the template counts each post once: nightly runs add only posts not archived
        # before; a --full run learns it afresh from every post
        if self.full or canonical_url(page.url) not in self.known:
            self.template.observe(page.blocks)
        if not self.template.ready or self.evidence_open:
            self.pending.append(page)
            return
        if facts is None:
            facts = await self.reader.run(self._task(page, True, extract=True, is_post=True))
        for item in self._post(facts, page):
            yield item
        async for item in self._flush_pending():
            yield item

    async def _flush_pending(self) -> AsyncIterator[PostItem]:
        """Posts held while the template was being learned, extracted side by side."""
        held, self.pending = self.pending, []
        tasks = [self.reader.run(self._task(page, True, extract=True, is_post=True)) for page in held]
        for page, facts in zip(held, await asyncio.gather(*tasks), strict=True):
            for item in self._post(facts, page):
                yield item

    def _post(self, facts: PageFacts, page: _Deferred) -> Iterator[PostItem]:
        url, fetch, style = page.url, page.fetch, self._style()
        article = facts.article
        if article is None:
            self._failed(url, "no article text found")
            return
        links = self._followable(article.links)
        self.body_links.update(u for u in links if same_site(u, self.start_url) and looks_like_page(u))
        for entry in article.widget_entries:
            # another post's date, as this page's widget states it
            if followable(entry.url) and (day := style.read(entry.date_text)):
                claim = Claim("published", "widget", day, entry.date_text)
                self.widget_claims.setdefault(canonical_url(entry.url), []).append(claim)
        lastmod = style.read(fetch.lastmod)
        extra = [Claim("modified", "sitemap", lastmod, fetch.lastmod or "")] if lastmod else []
        declared = facts.canonical
        for key in dict.fromkeys(canonical_url(u) for u in (url, declared) if u and followable(u)):
            extra += self.site_claims.get(key, [])
        article.claims = own_claims(article.claims, self.site_values)
        item = merge(article, page.card, page.listing_url, style, extra)
        aliases = list(fetch.redirected_from)
        if declared and followable(declared) and same_site(declared, url):
            if self._not_a_post(declared):
                # a theme bug: every post "canonical" to the home page would make them one post
                self._canonical_ignored(url, declared)
            else:
                # the site's own canonical URL is the post's key; what we fetched is an alias
                item.url = declared
                aliases.append(url)
        item.aliases = aliases
        pdfs = [u for u in article.links if urlsplit(u).path.lower().endswith(".pdf")]
        item.asset_urls = list(dict.fromkeys([image["url"] for image in article.images] + pdfs))
        item.etag, item.http_last_modified, item.sitemap_lastmod = fetch.etag, fetch.last_modified, fetch.lastmod
        item.site = self.site
        yield item

    def _not_a_post(self, url: str) -> bool:
        """True for the home page, the start page and the listings met: never a post's key."""
        canon = canonical_url(url)
        return urlsplit(canon).path in ("", "/") or canon == canonical_url(self.start_url) or canon in self.listings

    def _canonical_ignored(self, url: str, declared: str) -> None:
        stats = self.crawler.stats
        if not stats.get_value("blogarchive/canonical_ignored"):
            self.logger.warning("rel=canonical points at %s, no post: ignored (first seen on %s)", declared, url)
        stats.inc_value("blogarchive/canonical_ignored")

    async def flush_deferred(self, response: Response) -> AsyncIterator[PostItem]:
        """Phase 3: pages without a verdict, judged by the URL pattern known posts share;
        and posts still held because the site has too few to learn a template from."""
        undecided, self.deferred = self.deferred, []
        for page in undecided:
            if self.learner.is_post_shape(page.url):
                async for item in self._take_post(page):
                    yield item
            else:
                self.logger.debug("not taken for a post: %s", page.url)
        async for item in self._flush_pending():
            yield item

    def parse_robots(self, response: Response) -> Iterator[Request]:
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            yield Request(url, callback=self.parse_sitemap, errback=self.on_discovery_error)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        xml = sitemap_xml(response, self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        if xml is None:
            self.logger.debug("not a sitemap: %s", response.url)
            return
        is_index, found = entries(xml)
        kind = sitemap_kind(response.url)
        for entry in found:
            loc = entry.get("loc", "")
            if not followable(loc) or not same_site(loc, self.start_url):
                continue
            if is_index:
                if sitemap_kind(loc) != "other":
                    yield Request(loc, callback=self.parse_sitemap, errback=self.on_discovery_error)
            elif kind != "other":
                if kind == "posts":
                    self.learner.add(loc)
                lastmod = entry.get("lastmod")
                if lastmod:
                    self.sitemap_lastmods[canonical_url(loc)] = lastmod
                known = self.known.get(canonical_url(loc))
                if not self.full and lastmod and known and known["sitemap_lastmod"] == lastmod:
                    # the sitemap says it has not changed since we archived it
                    self.visited.add(canonical_url(loc))
                    self.crawler.stats.inc_value("blogarchive/sitemap_skipped")
                    continue
                yield self._page(loc, "posts-sitemap" if kind == "posts" else "sitemap", lastmod=lastmod)

    async def parse_feed(self, response: Response, page: int) -> AsyncIterator[Any]:
        """A feed page: what it says of each post; its items, requested after the index walk
        (a post met first on its card keeps the card); the next page of a paged feed."""
        for url, claims in feed_claims(response.body, response.url).items():
            self.site_claims.setdefault(url, []).extend(claims)
        found = self._followable(feed_items(response.text, response.url))
        items = [u for u in found if canonical_url(u) not in self.feed_seen]
        for url in items:
            self.feed_seen.add(canonical_url(url))
            self.learner.add(url)
            if self.phase == 1:
                self.feed_links.append(url)
            else:
                yield self._page(url, "feed")
        following = next_feed_page(response.url)
        # a server that ignores ?paged= answers every page with the first: stop when nothing is new
        if items and following and page < _MAX_FEED_PAGES:
            yield self._evidence(following, self.parse_feed, page=page + 1)
        async for item in self._evidence_read():
            yield item

    # --- signals and errors ---------------------------------------------------

    def on_idle(self) -> None:
        """Start the next phase when the current one has run dry."""
        engine = self.crawler.engine
        frontier = getattr(self, "shared_frontier", None)
        if frontier is not None and frontier.busy():
            # distributed mode: other workers are still finding pages of this phase
            raise DontCloseSpider
        if self.phase == 1:
            self.phase = 2
            for request in self._discovery_requests():
                engine.crawl(request)
            raise DontCloseSpider
        # links found in posts extracted since (held posts, phase-2 posts); a recovery
        # run (phase 3 from the start) fetches only what it was given
        fresh = sorted(self.body_links - self.links_scheduled) if self.resume is None else []
        if fresh:
            self.links_scheduled.update(fresh)
            for url in fresh:
                engine.crawl(self._page(url, "link"))
            raise DontCloseSpider
        if self.deferred or self.pending:
            engine.crawl(
                Request(
                    "data:,",
                    callback=self.flush_deferred,
                    errback=self.on_flush_error,
                    dont_filter=True,
                    meta={"allow_offsite": True, "dont_obey_robotstxt": True, "blogarchive_internal": True},
                )
            )
            raise DontCloseSpider

    def on_closed(self) -> None:
        self.reader.close()

    def on_flush_error(self, failure: Failure) -> None:
        """The flush request itself failed: record the held pages as failed, never loop on them."""
        for page in self.deferred + self.pending:
            self._failed(page.url, f"not extracted ({failure.getErrorMessage()})")
        self.deferred, self.pending = [], []

    def on_response_downloaded(self, response: Response, request: Request, **_: Any) -> None:
        """Remember redirects: an old slug that answers 301 is an alias of its target."""
        location = response.headers.get("Location")
        if response.status in _REDIRECTS and location:
            target = urljoin(request.url, location.decode("latin-1"))
            old, new = canonical_url(request.url), canonical_url(target)
            chain = [*request.meta.get("redirect_urls", []), request.url]
            # exact URLs: /p → /p/ is a site adding its slash, not a loop; /p → /p/ → /p is
            if target in chain:
                # the redirect would be dropped as a duplicate request, silently: say so
                self._failed(chain[0], f"redirect loop ({' → '.join(chain)} → {target})")
            elif old != new:
                self.redirects[old] = new

    def _failed(self, url: str, reason: str) -> None:
        """A page that failed: counted, logged and kept for the run's record."""
        self.crawler.stats.inc_value("blogarchive/pages_failed")
        if len(self.failures) < _MAX_FAILURES_KEPT:
            self.failures.append({"url": url, "reason": reason})
        self.logger.warning("%s: %s", reason, url)

    def on_error(self, failure: Failure) -> None:
        """A page that could not be fetched (network error or HTTP error status)."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        if request is not None and request.meta.get("source") == "start":
            self.start_failed = True
        if failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status}"
        else:
            reason = failure.getErrorMessage() or failure.type.__name__
        self._failed(url, f"failed ({reason})")

    def on_discovery_error(self, failure: Failure) -> None:
        """A missing robots.txt, sitemap or feed is normal: note it, count no error."""
        request = getattr(failure, "request", None)
        self.logger.debug("no discovery file at %s", request.url if request is not None else "?")
