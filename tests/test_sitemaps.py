"""Sitemaps through blogarchive.sitemaps, the one seam to Scrapy's reader: plain and gzipped."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

from scrapy.http import Response

from blogarchive.demo.server import serve
from blogarchive.demo.site import Page
from blogarchive.sitemaps import entries, sitemap_xml
from tests.helpers import run_cli

URLSET = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
          b"<url><loc>https://b.example/one</loc><lastmod>2025-05-01</lastmod></url></urlset>")  # fmt: skip


def test_plain_and_gzipped_sitemaps_read_alike() -> None:
    for body in (URLSET, gzip.compress(URLSET)):
        xml = sitemap_xml(Response("https://b.example/sitemap.xml.gz", body=body), max_size=1 << 20)
        assert xml is not None
        is_index, found = entries(xml)
        assert (is_index, [e["loc"] for e in found]) == (False, ["https://b.example/one"])
    assert sitemap_xml(Response("https://b.example/sitemap.xml", body=b"<html></html>"), max_size=1 << 20) is None


def test_posts_listed_only_in_a_gzipped_sitemap_are_archived(tmp_path: Path) -> None:
    """A home page that links no post; robots.txt names a gzipped posts sitemap (as many
    sitemap plugins write them): every post in it is archived."""
    pages: dict[str, Page] = {}
    with serve(pages) as url:
        posts = [f"/2025/05/0{i}/post-{i}/" for i in range(1, 4)]
        locs = "".join(f"<url><loc>{url}{path}</loc></url>" for path in posts)
        xml = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
        pages["/"] = Page(b"<html><head><title>Blog</title></head><body><p>Welcome.</p></body></html>")
        pages["/robots.txt"] = Page(f"User-agent: *\nSitemap: {url}/sitemap-posts.xml.gz\n".encode(), "text/plain")
        pages["/sitemap-posts.xml.gz"] = Page(gzip.compress(xml.encode()), "application/gzip")
        for i, path in enumerate(posts, 1):
            body = "".join(f"<p>Post {i}, paragraph {n}: a few words about rest and evenings.</p>" for n in range(5))
            pages[path] = Page(f"<html><head><title>Post {i}</title></head><body><article><h1>Post {i}</h1>"
                               f"{body}</article></body></html>".encode())  # fmt: skip
        db = tmp_path / "a.db"
        result = run_cli("crawl", url + "/", "--db", str(db), "--quiet")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        got = sorted(row[0] for row in conn.execute("select url from posts"))
    assert got == sorted(f"{url}{path}".rstrip("/") for path in posts)
