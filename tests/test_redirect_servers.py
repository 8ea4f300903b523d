"""The redirect maps in the servers they are for: Debian's nginx and Apache, started on
127.0.0.1, asked for every old URL the way browsers and old links spell them (with and
without the trailing slash WordPress permalinks carry, non-ASCII paths percent-encoded)."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from blogarchive.storage import Archive
from tests.helpers import free_port, run_cli

OLD = "http://old.example"
# (archived URL, aliases): a WordPress permalink, a non-ASCII slug, an old slug that redirected
POSTS = [
    (f"{OLD}/2024/05/calm-mornings/", [f"{OLD}/?p=12"]),
    (f"{OLD}/{quote('über-die-angst')}/", []),
    (f"{OLD}/sleep-and-light", [f"{OLD}/sleep-light-old/"]),
    (f"{OLD}/notes.v2(final)/", []),
]


def _binary(name: str) -> str:
    binary = shutil.which(name) or f"/usr/sbin/{name}"
    if not Path(binary).exists():
        pytest.fail(f"{name} is not installed: apt-get install {name} (as .ci/system-deps does)")
    return binary


@contextmanager
def _running(cmd: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[int]:
    """*cmd*, a server in the foreground, until it listens on *port*; stopped at the end."""
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, env=env)
    try:
        for _ in range(200):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd[0]} did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
            time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()


def _nginx(conf: Path, root: Path) -> AbstractContextManager[int]:
    port = free_port()
    (root / "tmp").mkdir(parents=True)
    user = "user root;" if os.geteuid() == 0 else ""
    (root / "nginx.conf").write_text(
        f"{user}\ndaemon off;\npid {root}/nginx.pid;\nerror_log {root}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp;\n"
        f"fastcgi_temp_path {root}/tmp; uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;\n"
        f"server {{ listen 127.0.0.1:{port}; include {conf}; }} }}\n"
    )
    return _running([_binary("nginx"), "-c", str(root / "nginx.conf"), "-p", str(root)], port)


def _apache(conf: Path, root: Path) -> AbstractContextManager[int]:
    port = free_port()
    modules = "/usr/lib/apache2/modules"
    (root / "www").mkdir(parents=True)
    # started by root, Apache serves as an unprivileged user (a redirect needs no file)
    user = "User nobody\nGroup nogroup\n" if os.geteuid() == 0 else ""
    (root / "httpd.conf").write_text(
        f"ServerRoot {root}\nListen 127.0.0.1:{port}\nServerName localhost\nPidFile {root}/httpd.pid\n"
        f"ErrorLog {root}/error.log\nDocumentRoot {root}/www\n{user}"
        f"LoadModule mpm_event_module {modules}/mod_mpm_event.so\n"
        f"LoadModule authz_core_module {modules}/mod_authz_core.so\n"
        f"LoadModule alias_module {modules}/mod_alias.so\nInclude {conf}\n"
    )
    env = {**os.environ, "APACHE_RUN_DIR": str(root), "APACHE_LOCK_DIR": str(root), "APACHE_LOG_DIR": str(root)}
    return _running([_binary("apache2"), "-f", str(root / "httpd.conf"), "-DFOREGROUND"], port, env)


def _location(port: int, path: str) -> tuple[int, str | None]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", quote(path, safe="/%()!$&'*+,;=:@~?"))  # as a browser sends it: UTF-8, percent-encoded
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def maps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("redirects")
    archive = Archive(folder / "a.db")
    archive.save_batch([{"url": url, "title": "T", "body_text": "Body.", "aliases": aliases} for url, aliases in POSTS])
    archive.close()
    out = folder / "maps"
    result = run_cli("export", "--db", str(folder / "a.db"), "--format", "redirects", "--output", str(out))
    assert result.returncode == 0, result.stderr
    return out


def _old_requests() -> list[tuple[str, str]]:
    """(path as a client sends it, the archived URL it must lead to) for every old URL, both slash forms."""
    wanted = []
    for url, aliases in POSTS:
        for old in [url, *aliases]:
            path = old.removeprefix(OLD)
            if "?" in path:
                continue  # query-string permalinks need a rewrite on the query, not a path map
            bare = path.rstrip("/")
            # both slash forms, a static site's index.html, and a link with tracking parameters
            wanted += [(bare, url), (bare + "/", url), (bare + "/index.html", url), (bare + "/?utm_source=news", url)]
    return wanted


@pytest.mark.parametrize("server", ["nginx", "apache"])
def test_every_old_url_redirects_in_the_real_server(maps: Path, tmp_path: Path, server: str) -> None:
    rows = {line.split(",")[0]: line.split(",")[2] for line in (maps / "redirects.csv").read_text().splitlines()[1:]}
    serve = _nginx(maps / "nginx.conf", tmp_path) if server == "nginx" else _apache(maps / "apache.conf", tmp_path)
    with serve as port:
        for path, url in _old_requests():
            status, location = _location(port, path)
            assert status == 301, (server, path, status)
            # Apache keeps a query string (?utm_source=...), nginx drops it: either is the post
            assert location is not None and urlsplit(location).path.endswith(rows[url]), (server, path, location)
            assert not location.endswith("//"), (server, path, location)


def test_the_static_host_file_names_every_spelling(maps: Path) -> None:
    """Netlify's and Cloudflare Pages' `_redirects` take no patterns: each old path is there in
    both slash forms, decoded and percent-encoded."""
    lines = [line.split() for line in (maps / "_redirects").read_text(encoding="utf-8").splitlines()[1:]]
    assert all(len(parts) == 3 and parts[2] == "301" for parts in lines)
    sources = {parts[0] for parts in lines}
    wanted = ("/über-die-angst", "/über-die-angst/", "/%C3%BCber-die-angst/", "/sleep-light-old", "/sleep-and-light/")
    assert [path for path in wanted if path not in sources] == []
