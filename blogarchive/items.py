"""The record a crawl produces for each post."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


def _field(default: Any = None, *, export: str | None = None, content: bool = False, stored: bool = True,
           archive: bool = False, factory: Any = None) -> Any:
    """A post field and what the archive does with it.

    export: "default" (every export, in declaration order) or "optional" (`--fields`);
    content: a change to it makes a new version (the content hash); stored: a column of
    the posts table; archive: set by the archive itself, never by a crawl's record.
    """
    meta = {"export": export, "content": content, "stored": stored, "archive": archive}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class PostItem:
    """One blog post: the article page's own fields merged with its listing card.

    The one declaration of a post's fields: the posts table's columns, the export
    columns and their order, and the content hash's fields are derived from it
    (POSTS_SCHEMA, CONTENT_FIELDS, JSON_FIELDS in blogarchive.storage; EXPORT_FIELDS).
    Exported fields come first, in the export's column order: users script against it.
    """

    url: str = field(metadata={"export": "default", "content": False, "stored": True, "archive": False})
    title: str | None = _field(export="default", content=True)
    published: str | None = _field(export="default", content=True)
    published_raw: str | None = _field(export="default")
    modified: str | None = _field(export="default", content=True)
    author: str | None = _field(export="default", content=True)
    excerpt: str | None = _field(export="default", content=True)
    # "listing", "meta" or "body": where the excerpt came from; the meta description kept too
    excerpt_source: str | None = _field(export="default")
    description: str | None = _field(export="default")
    body_text: str = _field("", export="default", content=True)
    body_html: str = _field("", export="default", content=True)
    body_markdown: str = _field("", export="default")
    word_count: int = _field(0, export="default")
    language: str | None = _field(export="default")
    tags: list[str] = _field(export="default", content=True, factory=list)
    categories: list[str] = _field(export="default", content=True, factory=list)
    # each {"url": absolute URL, "alt": alt text}
    images: list[dict[str, str]] = _field(export="default", content=True, factory=list)
    # Other URLs of the same post: redirected old slugs, variants the site canonicalises.
    aliases: list[str] = _field(export="default", factory=list)
    links_internal: list[str] = _field(export="default", factory=list)
    links_outbound: list[str] = _field(export="default", factory=list)
    # Where the published date came from: jsonld, meta, time, listing, widget or url;
    # claims that disagree with it; every claim gathered (see blogarchive.evidence).
    date_source: str | None = _field(export="default")
    date_conflicts: list[dict[str, str]] = _field(export="default", factory=list)
    date_evidence: list[dict[str, str]] = _field(export="default", factory=list)
    # the archive's bookkeeping: when the post was first and last seen, its content's hash
    first_seen: str | None = _field(export="default", archive=True)
    # last_seen moves every night a post is seen: by name only, so that a nightly export
    # committed to git changes only when a post did
    last_seen: str | None = _field(export="optional", archive=True)
    content_hash: str | None = _field(export="default", archive=True)
    # the name given in a sites file (`crawl --sites`, `--site`): which blog of the archive
    site: str | None = _field(export="default")
    # field → the source its value came from (jsonld, microformat, feed, listing...: blogarchive.evidence)
    field_sources: dict[str, str] = _field(export="default", factory=dict)
    # when the post answered 404/410 (kept, never deleted); the post an old URL of it became
    removed_at: str | None = _field(export="optional", archive=True)
    moved_to: str | None = _field(export="optional", archive=True)
    # images and linked PDFs to download (with --assets), and what was stored for each
    asset_urls: list[str] = _field(stored=False, factory=list)
    assets: list[dict[str, Any]] = _field(stored=False, factory=list)
    # The URL the crawl fetched, before canonicalisation; the listing page that linked it.
    fetched_url: str | None = _field()
    listing_url: str | None = _field()
    # The card's own title and date text as the listing printed them: the next night's
    # early stop compares its cards with these (like with like), not with the page's.
    card_title: str | None = _field()
    card_date: str | None = _field()
    fetched_at: str | None = _field()
    # HTTP validators and the sitemap's lastmod, for the next night's conditional requests.
    etag: str | None = _field()
    http_last_modified: str | None = _field()
    sitemap_lastmod: str | None = _field()


def post_fields(**wanted: Any) -> tuple[str, ...]:
    """The names of PostItem's fields whose metadata has the *wanted* values, in declaration order."""
    return tuple(f.name for f in fields(PostItem) if all(f.metadata.get(k) == v for k, v in wanted.items()))


def post_field_types() -> dict[str, str]:
    """Each field's declared type, as written (the module uses postponed annotations)."""
    return {f.name: str(f.type) for f in fields(PostItem)}


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
    (dataclasses.asdict would copy them deeply); never the archive's own bookkeeping."""
    return {f.name: getattr(item, f.name) for f in fields(item) if not f.metadata.get("archive")}
