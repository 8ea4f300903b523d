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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from blogarchive.discovery import ShapeLearner
from blogarchive.evidence import Claim, DateStyle
from blogarchive.listing import Card
from blogarchive.pagework import PagePool
from blogarchive.profiles import Profile, ProfileError, load_profile, profile_for
from blogarchive.sites import check_site_name
from blogarchive.template import TemplateLearner
from blogarchive.urls import canonical_url, check_start_url, followable

if TYPE_CHECKING:
    from blogarchive.fetch import Page

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
        resume: str | None = None,
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
            resume=json.loads(Path(resume).read_text()) if resume else None,
        )

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
    start_failed: bool = False  # the start page answered an error: no post is marked removed
    # the frontier
    visited: set[str] = field(default_factory=set)
    cards_seen: set[str] = field(default_factory=set)
    listings: set[str] = field(default_factory=set)  # pages read as listings (never a post's key)
    feeds: set[str] = field(default_factory=set)
    feeds_read: set[str] = field(default_factory=set)
    feed_seen: set[str] = field(default_factory=set)
    feed_links: list[str] = field(default_factory=list)  # feed items met in phase 1, requested in phase 2
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
    learner: ShapeLearner = field(default_factory=ShapeLearner)
    template: TemplateLearner = field(default_factory=TemplateLearner)
    reader: PagePool = field(default_factory=lambda: PagePool(workers=0, start_after=0))
    # distributed mode: tells whether other workers still find pages of this phase
    frontier: Frontier | None = None

    # --- the archive's word -------------------------------------------------------

    def remember(self, known: dict[str, dict[str, Any]], previous: dict[str, Any] | None) -> None:
        """What the archive holds of this blog, and whether its last run allows an early stop."""
        self.known = known
        # the early stop trusts the archive to hold every older post: only true after a
        # run that finished cleanly (not killed, interrupted, capped, nor with failed pages)
        self.may_stop_early = previous is not None and previous["status"] in ("ok", "warnings")
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
        not_revisited = sum(1 for url, k in self.known.items() if url not in self.visited and not k["removed_at"])
        self._stat_set("blogarchive/not_revisited", not_revisited)
        return []

    # --- the frontier ------------------------------------------------------------

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

    def add_claims(self, claims: dict[str, list[Claim]]) -> None:
        for url, found in claims.items():
            self.site_claims.setdefault(url, []).extend(found)

    # --- what the run's record keeps -------------------------------------------------

    def failed(self, url: str, reason: str) -> None:
        """A page that failed: counted, logged and kept for the run's record."""
        self._stat_inc("blogarchive/pages_failed")
        if len(self.failures) < _MAX_FAILURES_KEPT:
            self.failures.append({"url": url, "reason": reason})
        self.logger.warning("%s: %s", reason, url)

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


def crawl_state(crawler: Crawler | None) -> CrawlState | None:
    """The state of the crawl *crawler* runs, if its spider is a blogarchive spider."""
    return _STATES.get(crawler) if crawler is not None else None


def crawl_failures(crawler: Crawler | None) -> list[dict[str, str]]:
    """The failed pages the crawl kept for its record (none for another project's spider)."""
    state = crawl_state(crawler)
    return list(state.failures) if state is not None else []
