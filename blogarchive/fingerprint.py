"""Request fingerprints on canonical URLs: a post linked as /p, /p/, /p?utm_source=x
and /p#comments is fetched once."""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.request import RequestFingerprinter

from blogarchive.urls import canonical_url


class CanonicalFingerprinter:
    """Scrapy's fingerprinter, applied to the request's canonical URL.

    A redirect to another spelling of the same URL (/p → /p/) keeps its exact
    URL, or the redirected request would be filtered as a duplicate of itself.
    """

    def __init__(self, crawler: Crawler | None = None) -> None:
        self._scrapy = RequestFingerprinter(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CanonicalFingerprinter:
        return cls(crawler)

    def fingerprint(self, request: Request) -> bytes:
        url = request.url
        if url.startswith(("http://", "https://")):
            canon = canonical_url(url)
            hops = request.meta.get("redirect_urls")
            if canon != url and not (hops and canonical_url(hops[-1]) == canon):
                return self._scrapy.fingerprint(request.replace(url=canon))
        return self._scrapy.fingerprint(request)
