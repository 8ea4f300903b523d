"""The record a crawl produces for each post."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class PostItem:
    """One blog post: the article page's own fields merged with its listing card."""

    url: str
    title: str | None = None
    published: str | None = None
    published_raw: str | None = None
    modified: str | None = None
    author: str | None = None
    excerpt: str | None = None
    # "listing", "meta" or "body": where the excerpt came from; the meta description kept too
    excerpt_source: str | None = None
    description: str | None = None
    # field → the source its value came from (jsonld, microformat, feed, listing...: blogarchive.evidence)
    field_sources: dict[str, str] = field(default_factory=dict)
    body_text: str = ""
    body_html: str = ""
    body_markdown: str = ""
    word_count: int = 0
    language: str | None = None
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    # each {"url": absolute URL, "alt": alt text}
    images: list[dict[str, str]] = field(default_factory=list)
    links_internal: list[str] = field(default_factory=list)
    links_outbound: list[str] = field(default_factory=list)
    # images and linked PDFs to download (with --assets), and what was stored for each
    asset_urls: list[str] = field(default_factory=list)
    assets: list[dict[str, Any]] = field(default_factory=list)
    # Other URLs of the same post: redirected old slugs, variants the site canonicalises.
    aliases: list[str] = field(default_factory=list)
    # Where the published date came from: jsonld, meta, time, listing, widget or url;
    # claims that disagree with it; every claim gathered (see blogarchive.evidence).
    date_source: str | None = None
    date_conflicts: list[dict[str, str]] = field(default_factory=list)
    date_evidence: list[dict[str, str]] = field(default_factory=list)
    # The URL the crawl fetched, before canonicalisation; the listing page that linked it.
    fetched_url: str | None = None
    listing_url: str | None = None
    # The card's own title and date text as the listing printed them: the next night's
    # early stop compares its cards with these (like with like), not with the page's.
    card_title: str | None = None
    card_date: str | None = None
    fetched_at: str | None = None
    # HTTP validators and the sitemap's lastmod, for the next night's conditional requests.
    # the name given in a sites file (`crawl --sites`, `--site`): which blog of the archive
    site: str | None = None
    etag: str | None = None
    http_last_modified: str | None = None
    sitemap_lastmod: str | None = None


@dataclass
class UnchangedItem:
    """A known post that answered 304 Not Modified: seen again, nothing to extract."""

    url: str


@dataclass
class GoneItem:
    """A known post that answered 404 or 410: to be marked removed, never deleted."""

    url: str
    status: int


def as_record(item: PostItem | UnchangedItem | GoneItem) -> dict[str, Any]:
    """An item's fields as a dict, shallow: its lists and dicts are not touched again
    (dataclasses.asdict would copy them deeply)."""
    return {f.name: getattr(item, f.name) for f in fields(item)}
