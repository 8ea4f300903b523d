"""Download a post's images and linked PDFs with Scrapy's FilesPipeline, stored by content.

On when BLOGARCHIVE_ASSETS_DIR is set (`blogarchive crawl --assets`).  A file is
saved as <sha256[:2]>/<sha256><ext> of its bytes, so the same image used by ten
posts (or served under two URLs) is stored once.  Files the archive already
holds are not downloaded again on later crawls.
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.pipelines.files import FilesPipeline
from twisted.internet import defer

from blogarchive.storage import Archive


class AssetsPipeline(FilesPipeline):
    FILES_URLS_FIELD = "asset_urls"
    FILES_RESULT_FIELD = "assets"

    def __init__(self, store_uri: str, *, crawler: Crawler) -> None:
        super().__init__(store_uri, crawler=crawler)
        self.root = Path(store_uri)
        self.known: dict[str, dict[str, Any]] = {}
        db = crawler.settings.get("BLOGARCHIVE_DB")
        if db and Path(db).exists():
            archive = Archive(db, readonly=True)
            try:
                self.known = archive.known_assets()
            finally:
                archive.close()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AssetsPipeline:
        folder = crawler.settings.get("BLOGARCHIVE_ASSETS_DIR")
        if not folder:
            # no message: Scrapy then notes the disabled pipeline at INFO, not as a warning on every crawl
            raise NotConfigured
        return cls(str(folder), crawler=crawler)

    def media_to_download(self, request: Request, info: Any, *, item: Any = None) -> Any:
        known = self.known.get(request.url)
        if known and (self.root / known["path"]).exists():
            # stored by an earlier crawl: its content address is already known
            return defer.succeed({**known, "url": request.url, "status": "uptodate"})
        return None  # download it

    def file_path(
        self, request: Request, response: Response | None = None, info: Any = None, *, item: Any = None
    ) -> str:
        ext = PurePosixPath(urlsplit(request.url).path).suffix.lower()
        if response is None:
            # before the download: a name by URL (only used to look for a stored copy)
            return f"by-url/{hashlib.sha1(request.url.encode()).hexdigest()}{ext}"
        if ext not in mimetypes.types_map:
            content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").split(";")[0]
            ext = mimetypes.guess_extension(content_type.strip()) or ""
        digest = hashlib.sha256(response.body).hexdigest()
        return f"{digest[:2]}/{digest}{ext}"
