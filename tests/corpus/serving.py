"""Serving a built blog and installing a generator's npm packages: what the builders share."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

from blogarchive.demo.server import run_server
from tests.corpus import CACHE, need


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve a static build on 127.0.0.1 with the standard library's file server."""
    folder.mkdir(parents=True, exist_ok=True)
    with run_server(partial(_Quiet, directory=str(folder))) as origin:  # type: ignore[arg-type]
        yield origin


def npm_modules(name: str, package: dict, main: str) -> Path:
    """node_modules with *package*'s dependencies, installed from the npm registry once per
    checkout (again when the version of *main* asked for changes)."""
    home = CACHE / name
    marker = home / "node_modules" / main / "package.json"
    wanted = package["dependencies"][main]
    if not marker.exists() or json.loads(marker.read_text())["version"] != wanted:
        npm = need("npm")
        home.mkdir(parents=True, exist_ok=True)
        (home / "package.json").write_text(json.dumps(package))
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=home, check=True,
                       capture_output=True)  # fmt: skip
    return home / "node_modules"
