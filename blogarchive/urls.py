"""URL helpers: canonical form, host checks."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import urldefrag, urlsplit

from courlan import normalize_url

_INDEX_FILE = re.compile(r"/index\.html?$", re.I)
# Files that are never blog posts: not followed as pages.
_NOT_PAGES = re.compile(
    r"\.(jpe?g|png|gif|webp|svg|ico|pdf|zip|mp[34]|mov|docx?|xlsx?|pptx?|css|js|xml|rss|txt)$", re.I
)


# A blog's archive pages by their URL: taxonomies, authors, dates.  Never posts, whatever
# their markup; a post's links to them name its tags, categories and author.
_ARCHIVE_KINDS = (
    ("tag", re.compile(r"/(?:tag|tags|topic|topics|label|labels)/[^/]+/?$|/search/label/[^/]+$", re.I)),
    ("category", re.compile(r"/(?:category|categories)/[^/]+/?$", re.I)),
    ("author", re.compile(r"/(?:author|authors)/[^/]+/?$", re.I)),
    ("date", re.compile(r"^/(?:blog/)?\d{4}/(?:\d{2}/)?(?:\d{2}/)?$", re.I)),
    # /archives/2025 lists posts; WordPress's numeric permalinks (/archives/123) are posts
    ("archive", re.compile(r"/(?:archive|archives)/(?!\d+/?$)[^/]+/?$", re.I)),
)
# Archive kinds that are never a post, whatever their markup says.
NOT_POSTS = ("tag", "category", "author", "date")


class BadURLError(ValueError):
    """A URL the crawler cannot start from."""


@lru_cache(maxsize=65536)  # a crawl asks for the same few thousand URLs again and again
def canonical_url(url: str) -> str:
    """One spelling per page: lower-case scheme and host, no default port, no fragment,
    no tracking parameters, sorted query, no trailing slash except the root."""
    url, _fragment = urldefrag(url.strip())
    parts = urlsplit(url)
    if _INDEX_FILE.search(parts.path):
        # /posts/x/index.html is /posts/x/ on every static host
        url = parts._replace(path=_INDEX_FILE.sub("/", parts.path)).geturl()
    canon = urlsplit(normalize_url(url, strict=False, trailing_slash=False))
    if len(canon.path) > 1 and canon.path.endswith("/"):
        # courlan keeps the slash when a query follows: one form either way
        canon = canon._replace(path=canon.path.rstrip("/") or "/")
    return canon.geturl()


def check_start_url(url: str) -> str:
    """Validate a user-given start URL; return it stripped or raise BadURLError."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError as err:  # "http://[::1": an unclosed IPv6 bracket
        raise BadURLError(f"not a valid URL ({err}): {url!r}") from err
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadURLError(f"not an http(s) URL: {url!r}")
    try:
        parts.port  # noqa: B018 (raises on a malformed port)
    except ValueError as err:
        raise BadURLError(f"bad port in URL: {url!r}") from err
    host = parts.hostname
    if any(c.isspace() for c in host) or len(host) > 253 or any(len(label) > 63 for label in host.split(".")):
        raise BadURLError(f"not a valid host name: {host!r}")
    if parts.username or parts.password:
        # sent to every page and kept in the archive: never in a URL
        raise BadURLError(f"a start URL with a user name or password: remove them from {parts.hostname}'s URL")
    return url


@lru_cache(maxsize=65536)  # every post page links the same tags, categories and pages again
def followable(url: str) -> bool:
    """True for a URL a request can be made of: http(s), a host without spaces, a port in
    range.  Pages carry malformed links (`http://host:99999/x`, `http://[::1/x`); one of
    them must never stop the crawl."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port out of range or not a number
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and bool(host) and not any(c.isspace() for c in host) and port != 0


def is_loopback(url: str) -> bool:
    """True for URLs on this machine (127.0.0.0/8, ::1, localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=65536)
def _site_host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def home_page(url: str) -> str:
    """The site's home page: scheme and host of *url*, path /."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def same_site(url: str, other: str) -> bool:
    """True when both URLs are on the same host (ignoring a leading www.)."""
    return _site_host(url) == _site_host(other)


def looks_like_page(url: str) -> bool:
    """True for an http(s) URL that may be an HTML page (not an image, PDF, feed...)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and not _NOT_PAGES.search(parts.path)


@lru_cache(maxsize=65536)
def archive_kind(url: str) -> str | None:
    """'tag', 'category', 'author', 'date' or 'archive' for a blog's archive page, else None."""
    path = urlsplit(url).path
    return next((kind for kind, pattern in _ARCHIVE_KINDS if pattern.search(path)), None)
