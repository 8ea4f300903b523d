"""What one crawl knows while it runs: its arguments, its frontier, what it has learned.

The spider (spiders/blog.py) holds callbacks only; everything they remember
between pages lives in a `CrawlState` owned by the crawler, so that the
middlewares (blogarchive.fetch), the store pipeline, the run record and the
distributed extensions read it through `crawl_state(crawler)`, never through
spider attributes.  Decisions are methods here, or pure functions elsewhere.
"""

from __future__ import annotations

import json
import logging
import weakref
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from blogarchive.assemble import Assembled, Context, assemble
from blogarchive.discovery import ShapeLearner, feed_items, sitemap_kind
from blogarchive.evidence import Claim, DateStyle
from blogarchive.feeds import feed_claims
from blogarchive.fetch import cache_settings, unchanged_in_sitemap
from blogarchive.items import GoneItem, PostItem, UnchangedItem
from blogarchive.listing import Card
from blogarchive.pagework import PageFacts, PagePool, PageTask, pool_size
from blogarchive.profiles import Profile, ProfileError, load_profile, profile_for
from blogarchive.sitemaps import entries
from blogarchive.sites import check_site_name
from blogarchive.stages import CPU_STAT, timed
from blogarchive.storage import Archive, ArchiveError
from blogarchive.template import TemplateLearner
from blogarchive.urls import canonical_url, check_start_url, followable, home_page, is_loopback, same_site

if TYPE_CHECKING:
    from blogarchive.fetch import Page

# A site on this machine (the demo, the tests) is crawled without politeness delays.
LOCAL_SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 16,
                  "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "RETRY_TIMES": 0}  # fmt: skip
# runs that finished cleanly: after one, the archive holds every older post ("warnings": the
# name of drift in archives made before the statuses were settled)
CLEAN_STATUSES = ("ok", "drift", "warnings")
_LOG = logging.getLogger("blogarchive.crawl")
_MAX_FAILURES_KEPT = 500  # failed pages listed in the run's record (all are counted)
_REDIRECTS = {301, 302, 303, 307, 308}
_STATES: weakref.WeakKeyDictionary[Crawler, CrawlState] = weakref.WeakKeyDictionary()


def _whole_number(name: str, value: str | int | None) -> int | None:
    if value is None or value == "":
        return None
    if not str(value).isdigit():
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    return int(value)


class Frontier(Protocol):
    def busy(self) -> bool: ...


@dataclass(frozen=True)
class Lead:
    """A page to request: where it was found, and the card that listed it."""

    url: str
    source: str
    card: Card | None = None
    listing_url: str | None = None
    lastmod: str | None = None  # a sitemap's word


@dataclass(frozen=True)
class CrawlConfig:
    """A crawl's arguments, checked once: spider arguments arrive as strings from the command line."""

    start_url: str
    profile: Profile | None
    site: str | None = None
    full: bool = False
    max_pages: int | None = None
    stop_after: int | None = None
    # distributed mode's recovery run: only these requests (JSON: url, source, card, listing_url)
    resume: list[dict[str, Any]] | None = None

    @classmethod
    def from_args(
        cls,
        start_url: str | None = None,
        profile: str | None = None,
        max_pages: str | int | None = None,
        full: str | bool = False,
        stop_after: str | int | None = None,
        site: str | None = None,
        resume: str | list[dict[str, Any]] | None = None,
        default_start_url: str | None = None,
        default_profile: str | None = None,
    ) -> CrawlConfig:
        chosen = load_profile(profile) if profile else _installed_profile(default_profile)
        url = start_url or (chosen.start_url if chosen else None) or default_start_url
        if not url:
            raise ValueError("no start URL: pass -a start_url=URL")
        checked = check_start_url(url)
        return cls(
            start_url=checked,
            profile=chosen or profile_for(checked),
            site=check_site_name(site) if site else None,
            full=str(full).lower() in ("1", "true", "yes"),
            max_pages=_whole_number("max_pages", max_pages) or None,
            stop_after=_whole_number("stop_after", stop_after),
            # a file's path (`scrapy crawl -a resume=PATH`), or the list itself (a distributed worker)
            resume=resume if isinstance(resume, list) else json.loads(Path(resume).read_text()) if resume else None,
        )

    def settings(self, db_path: str | None = None) -> dict[str, Any]:
        """What this crawl changes in Scrapy's settings: no politeness delays for a site on this
        machine (the demo, the tests), the nightly's page cache (max_pages is
        blogarchive.middlewares.PageCap's)."""
        changes: dict[str, Any] = cache_settings(db_path, self.full, self.site or urlsplit(self.start_url).netloc)
        if is_loopback(self.start_url):
            changes |= LOCAL_SETTINGS
        return changes

    def resumed(self) -> list[Lead]:
        """A recovery run's requests, with their cards."""
        return [Lead(e["url"], e["source"], Card(**e["card"]) if e.get("card") else None, e.get("listing_url"))
                for e in self.resume or []]  # fmt: skip

    @property
    def allowed_domains(self) -> list[str]:
        host = (urlsplit(self.start_url).hostname or "").lower()
        bare = host.removeprefix("www.")
        return list(dict.fromkeys([host, bare, f"www.{bare}"]))


def _installed_profile(name: str | None) -> Profile | None:
    if not name:
        return None
    try:
        return load_profile(name)
    except ProfileError:
        return None  # an installed copy without data/sites/: structure alone will do


@dataclass
class CrawlState:
    """The crawl's memory: frontier, known posts, held pages, evidence and what it learned."""

    config: CrawlConfig
    crawler: Crawler | None = None
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger] = _LOG
    phase: int = 1
    # the archive's posts of this blog (canonical URL → stored row), and the early stop
    known: dict[str, dict[str, Any]] = field(default_factory=dict)
    may_stop_early: bool = False  # set from the archive's previous run
    stop_after: int = 0
    held_run: int = 0
    stopped_early: bool = False
    # what tonight's complete sources cover, so that a deletion is caught without --full: the
    # oldest day a newest-first source (the index walk, a feed) reached, and every URL a
    # sitemap listed
    covered_since: str | None = None
    sitemap_listed: set[str] = field(default_factory=set)
    start_failed: bool = False  # the start page answered an error: no post is marked removed
    # the frontier
    visited: set[str] = field(default_factory=set)
    cards_seen: set[str] = field(default_factory=set)
    listings: set[str] = field(default_factory=set)  # pages read as listings (never a post's key)
    feeds: set[str] = field(default_factory=set)
    feeds_read: set[str] = field(default_factory=set)
    feed_seen: set[str] = field(default_factory=set)
    feed_links: list[str] = field(default_factory=list)  # feed items met in phase 1, requested in phase 2
    start_sitemaps: list[str] = field(default_factory=list)  # a sitemap given as the start URL
    body_links: set[str] = field(default_factory=set)
    links_scheduled: set[str] = field(default_factory=set)
    # pages held: posts waiting for the template or evidence; pages without a verdict
    pending: list[Page] = field(default_factory=list)
    deferred: list[Page] = field(default_factory=list)
    # what feeds and the WordPress API say of each post (canonical URL → claims), and how
    # many of their pages are still to answer: posts wait for them
    site_claims: dict[str, list[Claim]] = field(default_factory=dict)
    evidence_open: int = 0
    site_values: frozenset[tuple[str, str]] = frozenset()  # the start page's meta description, author
    # what the archive keeps at the end (blogarchive.pipelines.store)
    widget_claims: dict[str, list[Claim]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    sitemap_lastmods: dict[str, str] = field(default_factory=dict)
    failures: list[dict[str, str]] = field(default_factory=list)
    captured: list[dict[str, Any]] = field(default_factory=list)  # WARC records to index (blogarchive.captures)
    learner: ShapeLearner = field(default_factory=ShapeLearner)
    template: TemplateLearner = field(default_factory=TemplateLearner)
    reader: PagePool = field(default_factory=lambda: PagePool(workers=0, start_after=0))
    shared_reader: bool = False
    # distributed mode: tells whether other workers still find pages of this phase
    frontier: Frontier | None = None

    # --- the archive's word -------------------------------------------------------

    def open(self, settings: BaseSettings, run_id: int | None) -> None:
        """At the crawl's start: its page readers, its early-stop rule, and what the archive at
        BLOGARCHIVE_DB holds of this blog (*run_id*: this run's own row, not the one before)."""
        if isinstance(shared := settings.get("BLOGARCHIVE_PAGE_POOL"), PagePool):
            self.reader, self.shared_reader = shared, True  # blogs crawled side by side (crawl.run_crawls)
        else:
            workers = pool_size(settings.getint("BLOGARCHIVE_WORKERS"), settings.getfloat("DOWNLOAD_DELAY"))
            self.reader = PagePool(workers, start_after=settings.getint("BLOGARCHIVE_POOL_AFTER"))
        stop_after = self.config.stop_after
        self.stop_after = stop_after if stop_after is not None else settings.getint("BLOGARCHIVE_STOP_AFTER")
        if brief := settings.get("BLOGARCHIVE_BRIEF"):
            self.brief(json.loads(brief))
            return
        db_path, site, start = settings.get("BLOGARCHIVE_DB"), self.config.site, self.config.start_url
        if not db_path or not Path(db_path).exists():
            return
        try:
            archive = Archive(db_path, readonly=True)  # the store pipeline is the archive's writer
        except ArchiveError as err:
            self.logger.warning("%s: crawling as if the archive were empty", err)
            return
        with archive:
            # this blog's posts only: an archive may hold many (sites files)
            known = {u: k for u, k in archive.known_posts(site).items() if site or same_site(u, start)}
            if not self.config.full:
                self.template = archive.load_template(site)
            self.remember(known, archive.previous_run(start, run_id))

    def brief(self, brief: dict[str, Any]) -> None:
        """What a distributed worker, with no archive of its own, is told of the archive
        (blogarchive.distributed.brief: known posts, template, previous run)."""
        if not self.config.full:
            self.template = TemplateLearner(brief["template"]["pages"], Counter(brief["template"]["counts"]))
        self.remember(brief["known"], brief["previous"])

    def remember(self, known: dict[str, dict[str, Any]], previous: dict[str, Any] | None) -> None:
        """What the archive holds of this blog, and whether its last run allows an early stop."""
        self.known = known
        # the early stop trusts the archive to hold every older post: only true after a
        # run that finished cleanly (not killed, interrupted, capped, nor with failed pages)
        self.may_stop_early = previous is not None and previous["status"] in CLEAN_STATUSES
        if known and not self.may_stop_early:
            self._stat_set("blogarchive/walk_whole", (previous or {}).get("status") or "none")

    def held(self, card: Card) -> bool:
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

    def stop_walk(self, cards: list[Card]) -> bool:
        """Count the run of held cards, newest first, across index pages; True to stop paginating."""
        for found in cards:
            self.held_run = self.held_run + 1 if self.held(found) else 0
        return self.may_stop_early and bool(self.stop_after) and self.held_run >= self.stop_after

    def rechecks(self) -> list[str]:
        """Known posts this run has not met, to ask again (removed? changed?); none after an
        early stop, since posts not visited on such a night are not thereby removed."""
        full = self.config.full
        if full or not self.stopped_early:
            # at the address last fetched: the canonical key may lack the slash the site
            # redirects to, and that redirect would be dropped as a duplicate request
            return [
                known.get("fetched_url") or url
                for url, known in sorted(self.known.items())
                if url not in self.visited and (full or not known["removed_at"])
            ]
        return []

    def covered(self, days: Iterable[str | None]) -> None:
        """A newest-first source (an index page, a feed page) listed posts of these *days*
        (ISO dates): every post since the oldest is one it would list."""
        for day in (d[:10] for d in days if d):
            if self.covered_since is None or day < self.covered_since:
                self.covered_since = day

    def unlisted(self) -> list[str]:
        """After an early stop (phase 2 done): the known posts tonight's complete sources no
        longer list, to ask again (a 404 or 410 marks them removed): one no sitemap lists when
        a sitemap was read, one dated within what the index walk or a feed covered.  The rest
        wait for the walk to reach them, or for --full, and are counted."""
        if not self.stopped_early or self.config.full:
            return []
        since, listed = self.covered_since, self.sitemap_listed
        unseen = {u: k for u, k in self.known.items() if u not in self.visited and not k["removed_at"]}
        again = [
            known.get("fetched_url") or url
            for url, known in sorted(unseen.items())
            if (listed and url not in listed) or (since and (known.get("published") or "")[:10] >= since)
        ]
        self._stat_set("blogarchive/not_revisited", len(unseen) - len(again))
        self._stat_set("blogarchive/rechecked_unlisted", len(again))
        return again

    # --- the frontier ------------------------------------------------------------

    def follow(self, url: str, source: str, verdict: str, facts: PageFacts) -> list[Lead]:
        """The pages a page leads to: a listing's cards, its pager (unless the nightly walk stops
        here), archive links; none from a listing that shows no post this crawl had not met
        (endless calendars, pagination traps).  A start page that is a post leads to the site's
        home page; a start or home page that lists no post, to the pages it links to (its
        navigation's blog link among them)."""
        listing, archive = facts.listing, facts.archive
        # a post's dated links are a widget, not cards: they do not count as cards met
        fresh = verdict != "post" and self.fresh_cards(listing.cards)
        leads_on = fresh or source in ("start", "home") or verdict == "post"
        leads: list[Lead] = []
        if source == "start" and (verdict == "post" or not listing.cards):
            # a post, or a page that lists none: the blog is found from the site's home page
            self._stat_set("blogarchive/start_kind", "post" if verdict == "post" else "no-posts")
            home = home_page(url)
            if canonical_url(home) != canonical_url(url):
                leads += [Lead(u, "home") for u in self.unvisited([home])]
        if source in ("start", "home") and not listing.cards:
            leads += [Lead(u, "link") for u in self.unvisited(facts.page_links)]
        if verdict != "post":
            if listing.cards or source in ("start", "index", "archive"):
                self.listings.add(canonical_url(url))
            good = set(self.followable([c.url for c in listing.cards]))
            for card in (c for c in listing.cards if c.url in good):
                self.learner.add(card.url)
                leads.append(Lead(card.url, "card", card, url))
            if source in ("start", "index"):
                self.covered(self.style().read(c.date_text) for c in listing.cards)
            if source in ("start", "index") and not self.config.full and self.stop_walk(listing.cards):
                self.stopped_early = True
                self._stat_set("blogarchive/stopped_early_at", url)
            elif leads_on:
                leads += [Lead(u, "index") for u in self.unvisited(listing.next_pages)]
        # A post's own dated links are a recent-posts widget, not cards: not followed,
        # so that each post is requested first from its card on the index.
        if not self.stopped_early and leads_on:
            leads += [Lead(u, "archive") for u in self.unvisited(archive)]
        return leads

    def visit(self, url: str) -> None:
        self.visited.add(canonical_url(url))

    def followable(self, urls: list[str]) -> list[str]:
        """*urls* without the malformed ones (counted): a bad link is skipped, never raised on."""
        good = [url for url in dict.fromkeys(urls) if followable(url)]
        if skipped := len(set(urls)) - len(good):
            self._stat_inc("blogarchive/links_malformed", skipped)
        return good

    def unvisited(self, urls: list[str]) -> list[str]:
        """Links not requested yet: a pager that lists every page number would otherwise
        put each number's request through the duplicate filter on every index page."""
        return [url for url in self.followable(urls) if canonical_url(url) not in self.visited]

    def fresh_cards(self, cards: list[Card]) -> bool:
        """Note a listing's cards; True if one of them is a post this crawl had not met."""
        fresh = {canonical_url(c.url) for c in cards} - self.cards_seen
        self.cards_seen |= fresh
        return bool(fresh)

    def fresh_links(self) -> list[str]:
        """Links found in posts since they were last scheduled (none in a recovery run,
        which fetches only what it was given)."""
        if self.config.resume is not None:
            return []
        fresh = sorted(self.body_links - self.links_scheduled)
        self.links_scheduled.update(fresh)
        return fresh

    def unread_feeds(self, feeds: set[str]) -> list[str]:
        """Feeds not read yet: each is read once a crawl."""
        unread = sorted(feeds - self.feeds_read)
        self.feeds_read.update(unread)
        return unread

    def new_feed_items(self, urls: list[str]) -> list[str]:
        """A feed page's items not met in an earlier page of it (each is a post's URL)."""
        items = [u for u in self.followable(urls) if canonical_url(u) not in self.feed_seen]
        for url in items:
            self.feed_seen.add(canonical_url(url))
            self.learner.add(url)
        return items

    def sitemap(self, url: str, xml: bytes) -> tuple[list[str], list[Lead]]:
        """A sitemap's word: the sitemaps it indexes (page and taxonomy sitemaps skipped), the
        pages it lists (an entry whose lastmod has not moved since its post was archived skipped)."""
        is_index, found = entries(xml)
        kind, start = sitemap_kind(url), self.config.start_url
        sitemaps: list[str] = []
        leads: list[Lead] = []
        for entry in found:
            loc, lastmod = entry.get("loc", ""), entry.get("lastmod")
            if not followable(loc) or not same_site(loc, start):
                continue
            if is_index:
                if sitemap_kind(loc) != "other":
                    sitemaps.append(loc)
                continue
            if kind == "other":
                continue
            if kind == "posts":
                self.learner.add(loc)
            key = canonical_url(loc)
            self.sitemap_listed.add(key)
            if lastmod:
                self.sitemap_lastmods[key] = lastmod
            if not self.config.full and unchanged_in_sitemap(self.known.get(key), lastmod):
                self.visit(loc)  # the sitemap says it has not changed since we archived it
                self._stat_inc("blogarchive/sitemap_skipped")
                continue
            leads.append(Lead(loc, "posts-sitemap" if kind == "posts" else "sitemap", lastmod=lastmod))
        return sitemaps, leads

    def answered(self, url: str, status: int) -> UnchangedItem | GoneItem | None:
        """A known post's 304 (seen again, unchanged) or 404/410 (removed, unless the start page
        failed too tonight: a site down or moved, not deletions)."""
        if status == 304:
            self._stat_inc("blogarchive/not_modified")
            return UnchangedItem(canonical_url(url))
        if self.start_failed:
            self.failed(url, f"HTTP {status}, not marked removed: the start page failed too")
            return None
        return GoneItem(canonical_url(url), status)

    def not_a_post(self, url: str) -> bool:
        """True for the home page, the start page and the listings met: never a post's key."""
        canon = canonical_url(url)
        start = canonical_url(self.config.start_url)
        return urlsplit(canon).path in ("", "/") or canon == start or canon in self.listings

    # --- held pages and evidence -----------------------------------------------------

    def observe(self, page: Page) -> None:
        """Learn the template from a post page."""
        # the template counts each post once: nightly runs add only posts not archived
        # before; a --full run learns it afresh from every post
        if self.config.full or canonical_url(page.url) not in self.known:
            self.template.observe(page.blocks)

    def hold(self, page: Page) -> bool:
        """Learn the template from a post page; True if it must wait (template or evidence)."""
        self.observe(page)
        if not self.template.ready or self.evidence_open:
            self.pending.append(page)
            return True
        return False

    def release(self) -> list[Page]:
        """The posts held that may go now (the template learned, no evidence page open)."""
        if self.evidence_open or not self.template.ready:
            return []
        held, self.pending = self.pending, []
        return held

    def last_held(self) -> list[Page]:
        """Phase 3: every page still held, posts by the URL pattern known posts share, taken
        now with or without a template (the site has too few posts to learn one)."""
        undecided, self.deferred = self.deferred, []
        for page in undecided:
            if self.learner.is_post_shape(page.url):
                self.observe(page)
                self.pending.append(page)
            else:
                self.logger.debug("not taken for a post: %s", page.url)
        held, self.pending = self.pending, []
        return held

    def task(self, page: Page, strong: bool, extract: bool, is_post: bool = False, home: bool = False) -> PageTask:
        """What a page reader needs; `extract`: also extract the article if it is a post."""
        style = self.style()
        return PageTask(url=page.url, body=page.body, content_type=page.content_type, strong=strong,
                        profile=self.config.profile, style=style, extract=extract,
                        template=self.template.view(), is_post=is_post, home=home,
                        dated=self._dated(page, style))  # fmt: skip

    def _dated(self, page: Page, style: DateStyle) -> bool:
        """True when the post's card, feed or API already dates it: evidence that outranks
        htmldate's search over the page text, which is then not worth its time."""
        if page.card is not None and page.card.date_text and style.read(page.card.date_text):
            return True
        claims = self.site_claims.get(canonical_url(page.url), [])
        return any(c.kind == "published" for c in claims)

    def context(self) -> Context:
        """What a post's record needs of the crawl (blogarchive.assemble)."""
        config = self.config
        return Context(config.start_url, config.site, self.style(), self.site_values, self.site_claims, self.not_a_post)

    def post(self, facts: PageFacts, page: Page) -> PostItem | None:
        """A post page's record (blogarchive.assemble), and what the crawl learns from it."""
        with timed(self.stats, "evidence"):
            if (done := assemble(facts, page, self.context())) is None:
                self.failed(page.url, "no article text found")
                return None
            self.learn(done)
            return done.item

    def read_feed(self, body: bytes, text: str, url: str) -> list[str]:
        """A feed page: what it says of each post, the days it covers; its items not met before."""
        claims = feed_claims(body, url)
        self.add_claims(claims)
        self.covered(c.value for found in claims.values() for c in found if c.kind == "published")
        return self.new_feed_items(feed_items(text, url))

    def learn(self, done: Assembled) -> None:
        """What a post's page tells the rest of the crawl: links to follow, other posts' dates."""
        if done.malformed_links:
            self._stat_inc("blogarchive/links_malformed", done.malformed_links)
        self.body_links.update(done.body_links)
        for url, claims in done.widget_claims.items():
            self.widget_claims.setdefault(url, []).extend(claims)
        if done.ignored_canonical:
            stats = self.stats
            if stats is None or not stats.get_value("blogarchive/canonical_ignored"):
                self.logger.warning("rel=canonical points at %s, no post: ignored (first seen on %s)",
                                    done.ignored_canonical, done.item.fetched_url)  # fmt: skip
            self._stat_inc("blogarchive/canonical_ignored")

    def add_claims(self, claims: dict[str, list[Claim]]) -> None:
        for url, found in claims.items():
            self.site_claims.setdefault(url, []).extend(found)

    # --- what the run's record keeps -------------------------------------------------

    def failed(self, url: str, reason: str) -> None:
        """A page that failed: counted, logged and kept for the run's record."""
        self._stat_inc("blogarchive/pages_failed")
        if len(self.failures) < _MAX_FAILURES_KEPT:
            self.failures.append({"url": url, "reason": reason})
        self.logger.warning("%s: %s", reason, url, extra={"page_failure": True})

    def downloaded(self, response: Response, request: Request, **_: Any) -> None:
        """Every response (signal response_downloaded): its redirect, if it is one."""
        location = response.headers.get("Location")
        self.redirected(response.status, request.url, location.decode("latin-1") if location else None,
                        list(request.meta.get("redirect_urls", [])))  # fmt: skip

    def close(self) -> None:
        if not self.shared_reader:  # a shared pool is its process's, closed when all crawls end
            self.reader.close()

    def redirected(self, status: int, request_url: str, location: str | None, chain: list[str]) -> None:
        """Remember redirects: an old slug that answers 301 is an alias of its target."""
        if status not in _REDIRECTS or not location:
            return
        target = urljoin(request_url, location)
        old, new = canonical_url(request_url), canonical_url(target)
        chain = [*chain, request_url]
        # exact URLs: /p → /p/ is a site adding its slash, not a loop; /p → /p/ → /p is
        if target in chain:
            # the redirect would be dropped as a duplicate request, silently: say so
            self.failed(chain[0], f"redirect loop ({' → '.join(chain)} → {target})")
        elif old != new:
            self.redirects[old] = new

    def style(self) -> DateStyle:
        """How this site writes dates, with now as the fetch time (for "3 days ago")."""
        profile = self.config.profile
        tz = ZoneInfo(profile.timezone) if profile and profile.timezone else None
        languages, order = (profile.languages, profile.date_order) if profile else (("en",), None)
        return DateStyle(languages, order, tz, datetime.now(UTC))

    @property
    def stats(self) -> StatsCollector | None:
        """The crawl's stats, once the crawl has started (Scrapy sets them late)."""
        if self.crawler is None:
            return None
        try:
            return self.crawler.stats
        except RuntimeError:  # not set yet: nothing is counted before the crawl starts
            return None

    async def read(self, task: PageTask, urgent: bool = False) -> PageFacts:
        """A page read by the crawl's reader, its CPU time by stage counted in the stats."""
        facts = await self.reader.run(task, urgent)
        for stage, ms in facts.cpu_ms.items():
            self._stat_inc(f"{CPU_STAT}{facts.read_in}/{stage}", round(ms * 1000))
        return facts

    def _stat_inc(self, key: str, count: int = 1) -> None:
        if (stats := self.stats) is not None:
            stats.inc_value(key, count)

    def _stat_set(self, key: str, value: Any) -> None:
        if (stats := self.stats) is not None:
            stats.set_value(key, value)


def attach(crawler: Crawler, state: CrawlState) -> None:
    """Make *state* the crawl's: middlewares, pipelines and extensions find it by the crawler."""
    state.crawler = crawler
    _STATES[crawler] = state
    crawler.signals.connect(state.downloaded, signal=signals.response_downloaded)
    crawler.signals.connect(state.close, signal=signals.spider_closed)


def crawl_state(crawler: Crawler | None) -> CrawlState | None:
    """The state of the crawl *crawler* runs, if its spider is a blogarchive spider."""
    return _STATES.get(crawler) if crawler is not None else None


def crawl_failures(crawler: Crawler | None) -> list[dict[str, str]]:
    """The failed pages the crawl kept for its record (none for another project's spider)."""
    state = crawl_state(crawler)
    return list(state.failures) if state is not None else []
