"""Serve a dict of pages on 127.0.0.1 from a background thread."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from blogarchive.demo.site import Page

_LAST_MODIFIED = "Wed, 01 Jan 2025 00:00:00 GMT"
_NOT_FOUND = Page(b"<html><body><h1>Not found</h1></body></html>", status=404)


def _lookup(pages: Mapping[str, Page], target: str) -> Page:
    """The page for a request target, as a typical web server resolves it.

    Unknown query parameters are ignored (utm_source and friends), a missing
    trailing slash is redirected to the slashed form, /dir/index.html is /dir/.
    """
    if target in pages:
        return pages[target]
    path, _, query = target.partition("?")
    if path.endswith("/index.html") and path[: -len("index.html")] in pages:
        return pages[path[: -len("index.html")]]
    if not path.endswith("/") and path + "/" in pages:
        return Page(status=301, location=path + "/" + (f"?{query}" if query else ""))
    return pages.get(path, _NOT_FOUND) if query else _NOT_FOUND


def _etag(page: Page) -> str:
    return '"' + hashlib.sha1(page.body).hexdigest()[:16] + '"'


def _handler_for(pages: Mapping[str, Page], log: list[tuple[str, str, int]] | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._respond(with_body=True)

        def do_HEAD(self) -> None:
            self._respond(with_body=False)

        def _respond(self, with_body: bool) -> None:
            page = _lookup(pages, self.path)
            status, body = page.status, page.body
            etag = _etag(page) if status == 200 and page.validators else None
            if etag and self.headers.get("If-None-Match") == etag:
                status, body = 304, b""  # the client's copy is current
            if log is not None:
                log.append((self.command, self.path, status))
            self.send_response(status)
            if page.location:
                self.send_header("Location", page.location)
            if etag:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", _LAST_MODIFIED)
            self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body and body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # the crawler reports what matters; access logs would drown it

    return Handler


@contextmanager
def serve(pages: Mapping[str, Page], port: int = 0, log: list[tuple[str, str, int]] | None = None) -> Iterator[str]:
    """Serve *pages* on 127.0.0.1 (a free port unless given); yield the base URL.

    Pages carry an ETag and answer a matching If-None-Match with 304, like a
    real server; *log*, if given, receives (method, path, status) per request.
    """
    with run_server(_handler_for(pages, log), port) as url:
        yield url


@contextmanager
def run_server(handler: type[BaseHTTPRequestHandler], port: int = 0) -> Iterator[str]:
    """Run *handler* on 127.0.0.1 in a background thread; yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler, bind_and_activate=False)
    server.request_queue_size = 128  # the default 5 makes concurrent connects wait for SYN retries
    server.server_bind()
    server.server_activate()
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fixture-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
