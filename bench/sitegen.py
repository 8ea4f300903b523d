"""The benchmark blog: the demo's clinic-style pages for N posts, with a sitemap."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from blogarchive.demo.site import DemoPost, Page, build_site

# What real themes inline in <head>: the bundled demo's pages are lean; this brings them to ~12 KB.
_STYLE = (
    "<style>"
    + "".join(
        f".theme-block-{i}{{margin:{i % 7}px {i % 5}px;padding:{i % 3}rem;color:#{i * 2654435761 % 0xFFFFFF:06x}}}"
        for i in range(110)
    )
    + "</style>"
)


def site_for(posts: list[DemoPost]) -> Callable[[str], Mapping[str, Page]]:
    """The site's pages for a base URL (sitemap and robots.txt name it)."""

    def pages_for(base: str) -> Mapping[str, Page]:
        pages = {
            path: Page(page.body.replace(b"</head>", _STYLE.encode() + b"</head>", 1), page.content_type)
            for path, page in build_site(posts).items()
        }
        locs = "".join(f"<url><loc>{base}{p.path}</loc><lastmod>{p.date.isoformat()}</lastmod></url>" for p in posts)
        pages["/sitemap.xml"] = Page(
            f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{locs}</urlset>".encode(),
            "application/xml",
        )
        pages["/robots.txt"] = Page(f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n".encode(), "text/plain")
        return pages

    return pages_for
