"""Serve a dict of pages on 127.0.0.1 from a background thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from blogarchive.demo.site import Page


def _handler_for(pages: Mapping[str, Page]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._respond(with_body=True)

        def do_HEAD(self) -> None:
            self._respond(with_body=False)

        def _respond(self, with_body: bool) -> None:
            page = pages.get(self.path)
            if page is None:
                page = Page(b"<html><body><h1>Not found</h1></body></html>")
                self.send_response(404)
            else:
                self.send_response(200)
            self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            if with_body:
                self.wfile.write(page.body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # the crawler reports what matters; access logs would drown it

    return Handler


@contextmanager
def serve(pages: Mapping[str, Page], port: int = 0) -> Iterator[str]:
    """Serve *pages* on 127.0.0.1 (a free port unless given); yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(pages))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="demo-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
