"""Drop a post already seen in this crawl (reached again through another URL)."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem


class DedupePipeline:
    """Keep the first item per canonical URL; runs after CanonicalURLPipeline."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def process_item(self, item: Any) -> Any:
        if item.url in self.seen:
            raise DropItem(f"duplicate post in this crawl: {item.url}")
        self.seen.add(item.url)
        return item
