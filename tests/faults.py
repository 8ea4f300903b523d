"""A fault-injecting fixture server: per path, a page can misbehave in one of many ways.

Used by tests/test_faults.py and bench/faults.  Every fault is something an old
blog platform, its network or its proxy has been seen to do.
"""

from __future__ import annotations

import gzip
import socket
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from blogarchive.demo.server import run_server
from blogarchive.demo.site import Page

Fault = Callable[[BaseHTTPRequestHandler, Page], None]


def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    for name, value in (headers or {"Content-Type": "text/html; charset=utf-8"}).items():
        h.send_header(name, value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def ok(h: BaseHTTPRequestHandler, page: Page) -> None:
    if page.location:
        _send(h, page.status, b"", {"Location": page.location})
    else:
        _send(h, page.status, page.body, {"Content-Type": page.content_type})


def slow(h: BaseHTTPRequestHandler, page: Page) -> None:
    time.sleep(3)  # longer than the crawl's DOWNLOAD_TIMEOUT in these tests
    ok(h, page)


def status(code: int, **headers: str) -> Fault:
    def fault(h: BaseHTTPRequestHandler, page: Page) -> None:
        _send(h, code, b"<h1>error</h1>", {"Content-Type": "text/html", **headers})

    return fault


def reset(h: BaseHTTPRequestHandler, page: Page) -> None:
    # an RST instead of an answer
    h.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.close_connection = True
    h.request.close()


def truncated(h: BaseHTTPRequestHandler, page: Page) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", str(len(page.body) + 5000))
    h.end_headers()
    h.wfile.write(page.body[: len(page.body) // 3])
    h.close_connection = True


def content_type(value: str | None) -> Fault:
    def fault(h: BaseHTTPRequestHandler, page: Page) -> None:
        _send(h, 200, page.body, {"Content-Type": value} if value else {})

    return fault


def huge(h: BaseHTTPRequestHandler, page: Page) -> None:
    _send(h, 200, b"<html><body>" + b"<p>filler</p>" * 250_000 + b"</body></html>")  # ≈3 MB


def gzip_bomb(h: BaseHTTPRequestHandler, page: Page) -> None:
    bomb = gzip.compress(b"\0" * 200_000_000, compresslevel=9)  # ≈200 KB that inflate to 200 MB
    _send(h, 200, bomb, {"Content-Type": "text/html", "Content-Encoding": "gzip"})


def redirect_loop(h: BaseHTTPRequestHandler, page: Page) -> None:
    target = "/loop-b" if h.path != "/loop-b" else "/loop-a"
    _send(h, 302, b"", {"Location": target})


def nested(h: BaseHTTPRequestHandler, page: Page) -> None:
    _send(h, 200, b"<html><body>" + b"<div><span>" * 60_000 + b"deep" + b"</span></div>" * 60_000 + b"</body></html>")


def invalid_utf8(h: BaseHTTPRequestHandler, page: Page) -> None:
    # a stray byte sequence that is not UTF-8, though the page says it is
    _send(h, 200, page.body.replace(b"<head>", b"<head><!-- \xff\xfe\xc3 -->", 1))


def empty(h: BaseHTTPRequestHandler, page: Page) -> None:
    _send(h, 200, b"")


def sitemap_bomb(h: BaseHTTPRequestHandler, page: Page) -> None:
    lol = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    body = f'<?xml version="1.0"?><!DOCTYPE urlset [{lol}]><urlset><url><loc>&j;</loc></url></urlset>'
    _send(h, 200, body.encode(), {"Content-Type": "application/xml"})


def sitemap_malformed(h: BaseHTTPRequestHandler, page: Page) -> None:
    _send(h, 200, b"<?xml version='1.0'?><urlset><url><loc>http://", {"Content-Type": "application/xml"})


def pagination_trap(h: BaseHTTPRequestHandler, page: Page) -> None:
    """Every ?page=N exists and links to N+1, showing the same first page of cards."""
    n = int(h.path.rsplit("=", 1)[-1]) if "=" in h.path else 1
    body = page.body.replace(
        b"</main>", f'<a class="next" rel="next" href="/blog?page={n + 1}">Next</a></main>'.encode()
    )
    _send(h, 200, body)


def calendar_trap(h: BaseHTTPRequestHandler, page: Page) -> None:
    """Month archives that go back forever, each empty but for a link to the month before."""
    parts = [int(p) for p in h.path.strip("/").split("/")[:2]] if h.path.count("/") >= 2 else [2026, 1]
    year, month = parts if len(parts) == 2 else (2026, 1)
    year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    body = f'<html><body><h1>Archive</h1><p>No posts.</p><a href="/{year}/{month:02d}/">Older</a></body></html>'
    _send(h, 200, body.encode())


@dataclass(frozen=True)
class FaultCase:
    """One fault: where it is put, how it breaks, and what the crawl must still do."""

    name: str
    fault: Fault
    target: str  # "post" (a known post's page), or a path
    expect_error: bool


CASES = [
    FaultCase("slow / timeout", slow, "post", True),
    FaultCase("500", status(500), "post", True),
    FaultCase("502", status(502), "post", True),
    FaultCase("503 Retry-After", status(503, **{"Retry-After": "1"}), "post", True),
    FaultCase("connection reset", reset, "post", True),
    FaultCase("truncated body", truncated, "post", True),
    FaultCase("wrong Content-Type", content_type("application/octet-stream"), "post", False),
    FaultCase("missing Content-Type", content_type(None), "post", False),
    FaultCase("huge page", huge, "post", True),
    FaultCase("gzip bomb", gzip_bomb, "post", True),
    FaultCase("redirect loop", redirect_loop, "post", True),
    FaultCase("absurd nesting", nested, "post", True),
    FaultCase("invalid UTF-8", invalid_utf8, "post", False),
    FaultCase("empty 200", empty, "post", True),
    FaultCase("sitemap entity bomb", sitemap_bomb, "/sitemap.xml", False),
    FaultCase("malformed sitemap", sitemap_malformed, "/sitemap.xml", False),
    FaultCase("pagination trap", pagination_trap, "/blog", False),
    FaultCase("calendar trap", calendar_trap, "calendar", False),
]


class Routes:
    """Pages plus the faults applied to some of their paths; mutable while serving."""

    def __init__(self, pages: dict[str, Page]) -> None:
        self.pages = pages
        self.faults: dict[str, Fault] = {}

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path
        # a fault by exact path, by path without query, or by prefix ("/20*")
        fault = self.faults.get(path) or self.faults.get(path.split("?")[0])
        if fault is None:
            fault = next((f for p, f in self.faults.items() if p.endswith("*") and path.startswith(p[:-1])), None)
        page = self.pages.get(path) or self.pages.get(path.split("?")[0]) or Page(b"<h1>Not found</h1>", status=404)
        (fault or ok)(h, page)


@contextmanager
def serve_faults(routes: Routes) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            try:
                routes.handle(self)
            except (BrokenPipeError, ConnectionResetError, OSError):
                pass  # the client gave up (a timeout, a size limit): that is the point

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    with run_server(Handler) as url:
        yield url


def apply(case: FaultCase, routes: Routes, post_path: str) -> None:
    """Put *case*'s fault in place (the post at *post_path* is the victim of post faults)."""
    routes.faults.clear()
    if case.target == "post":
        if case.fault is redirect_loop:
            routes.pages[post_path] = Page(status=302, location="/loop-a")
            routes.faults["/loop-a"] = routes.faults["/loop-b"] = redirect_loop
        else:
            routes.faults[post_path] = case.fault
    elif case.target == "calendar":
        # the index links an archive month that leads back forever
        blog = routes.pages["/blog"]
        routes.pages["/blog"] = Page(blog.body.replace(b"</main>", b'<a href="/2026/01/">January</a></main>'))
        routes.faults["/20*"] = calendar_trap
    else:
        routes.faults[case.target] = case.fault
