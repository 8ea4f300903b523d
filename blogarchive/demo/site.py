"""Render the bundled demo blog: a clinic-style site built like the real one.

Posts sit at root-level slugs; /blog is a paginated index of cards (date, title,
excerpt, read-more link); article pages carry nav, footer, a newsletter box and
a recent-posts widget of *other* posts' dates and excerpts, and no visible date
of their own.  The widget uses neutral class names on purpose: extraction must
recognise it by its shape, not by a selector written for this site.
"""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from importlib import resources
from urllib.parse import quote

SITE_NAME = "Harbor Light Psychiatry"
PER_PAGE = 10
WIDGET_SIZE = 10
# One tiny valid PNG (1x1, teal) reused for every post image.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c635058b0000002440161abf7a6580000000049454e44ae426082"
)


@dataclass(frozen=True)
class DemoPost:
    """One post of the demo blog, as its author wrote it."""

    slug: str
    title: str
    date: date
    excerpt: str
    topic: str
    author: str | None = None
    tags: tuple[str, ...] = ()
    paragraphs: tuple[str, ...] = field(default=(), compare=False)

    @property
    def path(self) -> str:
        return f"/{self.slug}"

    @property
    def date_text(self) -> str:
        """The date as the site prints it, e.g. 'February 5, 2026'."""
        return f"{self.date:%B} {self.date.day}, {self.date.year}"

    @property
    def has_image(self) -> bool:
        return len(self.slug) % 3 == 0


@dataclass(frozen=True)
class Page:
    """A response the demo server gives for one path (a redirect when location is set)."""

    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str | None = None
    # the server sends ETag and Last-Modified for it (and answers 304 when they match)
    validators: bool = True


def load_posts(limit: int | None = None) -> list[DemoPost]:
    """Load the bundled posts, newest first, with their generated bodies."""
    raw = tomllib.loads(resources.files(__package__).joinpath("posts.toml").read_text("utf-8"))
    posts = []
    for entry in raw["post"][:limit]:
        post = DemoPost(
            slug=entry["slug"],
            title=entry["title"],
            date=date.fromisoformat(entry["date"]),
            excerpt=entry["excerpt"],
            topic=entry["topic"],
            author=entry.get("author"),
            tags=tuple(entry.get("tags", ())),
        )
        posts.append(_with_body(post))
    return sorted(posts, key=lambda p: p.date, reverse=True)


def synthetic_posts(n: int, newest: date = date(2026, 11, 1)) -> list[DemoPost]:
    """n posts for benchmarks, newest first, one a day: the bundled posts' topics and
    authors reused, each with its own slug, title, excerpt and body."""
    base = load_posts()
    posts = []
    for i in range(n):
        model = base[i % len(base)]
        post = DemoPost(
            slug=f"{model.slug}-{i + 1}",
            title=f"{model.title}, part {i + 1}",
            date=newest - timedelta(days=i),
            excerpt=f"{model.excerpt} Note {i + 1} in the series.",
            topic=model.topic,
            author=model.author,
        )
        posts.append(_with_body(post))
    return posts


# Sentence pools for the generated bodies; {topic} is filled per post.
_OPENERS = [
    "Most people meet {topic} at some point, yet few talk about it openly.",
    "Patients often ask us about {topic} during their first weeks of care.",
    "There is a lot of advice about {topic}, and not all of it is helpful.",
    "It is easy to underestimate how much {topic} colours an ordinary day.",
]
_SECTIONS = [
    (
        "Why it matters",
        [
            "Left alone, {topic} can shape sleep, concentration and relationships in ways that build on each other.",
            "Noticing a pattern early gives you more choices about how to respond to {topic}.",
        ],
    ),
    (
        "Signs worth noticing",
        [
            "Changes in appetite, energy or patience can all be quiet signals connected to {topic}.",
            "Friends and family sometimes notice the shift before we do, which is why their observations are worth hearing.",
        ],
    ),
    (
        "What you can try this week",
        [
            "Start with one change small enough that it feels almost too easy, and keep it for seven days.",
            "Write down what helped and what did not; the notes make the next conversation with your clinician more useful.",
        ],
    ),
    (
        "When to reach out",
        [
            "If {topic} is getting in the way of work, school or rest for more than two weeks, it is reasonable to ask for an evaluation.",
            "Anyone having thoughts of self-harm should seek urgent help straight away by calling or texting 988 in the United States.",
        ],
    ),
    (
        "How our clinicians help",
        [
            "Treatment plans here combine conversation, skills practice and, where it fits, medication, reviewed together at each visit.",
            "We adjust the plan as life changes, so nobody is locked into an approach that has stopped working.",
        ],
    ),
]
_LISTS = [
    ["Keep a regular wake-up time", "Step outside for daylight before noon", "Limit caffeine after lunch"],
    ["Name the feeling out loud", "Take three slow breaths", "Choose one next step"],
    ["Schedule a short walk", "Text one person you trust", "Put your phone away an hour before bed"],
    ["Track your mood for a week", "Bring the notes to your visit", "Ask what the next step will be"],
]
_CLOSERS = [
    "If you would like to talk about {topic} with one of our clinicians, our front desk can help you find a time.",
    "Progress with {topic} is rarely a straight line, and every small step still counts.",
    "Questions about {topic} are always welcome at your next appointment.",
]


def _with_body(post: DemoPost) -> DemoPost:
    """Give a post its paragraphs, generated deterministically from its slug."""
    rng = random.Random(post.slug)
    fill = {"topic": post.topic}
    paras = [post.excerpt, rng.choice(_OPENERS).format(**fill)]
    for heading, sentences in rng.sample(_SECTIONS, 3):
        paras.append(f"## {heading}")
        paras.append(" ".join(s.format(**fill) for s in sentences))
    paras.append("- " + "\n- ".join(rng.choice(_LISTS)))
    paras.append(rng.choice(_CLOSERS).format(**fill))
    return DemoPost(**{**post.__dict__, "paragraphs": tuple(paras)})


def _body_html(post: DemoPost) -> str:
    parts = []
    for i, para in enumerate(post.paragraphs):
        if para.startswith("## "):
            parts.append(f"<h2>{escape(para[3:])}</h2>")
        elif para.startswith("- "):
            items = "".join(f"<li>{escape(x[2:])}</li>" for x in para.split("\n"))
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append(f"<p>{escape(para)}</p>")
        if i == 1 and post.has_image:
            parts.append(
                f'<figure><img src="/images/{post.slug}.png" alt="Illustration for {escape(post.title)}"></figure>'
            )
    return "\n".join(parts)


_NAV = [("/", "Home"), ("/about", "About Us"), ("/services", "Services"), ("/blog", "Blog"), ("/contact", "Contact")]


def _layout(title: str, main: str) -> str:
    nav = "".join(f'<li><a href="{href}">{label}</a></li>' for href, label in _NAV)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)} | {SITE_NAME}</title>
<meta name="description" content="{SITE_NAME} offers outpatient psychiatric care for children, teens and adults.">
<meta property="og:site_name" content="{SITE_NAME}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;margin:0}} .wrap{{max-width:60rem;margin:auto}}</style>
</head>
<body>
<header class="site-header"><div class="wrap"><a class="logo" href="/">{SITE_NAME}</a>
<nav><ul class="menu">{nav}</ul></nav>
<a class="cta" href="/contact">Book an appointment</a></div></header>
<main><div class="wrap">
{main}
</div></main>
<div class="signup"><h3>Stay in touch</h3>
<p>Join our monthly newsletter for clinic updates and wellness tips.</p>
<form action="/subscribe"><input type="email" name="email"><button>Subscribe</button></form></div>
<footer class="site-footer"><div class="wrap">
<p>{SITE_NAME} &middot; 400 Lantern Way, Suite 12, Portsmouth, NH 03801</p>
<p>Phone (603) 555-0142 &middot; Open Monday to Friday, 8am to 6pm</p>
<p>&copy; 2026 {SITE_NAME}. All rights reserved. <a href="/privacy">Privacy policy</a></p>
</div></footer>
</body>
</html>
"""


def _widget(post: DemoPost, posts: list[DemoPost], size: int) -> str:
    others = [p for p in posts if p.slug != post.slug][:size]
    entries = []
    for i, other in enumerate(others):
        # Like the real site: some entries show the title, most the excerpt.
        label = other.title if i < 2 else other.excerpt
        entries.append(
            f'<div class="module-item"><div class="module-date">{other.date_text}</div>'
            f'<div class="module-text"><a href="{other.path}">{escape(label)}</a></div></div>'
        )
    return f'<div class="module"><h3 class="module-title">Recent Posts</h3>{"".join(entries)}</div>'


def render_post(post: DemoPost, posts: list[DemoPost], widget_size: int = WIDGET_SIZE) -> str:
    """The article page: title, optional byline, body, tags, widget; no date."""
    byline = f'<p class="byline">By {escape(post.author)}</p>' if post.author else ""
    tags = "".join(f'<a rel="tag" href="/blog/tag/{quote(t)}">{escape(t)}</a> ' for t in post.tags)
    main = f"""<div class="content-area">
<div class="blog-post">
<h1 class="post-title">{escape(post.title)}</h1>
{byline}
<div class="post-body">
{_body_html(post)}
<p class="cta">Ready to talk? Call (603) 555-0142 or book online to see one of our clinicians this week.</p>
</div>
<div class="post-tags">Tags: {tags}</div>
<div class="share">Share this post: <a href="https://example.invalid/share">Share</a></div>
</div>
{_widget(post, posts, widget_size)}
</div>"""
    return _layout(post.title, main)


def _cards(chunk: list[DemoPost]) -> str:
    return "\n".join(
        f"""<div class="blog-card">
<p class="card-date">{p.date_text}</p>
<h2 class="card-title"><a href="{p.path}">{escape(p.title)}</a></h2>
<p class="card-excerpt">{escape(p.excerpt)}</p>
<a class="card-more" href="{p.path}">Read More</a>
</div>"""
        for p in chunk
    )


def render_tag(posts: list[DemoPost], tag: str) -> str:
    """A tag archive: the cards of every post with that tag."""
    chunk = [p for p in posts if tag in p.tags]
    return _layout(
        f"Posts tagged {tag}", f'<h1>Tag: {escape(tag)}</h1>\n<div class="blog-list">\n{_cards(chunk)}\n</div>'
    )


def render_index(posts: list[DemoPost], page: int) -> str:
    """One page of the blog index: cards and pagination links."""
    pages = max(1, -(-len(posts) // PER_PAGE))
    cards = _cards(posts[(page - 1) * PER_PAGE : page * PER_PAGE])
    links = []
    if page > 1:
        prev = "/blog" if page == 2 else f"/blog?page={page - 1}"
        links.append(f'<a class="pager-prev" href="{prev}">&laquo; Newer posts</a>')
    links += [
        f'<a class="pager-num" href="/blog?page={n}">{n}</a>' if n != page else f"<span>{n}</span>"
        for n in range(1, pages + 1)
    ]
    if page < pages:
        links.append(f'<a class="pager-next" href="/blog?page={page + 1}">Next &raquo;</a>')
    main = f'<h1>Blog</h1>\n<div class="blog-list">\n{cards}\n</div>\n<div class="pager">{" ".join(links)}</div>'
    return _layout("Blog", main)


def build_site(posts: list[DemoPost], widget_size: int = WIDGET_SIZE) -> dict[str, Page]:
    """Every page of the demo site, keyed by path (with query, if any)."""
    site: dict[str, Page] = {}
    pages = max(1, -(-len(posts) // PER_PAGE))
    for n in range(1, pages + 1):
        html = render_index(posts, n).encode()
        site[f"/blog?page={n}"] = Page(html)
        if n == 1:
            site["/blog"] = site["/blog?page=1"]
    for post in posts:
        site[post.path] = Page(render_post(post, posts, widget_size).encode())
        if post.has_image:
            site[f"/images/{post.slug}.png"] = Page(PNG_BYTES, "image/png")
    for tag in sorted({t for p in posts for t in p.tags}):
        site[f"/blog/tag/{quote(tag)}"] = Page(render_tag(posts, tag).encode())
    for path, label in _NAV:
        if path != "/blog":
            site[path] = Page(_layout(label, f"<h1>{label}</h1><p>{SITE_NAME} welcomes new patients.</p>").encode())
    site["/robots.txt"] = Page(b"User-agent: *\nAllow: /\n", "text/plain")
    return site
