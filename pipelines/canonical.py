"""Give each post its canonical URL, the archive's key."""

from __future__ import annotations

from typing import Any

from blogarchive.items import PostItem
from blogarchive.urls import canonical_url


class CanonicalURLPipeline:
    """Replace item.url by its canonical form; fetched_url keeps what was fetched.

    Aliases (redirected old slugs, fetched variants) are canonicalised too, and an
    alias that is the post's own URL in another spelling is dropped.
    """

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PostItem):
            item.url = canonical_url(item.url)
            return item
        item.fetched_url = item.fetched_url or item.url
        item.url = canonical_url(item.url)
        aliases = (canonical_url(a) for a in item.aliases)
        item.aliases = sorted({a for a in aliases if a != item.url})
        return item
