"""Merge an article page with the index card that listed it."""

from __future__ import annotations

from datetime import UTC, datetime

from blogarchive.extract import Article
from blogarchive.items import PostItem
from blogarchive.listing import Card


def merge(article: Article, card: Card | None, listing_url: str | None = None) -> PostItem:
    """One post record: the page's own fields first, the card's where the page is silent.

    The excerpt is the card's when there is one: it is the summary the blog itself
    shows, while a page's meta description is often the same site-wide text.
    """
    # The card's date text is kept raw; the normalise pipeline turns it into a
    # date when the page states none of its own.
    return PostItem(
        url=article.url,
        title=article.title or (card.title if card else None),
        published=article.published,
        published_raw=card.date_text if card else None,
        modified=article.modified,
        author=article.author,
        excerpt=(card.excerpt if card and card.excerpt else None) or article.description,
        body_text=article.body_text,
        body_html=article.body_html,
        body_markdown=article.body_markdown,
        tags=article.tags,
        categories=article.categories,
        images=article.images,
        date_source="page" if article.published else None,
        fetched_url=article.url,
        listing_url=listing_url,
        fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
