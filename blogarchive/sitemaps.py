"""Sitemaps: Scrapy's reader, gzipped files (.xml.gz) included; the one place that touches it.

A sitemap is served gzipped as a file (application/gzip, `sitemap.xml.gz`) or
with Content-Encoding (which Scrapy's middleware undoes first); either way its
body reaches `entries` as XML, or nothing is read from it.
"""

from __future__ import annotations

from collections.abc import Iterator

from scrapy.http import Response
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap


def sitemap_xml(response: Response, max_size: int) -> bytes | None:
    """The sitemap's XML, gunzipped if the file is gzip; None for anything not a sitemap."""
    body = response.body
    if gzip_magic_number(response):
        body = gunzip(body, max_size=max_size)
    head = body[:1000]
    return body if b"<urlset" in head or b"<sitemapindex" in head else None


def entries(xml: bytes) -> tuple[bool, Iterator[dict[str, str]]]:
    """(is a sitemap index, its entries: loc, lastmod...)."""
    sitemap = Sitemap(xml)
    return sitemap.type == "sitemapindex", iter(sitemap)
