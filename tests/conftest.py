"""Shared fixtures: the demo blog, served on 127.0.0.1; three blogs at once; a Redis server."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from blogarchive.demo.server import serve
from blogarchive.demo.site import DemoPost, Page, build_site, load_posts
from tests.helpers import free_port, wait_for_port


@pytest.fixture(scope="session")
def posts() -> list[DemoPost]:
    return load_posts()


@pytest.fixture(scope="session")
def site(posts: list[DemoPost]) -> dict[str, Page]:
    return build_site(posts)


@pytest.fixture(scope="session")
def base_url(site: dict[str, Page]) -> Iterator[str]:
    """The demo blog, served for the whole test session."""
    with serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def three_blogs(base_url: str) -> Iterator[dict[str, str]]:
    """The demo clinic blog and two platform fixtures, each on its own server: name → start URL."""
    from tests.platforms import PLATFORMS, build

    urls = {"harbor-light": f"{base_url}/blog"}
    with ExitStack() as stack:
        for platform in (p for p in PLATFORMS if p.name in ("wordpress", "ghost")):
            pages: dict = {}
            origin = stack.enter_context(serve(pages))
            pages.update(build(platform, origin).pages)
            urls[platform.name] = origin + platform.index_paths[0]
        yield urls


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server (Debian's; .ci/run installs it) on a free port of 127.0.0.1, no persistence."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.fail("redis-server is not installed: apt-get install redis-server (as .ci/run does)")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)]
    proc = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
