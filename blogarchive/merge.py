"""Merge an article page with the index card that listed it: one post record."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from blogarchive.evidence import Claim, DateStyle, choose, conflicts, decide, to_json
from blogarchive.extract import Article
from blogarchive.items import PostItem
from blogarchive.listing import Card

# An excerpt made from the body: its first sentences, up to this many characters.
EXCERPT_CHARS = 300
# A summary this long, against the body, is the body itself.
WHOLE_POST = 0.8
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def body_excerpt(text: str, limit: int = EXCERPT_CHARS) -> str | None:
    """The body's first sentences, whole, within *limit* characters (or the first one cut)."""
    paragraph = next((p.strip() for p in text.splitlines() if p.strip()), "")
    out = ""
    for sentence in _SENTENCE_END.split(paragraph):
        if out and len(out) + 1 + len(sentence) > limit:
            break
        out = f"{out} {sentence}".strip()
    return out[:limit] or None


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()


def _summaries(claims: list[Claim], body: str) -> list[Claim]:
    """*claims* without the excerpts that are no summary: one as long as the body (a featured
    card, a full-text feed), and a card that only shows the post's first words (Hexo's and
    Docusaurus's text before "more") when another source states a summary of its own."""
    claims = [c for c in claims if c.kind != "excerpt" or len(c.value) < WHOLE_POST * len(body)]
    text = _words(body)
    # a plain meta description may be the site's tagline on every page: not enough to drop a card
    written = [c for c in claims if c.kind == "excerpt" and c.source not in ("listing", "meta", "body")
               and _words(c.value) not in text]  # fmt: skip
    if written:
        claims = [c for c in claims if not (c.kind == "excerpt" and c.source == "listing" and _words(c.value) in text)]
    return claims


def merge(
    article: Article,
    card: Card | None,
    listing_url: str | None,
    style: DateStyle | None = None,
    extra: list[Claim] | None = None,
) -> PostItem:
    """One post record: every claim about it (the page's, the card's, *extra*: feed, API,
    sitemap, widgets), each field its best claim by source order (blogarchive.evidence).

    The card stands in where the page is silent; its excerpt is the summary the blog
    itself shows, ahead of a meta description; the body's first sentences come last.
    """
    style = style or DateStyle()
    claims = [*article.claims, *(extra or [])]
    if card is not None:
        if card_day := style.read(card.date_text):
            claims.append(Claim("published", "listing", card_day, card.date_text or ""))
        shown = (("title", card.title), ("excerpt", card.excerpt))
        claims += [Claim(kind, "listing", text, text) for kind, text in shown if text]
    claims = _summaries(claims, article.body_text)
    if first := body_excerpt(article.body_text):
        claims.append(Claim("excerpt", "body", first, first))
    fields, sources = decide(claims, style.timezone)
    published = choose(claims, "published")
    internal, outbound = article.links_split()
    return PostItem(
        url=article.url,
        title=fields["title"],
        published=fields["published"],
        published_raw=published.raw if published else (card.date_text if card else None),
        modified=fields["modified"],
        author=fields["author"],
        excerpt=fields["excerpt"],
        excerpt_source=sources.get("excerpt"),
        field_sources=sources,
        description=article.description,
        body_text=article.body_text,
        body_html=article.body_html,
        body_markdown=article.body_markdown,
        word_count=article.word_count,
        language=article.language,
        tags=fields["tags"],
        categories=fields["categories"],
        images=article.images,
        links_internal=internal,
        links_outbound=outbound,
        date_source=published.source if published else None,
        date_conflicts=conflicts(claims, published),
        date_evidence=to_json(claims),
        fetched_url=article.url,
        listing_url=listing_url,
        card_title=card.title if card else None,
        card_date=card.date_text if card else None,
        fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
