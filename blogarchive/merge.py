"""Merge an article page with the index card that listed it: one post record."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from blogarchive.evidence import Claim, DateStyle, choose, conflicts, to_json
from blogarchive.extract import Article
from blogarchive.items import PostItem
from blogarchive.listing import Card

# An excerpt made from the body: its first sentences, up to this many characters.
EXCERPT_CHARS = 300
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


def merge(
    article: Article,
    card: Card | None,
    listing_url: str | None,
    style: DateStyle | None = None,
    extra: list[Claim] | None = None,
) -> PostItem:
    """One post record: the page's own fields first, the card's where the page is silent.

    Dates: every claim (page metadata, the card) is kept as evidence; the best by
    source order wins and disagreements are recorded.  Excerpt: the card's (the
    summary the blog itself shows), else the page's meta description, else the
    body's first sentences; excerpt_source says which.
    """
    style = style or DateStyle()
    claims = [*article.claims, *(extra or [])]
    if card is not None and (card_day := style.read(card.date_text)):
        claims.append(Claim("published", "listing", card_day, card.date_text or ""))
    published, modified = choose(claims, "published"), choose(claims, "modified")
    excerpt, source = None, None
    for candidate, name in ((card.excerpt if card else None, "listing"), (article.description, "meta"),
                            (body_excerpt(article.body_text), "body")):  # fmt: skip
        if candidate:
            excerpt, source = candidate, name
            break
    internal, outbound = article.links_split()
    return PostItem(
        url=article.url,
        title=article.title or (card.title if card else None),
        published=published.value if published else None,
        published_raw=published.raw if published else (card.date_text if card else None),
        modified=modified.value if modified else None,
        author=article.author,
        excerpt=excerpt,
        excerpt_source=source,
        description=article.description,
        body_text=article.body_text,
        body_html=article.body_html,
        body_markdown=article.body_markdown,
        word_count=article.word_count,
        language=article.language,
        tags=article.tags,
        categories=article.categories,
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
