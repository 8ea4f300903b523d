"""Finding a blog's posts: sitemaps, feeds, archives, and telling posts from other pages.

Fetching is the spider's job; these are the pure decisions it makes on what it fetched.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from blogarchive.evidence import jsonld_objects, jsonld_types
from blogarchive.seams.trafilatura_api import announced_feeds, feed_links
from blogarchive.urls import NOT_POSTS, archive_kind, looks_like_page, same_site

# Sitemaps that list pages, taxonomies, authors or shop items rather than posts, by the
# names WordPress core, Yoast/Rank Math, Wix, Ghost and Blogger give them.
_OTHER_SITEMAP = re.compile(
    r"(?:^|[-_/])(?:pages?|categor(?:y|ies)|tags?|post_tag|authors?|users?|taxonom(?:y|ies)|"
    r"attachments?|products?|product_cat|events?|portfolio)(?:[-_.]|$)"
)
_POSTS_SITEMAP = re.compile(r"wp-sitemap-posts-post-|blog-posts|(?:^|/)sitemap-posts\.|(?:^|/)post-sitemap")
# Archive pages that list posts: categories, tags, labels, topics, dates.
ARTICLE_TYPES = {"Article", "BlogPosting", "NewsArticle", "TechArticle", "SocialMediaPosting", "Report",
                 "LiveBlogPosting", "OpinionNewsArticle", "ReportageNewsArticle", "ScholarlyArticle"}  # fmt: skip
PAGE_TYPES = {"WebPage", "AboutPage", "ContactPage", "CollectionPage", "ProfilePage", "SearchResultsPage",
              "ItemPage", "FAQPage", "CheckoutPage", "MedicalWebPage"}  # fmt: skip


MAX_FEED_PAGES = 200  # WordPress ?paged=N: a bound against feeds that never run dry


def sitemap_kind(url: str) -> str:
    """'posts', 'other' or 'mixed': what the sitemap at *url* lists, judged by its file name."""
    path = urlsplit(url).path.lower()
    if _POSTS_SITEMAP.search(path):
        return "posts"
    if _OTHER_SITEMAP.search(path.rsplit("/", 1)[-1]):
        return "other"
    return "mixed"


def feed_urls(page: str | HtmlElement, page_url: str) -> list[str]:
    """Feeds a page (its HTML or parsed tree) announces (<link rel="alternate"> RSS/Atom/JSON), on the same site."""
    return [u for u in announced_feeds(page, page_url) if same_site(u, page_url)]


def feed_items(feed_text: str, feed_url: str) -> list[str]:
    """Post links listed in an RSS, Atom or JSON feed, on the same site.

    trafilatura's find_links parses the feed; its extract_links would also run
    courlan's filters, which refuse hosts given as IP addresses (a local mirror).
    """
    links = (urljoin(feed_url, link) for link in feed_links(feed_text, feed_url))
    # a feed's channel link is the blog's home page, not a post
    return [
        u for u in dict.fromkeys(links)
        if same_site(u, feed_url) and looks_like_page(u) and urlsplit(u).path.strip("/")
    ]  # fmt: skip


def next_feed_page(feed_url: str, read: int = 0) -> str | None:
    """WordPress feeds page with ?paged=N: the URL of the next feed page, or None (also after
    *read* pages reach MAX_FEED_PAGES)."""
    parts = urlsplit(feed_url)
    if read >= MAX_FEED_PAGES or not (parts.path.rstrip("/").endswith("/feed") or "feed=" in parts.query):
        return None
    match = re.search(r"(?:^|&)paged=(\d+)", parts.query)
    page = int(match[1]) + 1 if match else 2
    query = re.sub(r"(?:^|&)paged=\d+", "", parts.query).strip("&")
    query = f"{query}&paged={page}" if query else f"paged={page}"
    return parts._replace(query=query).geturl()


def archive_links(tree: HtmlElement, page_url: str) -> list[str]:
    """Links to category, tag, label and date archive pages of the same site."""
    found = []
    for a in tree.iter("a"):
        href = a.get("href")
        if href and href.startswith("http") and same_site(href, page_url):
            if archive_kind(href) in ("tag", "category", "date", "archive"):
                found.append(href.split("#")[0])
    return list(dict.fromkeys(found))


def url_shape(url: str) -> tuple[str, ...]:
    """The pattern a post URL follows: literal directories, year/month numbers, the slug.

    /2025/05/my-post/ → ('{4}', '{2}', '*/'); /blog/my-post → ('blog', '*');
    /2025/05/my-post.html → ('{4}', '{2}', '*.html'); /my-post → ('*',).
    """
    path = urlsplit(url).path
    segments = [s for s in path.split("/") if s]
    if not segments:
        return ()
    shape = [f"{{{len(s)}}}" if s.isdigit() else s.lower() for s in segments[:-1]]
    last = segments[-1]
    ext = re.search(r"\.[a-z0-9]{2,5}$", last, re.I)
    if last.isdigit():
        shape.append(f"{{{len(last)}}}")
    else:
        shape.append("*" + (ext[0].lower() if ext else ""))
    if path.endswith("/"):
        shape[-1] += "/"
    return tuple(shape)


class ShapeLearner:
    """Learns the URL patterns of posts from URLs known to be posts (cards, feeds, post sitemaps)."""

    def __init__(self) -> None:
        self.shapes: Counter[tuple[str, ...]] = Counter()

    def add(self, url: str) -> None:
        self.shapes[url_shape(url)] += 1

    def is_post_shape(self, url: str) -> bool:
        """True when *url* follows a pattern at least two known posts share.

        A bare root-level slug ('/my-post') says nothing: static pages look the same.
        """
        shape = url_shape(url)
        return len(shape) > 1 and self.shapes[shape] >= 2


@dataclass(frozen=True)
class Evidence:
    """What a page says about itself."""

    jsonld_types: frozenset[str]
    og_type: str | None
    cards: int
    # articles the JSON-LD describes: two or more make a listing (a Blog with its blogPost list)
    articles: int = 0

    @property
    def says_article(self) -> bool:
        # JSON-LD is the more specific statement: Yoast marks static pages og:type
        # article but describes them as a WebPage with no Article in it.
        if self.articles > 1:
            return False
        if self.jsonld_types & ARTICLE_TYPES:
            return True
        return not self.jsonld_types & PAGE_TYPES and self.og_type == "article"

    @property
    def says_not_article(self) -> bool:
        if self.articles > 1:
            return True
        if self.jsonld_types & ARTICLE_TYPES:
            return False
        return bool(self.jsonld_types & PAGE_TYPES) or self.og_type in {"website", "profile", "blog"}


def page_evidence(tree: HtmlElement, cards: int) -> Evidence:
    og = tree.xpath('string(//meta[@property="og:type"]/@content)').strip().lower() or None
    kinds = [jsonld_types(obj) for obj in jsonld_objects(tree)]
    articles = sum(1 for k in kinds if k & ARTICLE_TYPES)
    return Evidence(jsonld_types=frozenset().union(*kinds), og_type=og, cards=cards, articles=articles)


def classify(evidence: Evidence, strong_source: bool, learner: ShapeLearner, url: str) -> str:
    """'post', 'not' or 'unknown' (decide later, when more post URLs are known).

    strong_source: the URL came from a listing card, a feed item or a posts sitemap.
    """
    if archive_kind(url) in NOT_POSTS:
        return "not"  # a tag, category, author or date archive, however its theme marks it up
    if evidence.says_article:
        return "post"
    if evidence.says_not_article:
        return "not"  # a static page or an archive, by its own markup
    if strong_source:
        return "post"  # its dated links, if any, are a recent-posts widget
    if evidence.cards >= 2:
        return "not"  # a listing: index, category, tag or author page
    if learner.is_post_shape(url):
        return "post"
    return "unknown"
