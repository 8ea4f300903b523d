"""The captures open in a standard replay tool: pywb (webrecorder) serves a captured post."""

from __future__ import annotations

import subprocess
import urllib.request
from pathlib import Path

import pytest

from blogarchive.demo.server import serve
from blogarchive.demo.site import DemoPost, Page
from tests.helpers import ROOT, free_port, run_cli, wait_for_port

PYWB = ROOT / ".venv-pywb" / "bin"  # `make test` installs it there (its own environment)


def test_pywb_replays_a_captured_post(site: dict[str, Page], posts: list[DemoPost], tmp_path: Path) -> None:
    if not (PYWB / "wayback").exists():
        pytest.fail("pywb is not installed: `make test` installs it in .venv-pywb")
    db = tmp_path / "a.db"
    with serve(site) as base:
        assert run_cli("crawl", f"{base}/blog", "--db", str(db)).returncode == 0
    # the blog is gone; the README's two commands, then pywb's server
    files = [str(f) for f in (tmp_path / "captures").glob("*.warc.gz")]
    pywb = tmp_path / "pywb"
    pywb.mkdir()
    for cmd in (["wb-manager", "init", "blog"], ["wb-manager", "add", "blog", *files]):
        done = subprocess.run([str(PYWB / cmd[0]), *cmd[1:]], cwd=pywb, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    port = free_port()
    server = subprocess.Popen([str(PYWB / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=pywb,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for_port(port, seconds=30)
        post = posts[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/blog/mp_/{base}{post.path}", timeout=30) as answer:
            status, page = answer.status, answer.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert status == 200
    assert post.title in page and post.excerpt in page  # the post as it was fetched
