"""Hand-written imitations of each platform's URL scheme, sitemaps, feeds, pagination and markup.

Imitations, written alongside the code: they prove the crawl's mechanics (URL
variants, old slugs that redirect, posts reachable only through the sitemap or
the feed), not that fields come out right on real blogs: that is
tests/corpus/, built by the real generators.  Squarespace, Wix, Blogger and
Medium have no generator to install, so these are all there is of them.

Every site has seven posts.  The index (two pages of three, then two) lists
posts 0-4; post 5 is reachable only through the sitemap and post 6 only
through the feed.  Posts are also linked under variants (tracking parameters,
fragments, the other trailing-slash form, index.html) and one post has an old
slug that answers 301.  Static pages, tag/category archives and author pages
sit beside them and must not be archived.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from xml.sax.saxutils import escape as xml_escape

from blogarchive.demo.site import Page

XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"

TOPICS = ["garden soil", "river walks", "bread baking", "night skies", "old maps", "tide pools", "paper kites"]


@dataclass(frozen=True)
class FixturePost:
    index: int
    slug: str
    title: str
    day: date
    tag: str
    paragraphs: tuple[str, ...]
    path: str = ""

    @property
    def excerpt(self) -> str:
        return self.paragraphs[0]


@dataclass
class Platform:
    """How one platform lays out a blog; the builder turns it into pages."""

    name: str
    post_path: Callable[[FixturePost], str]
    index_paths: tuple[str, str]  # first and second index page
    next_link: str  # HTML of the link to the second index page, {href} filled in
    feed_path: str
    feed_format: str  # "rss" or "atom"
    sitemaps: Callable[[Site], dict[str, str]]  # path -> XML
    robots_sitemap: str | None = "/sitemap.xml"
    post_markup: str = "jsonld"  # "jsonld", "wp", "og", "plain"
    jsonld_type: str = "BlogPosting"
    archive_path: Callable[[str], str] = lambda tag: f"/tag/{tag}/"
    static_paths: tuple[str, ...] = ("/about/", "/contact/")
    static_og: str | None = "website"
    author_path: str | None = None


@dataclass
class Site:
    platform: Platform
    base_posts: list[FixturePost]
    pages: dict[str, Page] = field(default_factory=dict)

    @property
    def posts(self) -> list[FixturePost]:
        return self.base_posts

    def post(self, i: int) -> FixturePost:
        return self.base_posts[i]


def _posts(platform: Platform) -> list[FixturePost]:
    posts = []
    start = date(2025, 6, 5)
    for i, topic in enumerate(TOPICS):
        day = start - timedelta(days=7 * i)
        slug = f"notes-on-{topic.replace(' ', '-')}"
        paras = (
            f"This week we look at {topic} and what a beginner can notice in an afternoon.",
            f"The first thing to know about {topic} is that patience pays more than equipment.",
            f"Keep a small notebook: a line a day about {topic} adds up to a season of observations.",
        )
        post = FixturePost(i, slug, f"Notes on {topic.title()}", day, ["outdoors", "craft"][i % 2], paras)
        posts.append(FixturePost(**{**post.__dict__, "path": platform.post_path(post)}))
    return posts


def _head(title: str, extra: str = "", feed: str = "", feed_type: str = RSS) -> str:
    link = f'<link rel="alternate" type="{feed_type.split(";")[0]}" title="Feed" href="{feed}">' if feed else ""
    return f'<head><meta charset="utf-8"><title>{escape(title)} - Fixture Blog</title>{link}{extra}</head>'


def _chrome(body: str, site: Site) -> str:
    nav = "".join(f'<a href="{p}">{p.strip("/").title()}</a> ' for p in site.platform.static_paths)
    sidebar = "".join(
        # variants on purpose: a tracking parameter on every sidebar link
        f'<li><a href="{p.path}?utm_source=sidebar&utm_medium=web">{escape(p.title)}</a></li>'
        for p in site.posts[:3]
    )
    return (
        f'<body><header><nav><a href="/">Home</a> {nav}</nav></header>{body}'
        f'<aside class="widget"><h3>Popular</h3><ul>{sidebar}</ul></aside>'
        "<footer><p>Fixture Blog, written for blogarchive's tests.</p></footer></body>"
    )


def _post_page(site: Site, post: FixturePost) -> str:
    plat = site.platform
    iso = post.day.isoformat()
    extra = f'<link rel="canonical" href="{post.path}">' if plat.post_markup != "plain" else ""
    if plat.post_markup in ("jsonld", "wp"):
        graph = f'{{"@type":"{plat.jsonld_type}","headline":"{post.title}","datePublished":"{iso}T09:00:00+00:00"}}'
        if plat.post_markup == "wp":  # Yoast's graph: the WebPage holds the Article
            graph = f'{{"@graph":[{{"@type":"WebPage","name":"{post.title}"}},{graph}]}}'
        extra += f'<script type="application/ld+json">{graph}</script><meta property="og:type" content="article">'
        extra += f'<meta property="article:published_time" content="{iso}T09:00:00+00:00">'
    elif plat.post_markup == "og":
        extra += '<meta property="og:type" content="article">'
    others = site.posts[(post.index + 1) % 5]
    body = "".join(f"<p>{escape(p)}</p>" for p in post.paragraphs)
    # in-body link to another post: a fragment and the other trailing-slash form
    other_href = others.path.rstrip("/") if others.path.endswith("/") else others.path + "/"
    if plat.post_markup == "plain":
        other_href = others.path + "index.html"  # static hosts serve /x/ as /x/index.html too
    body += f'<p>See also <a href="{other_href}#comments">{escape(others.title)}</a>.</p>'
    if post.index == 0:  # a link written before post 3 changed its slug
        body += '<p>As we wrote <a href="/old-slug-for-post-3">earlier this spring</a>.</p>'
    tag_link = f'<a rel="tag" href="{plat.archive_path(post.tag)}">{post.tag}</a>'
    author = f'<a href="{plat.author_path}">Robin Vale</a>' if plat.author_path else "Robin Vale"
    article = (
        f'<article class="post"><h1 class="entry-title">{escape(post.title)}</h1>'
        f'<div class="entry-meta">By {author} on <time datetime="{iso}">{post.day:%B} {post.day.day}, {post.day.year}'
        f'</time></div><div class="entry-content">{body}</div><div class="tags">{tag_link}</div></article>'
    )
    head = _head(post.title, extra, plat.feed_path, _feed_type(plat))
    return f"<!DOCTYPE html><html>{head}{_chrome(article, site)}</html>"


def _feed_type(plat: Platform) -> str:
    return ATOM if plat.feed_format == "atom" else RSS


def _card(post: FixturePost, href: str | None = None) -> str:
    return (
        f'<article class="post-card"><h2><a href="{href or post.path}">{escape(post.title)}</a></h2>'
        f'<time datetime="{post.day.isoformat()}">{post.day:%B} {post.day.day}, {post.day.year}</time>'
        f'<p class="summary">{escape(post.excerpt)}</p></article>'
    )


def _listing(site: Site, title: str, posts: list[FixturePost], pager: str = "") -> str:
    plat = site.platform
    extra = f'<meta property="og:type" content="{plat.static_og}">' if plat.static_og else ""
    cards = "".join(_card(p) for p in posts)
    main = f'<main><h1>{escape(title)}</h1><div class="posts">{cards}</div><nav class="pager">{pager}</nav></main>'
    return f"<!DOCTYPE html><html>{_head(title, extra, plat.feed_path, _feed_type(plat))}{_chrome(main, site)}</html>"


def _static(site: Site, path: str) -> str:
    plat = site.platform
    extra = f'<meta property="og:type" content="{plat.static_og}">' if plat.static_og else ""
    if plat.post_markup == "wp":
        extra = '<meta property="og:type" content="article">'  # Yoast says article on pages too...
        extra += '<script type="application/ld+json">{"@graph":[{"@type":"WebPage","name":"About"}]}</script>'
    text = "".join(f"<p>{s} This page describes the blog and how to reach its author by post.</p>" for s in "ABC")
    main = f"<main><h1>{path.strip('/').title()}</h1>{text}</main>"
    return f"<!DOCTYPE html><html>{_head(path, extra)}{_chrome(main, site)}</html>"


def _feed(site: Site, posts: list[FixturePost], origin: str) -> str:
    plat = site.platform
    if plat.feed_format == "atom":
        entries = "".join(
            f'<entry><title>{xml_escape(p.title)}</title><link rel="alternate" type="text/html" '
            f'href="{origin}{p.path}?utm_medium=feed"/><id>tag:fixture,{p.slug}</id>'
            f"<published>{p.day.isoformat()}T09:00:00Z</published></entry>"
            for p in posts
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f'<title>Fixture Blog</title><link rel="self" type="application/atom+xml" href="{origin}{plat.feed_path}"/>'
            f'<link rel="alternate" type="text/html" href="{origin}/"/>{entries}</feed>'
        )
    items = "".join(
        f"<item><title>{xml_escape(p.title)}</title><link>{origin}{p.path}?utm_medium=rss</link>"
        f"<pubDate>{p.day:%a, %d %b %Y} 09:00:00 +0000</pubDate></item>"
        for p in posts
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Fixture Blog</title>'
        f"<link>{origin}/</link>{items}</channel></rss>"
    )


def urlset(origin: str, paths: list[str]) -> str:
    urls = "".join(f"<url><loc>{origin}{p}</loc></url>" for p in paths)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


def sitemapindex(origin: str, paths: list[str]) -> str:
    maps = "".join(f"<sitemap><loc>{origin}{p}</loc></sitemap>" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'
    )


def build(platform: Platform, origin: str) -> Site:
    """All pages of *platform*'s fixture blog, for a server at *origin* (sitemaps need absolute URLs)."""
    site = Site(platform, _posts(platform))
    posts = site.posts
    pages = site.pages
    first, second = platform.index_paths
    pages[first] = Page(_listing(site, "Fixture Blog", posts[:3], platform.next_link.format(href=second)).encode())
    pages[second] = Page(_listing(site, "Fixture Blog, older posts", posts[3:5]).encode())
    for post in posts:
        pages[post.path] = Page(_post_page(site, post).encode())
    for tag in {p.tag for p in posts}:
        tagged = [p for p in posts[:5] if p.tag == tag]  # archives list only indexed posts
        pages[platform.archive_path(tag)] = Page(_listing(site, f"Tag: {tag}", tagged).encode())
    if platform.author_path:
        pages[platform.author_path] = Page(_listing(site, "Robin Vale", posts[:5]).encode())
    for path in platform.static_paths:
        pages[path] = Page(_static(site, path).encode())
    # the feed lists the feed-only post 6 and the newest three; never post 5
    pages[platform.feed_path] = Page(_feed(site, [posts[6], *posts[:3]], origin).encode(), _feed_type(platform))
    for path, xml in platform.sitemaps(site).items():
        pages[path] = Page(xml.replace("{origin}", origin).encode(), XML)
    robots = "User-agent: *\nDisallow: /wp-admin/\n"
    if platform.robots_sitemap:
        robots += f"Sitemap: {origin}{platform.robots_sitemap}\n"
    pages["/robots.txt"] = Page(robots.encode(), "text/plain")
    # an old slug that now redirects to post 3
    pages["/old-slug-for-post-3"] = Page(status=301, location=posts[3].path)
    if "/" not in pages:
        pages["/"] = Page(_static(site, "/home/").replace("</main>", f'<a href="{first}">Blog</a></main>').encode())
    return site


def _sitemap_posts(site: Site) -> list[str]:
    return [p.path for p in site.posts[:6]]  # never the feed-only post 6


def _wp_core(site: Site) -> dict[str, str]:
    o = "{origin}"
    return {
        "/wp-sitemap.xml": sitemapindex(o, ["/wp-sitemap-posts-post-1.xml", "/wp-sitemap-posts-page-1.xml",
                                            "/wp-sitemap-taxonomies-category-1.xml", "/wp-sitemap-users-1.xml"]),
        "/wp-sitemap-posts-post-1.xml": urlset(o, _sitemap_posts(site)),
        "/wp-sitemap-posts-page-1.xml": urlset(o, list(site.platform.static_paths)),
        "/wp-sitemap-taxonomies-category-1.xml": urlset(o, ["/category/outdoors/", "/category/craft/"]),
        "/wp-sitemap-users-1.xml": urlset(o, ["/author/robin/"]),
    }  # fmt: skip


def _yoast(site: Site) -> dict[str, str]:
    o = "{origin}"
    return {
        "/sitemap_index.xml": sitemapindex(o, ["/post-sitemap.xml", "/page-sitemap.xml", "/category-sitemap.xml",
                                               "/post_tag-sitemap.xml", "/author-sitemap.xml"]),
        "/post-sitemap.xml": urlset(o, _sitemap_posts(site)),
        "/page-sitemap.xml": urlset(o, ["/", *site.platform.static_paths]),
        "/category-sitemap.xml": urlset(o, ["/category/outdoors/"]),
        "/post_tag-sitemap.xml": urlset(o, ["/tag/craft/"]),
        "/author-sitemap.xml": urlset(o, ["/author/robin/"]),
    }  # fmt: skip


def _squarespace(site: Site) -> dict[str, str]:
    # one urlset with everything, posts and pages alike
    return {"/sitemap.xml": urlset("{origin}", ["/", "/blog", *site.platform.static_paths, *_sitemap_posts(site)])}


def _wix(site: Site) -> dict[str, str]:
    o = "{origin}"
    return {
        "/sitemap.xml": sitemapindex(o, ["/blog-posts-sitemap.xml", "/pages-sitemap.xml",
                                         "/blog-categories-sitemap.xml"]),
        "/blog-posts-sitemap.xml": urlset(o, _sitemap_posts(site)),
        "/pages-sitemap.xml": urlset(o, ["/", *site.platform.static_paths]),
        "/blog-categories-sitemap.xml": urlset(o, ["/blog/categories/outdoors"]),
    }  # fmt: skip


def _blogger(site: Site) -> dict[str, str]:
    o = "{origin}"
    return {
        "/sitemap.xml": sitemapindex(o, ["/sitemap.xml?page=1"]),
        "/sitemap.xml?page=1": urlset(o, _sitemap_posts(site)),
        "/sitemap-pages.xml": urlset(o, list(site.platform.static_paths)),
    }


def _ghost(site: Site) -> dict[str, str]:
    o = "{origin}"
    return {
        "/sitemap.xml": sitemapindex(o, ["/sitemap-pages.xml", "/sitemap-posts.xml", "/sitemap-authors.xml",
                                         "/sitemap-tags.xml"]),
        "/sitemap-posts.xml": urlset(o, _sitemap_posts(site)),
        "/sitemap-pages.xml": urlset(o, list(site.platform.static_paths)),
        "/sitemap-authors.xml": urlset(o, ["/author/robin/"]),
        "/sitemap-tags.xml": urlset(o, ["/tag/outdoors/", "/tag/craft/"]),
    }  # fmt: skip


def _medium(site: Site) -> dict[str, str]:
    o = "{origin}"
    return {
        "/sitemap/sitemap.xml": sitemapindex(o, ["/sitemap/posts/2025/sitemap.xml"]),
        "/sitemap/posts/2025/sitemap.xml": urlset(o, _sitemap_posts(site)),
    }


def _hugo(site: Site) -> dict[str, str]:
    paths = ["/", "/posts/", *site.platform.static_paths, "/tags/outdoors/", *_sitemap_posts(site)]
    return {"/sitemap.xml": urlset("{origin}", paths)}


PLATFORMS = [
    Platform(
        "wordpress",
        post_path=lambda p: f"/{p.day:%Y/%m/%d}/{p.slug}/",
        index_paths=("/", "/page/2/"),
        next_link='<a class="next page-numbers" href="{href}">Older posts</a>',
        feed_path="/feed/",
        feed_format="rss",
        sitemaps=_wp_core,
        robots_sitemap="/wp-sitemap.xml",
        post_markup="wp",
        jsonld_type="Article",
        archive_path=lambda tag: f"/category/{tag}/",
        author_path="/author/robin/",
    ),
    Platform(
        "wordpress-yoast",
        post_path=lambda p: f"/{p.slug}/",
        index_paths=("/", "/page/2/"),
        next_link='<a class="next page-numbers" href="{href}">Next &raquo;</a>',
        feed_path="/feed/",
        feed_format="rss",
        sitemaps=_yoast,
        robots_sitemap="/sitemap_index.xml",
        post_markup="wp",
        jsonld_type="BlogPosting",
        archive_path=lambda tag: f"/category/{tag}/",
        author_path="/author/robin/",
    ),
    Platform(
        "squarespace",
        post_path=lambda p: f"/blog/{p.slug}",
        index_paths=("/blog", "/blog?offset=1714000000000"),
        next_link='<a href="{href}">Older Posts</a>',
        feed_path="/blog?format=rss",
        feed_format="rss",
        sitemaps=_squarespace,
        archive_path=lambda tag: f"/blog/tag/{tag}",
        static_paths=("/about", "/contact"),
    ),
    Platform(
        "wix",
        post_path=lambda p: f"/post/{p.slug}",
        index_paths=("/blog", "/blog/page/2"),
        next_link='<a aria-label="Next page" href="{href}">Next</a>',
        feed_path="/blog-feed.xml",
        feed_format="rss",
        sitemaps=_wix,
        archive_path=lambda tag: f"/blog/categories/{tag}",
        static_paths=("/about", "/contact"),
    ),
    Platform(
        "blogger",
        post_path=lambda p: f"/{p.day:%Y/%m}/{p.slug}.html",
        index_paths=("/", "/search?updated-max=2025-05-20T10:00:00-07:00&max-results=3"),
        next_link='<a class="blog-pager-older-link" href="{href}" title="Older Posts">Older Posts</a>',
        feed_path="/feeds/posts/default",
        feed_format="atom",
        sitemaps=_blogger,
        archive_path=lambda tag: f"/search/label/{tag}",
        static_paths=("/p/about.html", "/p/contact.html"),
    ),
    Platform(
        "ghost",
        post_path=lambda p: f"/{p.slug}/",
        index_paths=("/", "/page/2/"),
        next_link='<a class="older-posts" href="{href}">Older Posts &rarr;</a>',
        feed_path="/rss/",
        feed_format="rss",
        sitemaps=_ghost,
        jsonld_type="Article",
        author_path="/author/robin/",
    ),
    Platform(
        "medium",
        post_path=lambda p: f"/harbor-notes/{p.slug}-{hashlib.sha1(p.slug.encode()).hexdigest()[:12]}",
        index_paths=("/harbor-notes", "/harbor-notes?page=2"),
        next_link='<a href="{href}">Load more</a>',
        feed_path="/feed/harbor-notes",
        feed_format="rss",
        sitemaps=_medium,
        robots_sitemap="/sitemap/sitemap.xml",
        jsonld_type="NewsArticle",
        archive_path=lambda tag: f"/harbor-notes/tagged/{tag}",
        static_paths=("/harbor-notes/about",),
    ),
    Platform(
        "hugo",
        post_path=lambda p: f"/posts/{p.slug}/",
        index_paths=("/posts/", "/posts/page/2/"),
        next_link='<a href="{href}">Next &raquo;</a>',
        feed_path="/index.xml",
        feed_format="rss",
        sitemaps=_hugo,
        post_markup="plain",
        archive_path=lambda tag: f"/tags/{tag}/",
        static_og=None,
    ),
]
