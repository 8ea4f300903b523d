"""A downloader middleware that keeps a crawl where it belongs.

- Only http(s) is fetched (no file:, ftp:, or other schemes, whether linked or redirected to).
- A crawl of a public site never reaches into this machine or a private network:
  requests (and redirects) to loopback, private, link-local or reserved addresses are
  dropped. A start URL on such an address (a local mirror, the demo, the tests) may
  crawl it.
- And at connect time: `GuardedResolver` (TWISTED_DNS_RESOLVER) checks the address the
  download will connect to, so a name that resolves to a public address for the check
  above and to an internal one for the download (DNS rebinding) is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from blogarchive.crawlstate import crawl_state

_SCHEMES = {"http", "https"}


@lru_cache(maxsize=256)
def _addresses(host: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]:
    """The addresses *host* stands for (itself if it is one); () when it does not resolve."""
    try:
        return (ipaddress.ip_address(host),)
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return ()  # the download will fail on its own and be counted
    return tuple(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos)


def is_internal(host: str) -> bool:
    """True when *host* is, or resolves to, an address that is not global: loopback, private,
    link-local, reserved, shared (100.64.0.0/10, where cloud metadata services sit), and the
    same behind IPv4-mapped IPv6 (::ffff:10.0.0.1)."""
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    return any(not _unmapped(a).is_global for a in _addresses(host))


def _unmapped(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return mapped or address


# Set when a crawl of this process starts on an internal address: then internal names may
# resolve to internal addresses (a local mirror); otherwise no name may.
_internal_allowed = False


def allow_internal() -> None:
    global _internal_allowed
    _internal_allowed = True


def refused_address(name: str, address: str) -> bool:
    """True when the name *name* resolved to *address*, an internal one, in a public crawl."""
    if _internal_allowed:
        return False
    try:
        ipaddress.ip_address(name)
        return False  # an address given as such was checked by the middleware
    except ValueError:
        pass
    try:
        return not _unmapped(ipaddress.ip_address(address.split("%")[0])).is_global
    except ValueError:
        return True


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's resolver, refusing a name that resolves to an internal address (DNS rebinding):
    the download connects to the address checked here."""

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802  (Twisted's name)
        found: Deferred[str] = super().getHostByName(name, timeout)
        found.addCallback(self._checked, name)
        return found

    @staticmethod
    def _checked(address: Any, name: str) -> Any:
        if refused_address(name, str(address)):
            raise DNSLookupError(f"{name} resolved to {address}, an internal address: refused")
        return address


class SafetyMiddleware:
    """Drop requests with a non-http(s) scheme, or into internal addresses from a public start."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._internal_start: bool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SafetyMiddleware:
        return cls(crawler)

    def _start_is_internal(self, spider: Spider | None) -> bool:
        if self._internal_start is None:
            state = crawl_state(self.crawler)
            start = state.config.start_url if state is not None else getattr(spider, "start_url", "") or ""
            self._internal_start = is_internal(urlsplit(start).hostname or "")
            if self._internal_start:
                allow_internal()
        return self._internal_start

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in _SCHEMES:
            self._refuse(request, f"scheme {parts.scheme or '(none)'} is never fetched")
        spider = spider or self.crawler.spider
        if not self._start_is_internal(spider) and is_internal(parts.hostname or ""):
            self._refuse(request, "a public site's link into a private or loopback address")

    def _refuse(self, request: Request, reason: str) -> None:
        self.crawler.stats.inc_value("blogarchive/refused")
        raise IgnoreRequest(f"refused {request.url}: {reason}")
