"""Serve a folder of files on 127.0.0.1 with Debian's nginx, for benchmarks.

nginx is installed with apt-get when missing.  The blog's index pages are
/blog and /blog?page=N; they are stored as files named `__blog` and
`__blog?page=N`, since /blog/... holds other pages.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from blogarchive.demo.site import Page

CONF = """
{user}
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp;
    proxy_temp_path {root}/tmp;
    fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp;
    scgi_temp_path {root}/tmp;
    types {{ text/html html; text/plain txt; application/xml xml; image/png png; }}
    default_type "text/html; charset=utf-8";
    server {{
        listen 127.0.0.1:{port};
        root {root}/site;
        location = /blog {{ try_files /__blog$is_args$args =404; }}
        location / {{ try_files $uri $uri/index.html =404; }}
    }}
}}
"""


def ensure_nginx() -> str:
    """The nginx binary, installed from Debian's packages if missing."""
    found = shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() and "/usr/sbin/nginx")
    if not found:
        env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "nginx-light"], check=True, capture_output=True, env=env)
        found = "/usr/sbin/nginx"
    return str(found)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_site(pages: Mapping[str, Page], folder: Path) -> None:
    """Write each page to the file nginx answers it from."""
    for path, page in pages.items():
        name = "/__blog" + path[len("/blog") :] if path == "/blog" or path.startswith("/blog?") else path
        target = folder / (name.lstrip("/") or "index.html")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page.body)


@contextmanager
def serve_nginx(pages_for: Callable[[str], Mapping[str, Page]], root: Path) -> Iterator[str]:
    """Serve the pages `pages_for(base URL)` gives with nginx; yields the base URL."""
    binary = ensure_nginx()
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    write_site(pages_for(base), root / "site")
    conf = root / "nginx.conf"
    # started by root, nginx's workers would run as nobody, who cannot read a private temporary folder
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(CONF.format(root=root, port=port, user=user))
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(root)], stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None:
                raise RuntimeError(f"nginx did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
            time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
