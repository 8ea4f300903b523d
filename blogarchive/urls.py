"""URL helpers: canonical form, host checks."""

from __future__ import annotations

import ipaddress
from urllib.parse import urldefrag, urlsplit

from courlan import normalize_url


class BadURLError(ValueError):
    """A URL the crawler cannot start from."""


def canonical_url(url: str) -> str:
    """One spelling per page: lower-case scheme and host, no default port, no fragment,
    no tracking parameters, sorted query, no trailing slash except the root."""
    url, _fragment = urldefrag(url.strip())
    return normalize_url(url, strict=False, trailing_slash=False)


def check_start_url(url: str) -> str:
    """Validate a user-given start URL; return it stripped or raise BadURLError."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadURLError(f"not an http(s) URL: {url!r}")
    try:
        parts.port  # noqa: B018 (raises on a malformed port)
    except ValueError as err:
        raise BadURLError(f"bad port in URL: {url!r}") from err
    return url


def is_loopback(url: str) -> bool:
    """True for URLs on this machine (127.0.0.0/8, ::1, localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def same_site(url: str, other: str) -> bool:
    """True when both URLs are on the same host (ignoring a leading www.)."""

    def host(u: str) -> str:
        h = (urlsplit(u).hostname or "").lower()
        return h.removeprefix("www.")

    return host(url) == host(other)
