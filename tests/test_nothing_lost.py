"""Nothing lost, ever: each case once found losing or muddling posts, as a user met it."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

from blogarchive.demo.server import serve
from blogarchive.demo.site import Page, build_site, load_posts
from blogarchive.lock import LockedError, archive_lock
from tests.archive_states import Blog
from tests.faults import Routes, serve_faults
from tests.helpers import free_port, run_cli, wait_for_port


def _rows(db: Path) -> dict[str, dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {r["url"]: dict(r) for r in conn.execute("select * from posts")}


def _write_static(folder: Path, pages: dict[str, Page]) -> None:
    """The site as files, the way a static generator leaves it: /slug → slug/index.html."""
    shutil.rmtree(folder, ignore_errors=True)
    for target, page in pages.items():
        if "?" in target or page.status != 200:
            continue
        path = unquote(target).lstrip("/")
        name = Path(path) if "." in path.rsplit("/", 1)[-1] else Path(path) / "index.html"
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(page.body)


def test_a_full_run_after_one_edit_keeps_every_post(tmp_path: Path) -> None:
    """The weekly --full run against `python3 -m http.server` once blanked every unchanged post."""
    posts = load_posts(limit=8)
    site = tmp_path / "site"
    _write_static(site, build_site(posts, 3))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port)
        db = tmp_path / "blog.db"
        url = f"http://127.0.0.1:{port}/blog"
        run_cli("crawl", url, "--db", str(db), "--quiet")
        before = _rows(db)
        assert len(before) == 8
        edit = dataclasses.replace(posts[3], paragraphs=(*posts[3].paragraphs, "An added paragraph about tides."))
        _write_static(site, build_site([edit if p is posts[3] else p for p in posts], 3))
        full = run_cli("crawl", url, "--db", str(db), "--full", "--json")
    finally:
        server.terminate()
        server.wait(timeout=10)
    summary = json.loads(full.stdout)
    assert (summary["updated"], summary["unchanged"]) == (1, 7), full.stderr
    after = _rows(db)
    for key, row in before.items():
        for field in ("title", "published", "excerpt", "body_text", "body_html", "first_seen"):
            if key.endswith(posts[3].path) and field.startswith("body"):
                assert "tides" in after[key][field]
            else:
                assert after[key][field] == row[field], (key, field)


def test_a_nightly_run_without_validators_keeps_unchanged_posts(tmp_path: Path) -> None:
    """A server with no ETag or Last-Modified (common on WordPress): a new post in the batch
    once blanked the others."""
    posts = load_posts(limit=8)
    routes = Routes(dict(build_site(posts[1:], 3)))
    db = tmp_path / "blog.db"
    with serve_faults(routes) as url:
        run_cli("crawl", f"{url}/blog", "--db", str(db), "--quiet")
        routes.pages.clear()
        routes.pages.update(build_site(posts, 3))
        night = run_cli("crawl", f"{url}/blog", "--db", str(db), "--json")
    assert json.loads(night.stdout)["new"] == 1, night.stderr
    rows = _rows(db)
    assert len(rows) == 8
    assert all(r["title"] and r["published"] and r["body_text"] and r["excerpt"] for r in rows.values())


def test_a_malformed_link_never_stops_the_removal_checks(tmp_path: Path) -> None:
    posts = load_posts(limit=6)
    pages = dict(build_site(posts, 3))
    db = tmp_path / "blog.db"
    with serve(pages) as url:
        assert run_cli("crawl", f"{url}/blog", "--db", str(db)).returncode == 0
        gone = posts[-1]
        pages.clear()
        pages.update(build_site(posts[:-1], 3))
        # a same-site link with a port out of range, and one that is no URL at all
        bad = (f'<p>Further reading on this, from our <a href="{url.rsplit(":", 1)[0]}:99999/x">old site</a> '
               'and our <a href="http://[::1/y">mirror</a>, both gone now.</p><p class="cta">')  # fmt: skip
        pages[posts[0].path] = Page(pages[posts[0].path].body.replace(b'<p class="cta">', bad.encode(), 1))
        night = run_cli("crawl", f"{url}/blog", "--db", str(db), "--full")
    assert night.returncode == 0, night.stderr
    assert "errors 0" in night.stderr and "removed 1" in night.stderr
    assert "1 malformed links skipped" in night.stderr and "ERROR" not in night.stderr
    assert _rows(db)[url + gone.path]["removed_at"]  # the re-check phase ran


def test_a_canonical_pointing_at_the_home_page_is_ignored(tmp_path: Path) -> None:
    posts = load_posts(limit=10)
    pages = dict(build_site(posts, 3))
    for post in posts:
        html = pages[post.path].body.replace(b"</head>", b'<link rel="canonical" href="/"></head>', 1)
        pages[post.path] = Page(html)
    db = tmp_path / "blog.db"
    with serve(pages) as url:
        result = run_cli("crawl", f"{url}/blog", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert sorted(_rows(db)) == sorted(url + p.path for p in posts)
    assert "rel=canonical points at" in result.stderr and "10 posts declare a canonical URL" in result.stderr


def test_the_early_stop_fires_when_pages_state_their_own_date(tmp_path: Path) -> None:
    """The card's date text is compared with the card's, not with the page's JSON-LD date."""
    blog = Blog(load_posts(limit=30))
    blog.template = 1  # post pages state datePublished in JSON-LD
    blog.rebuild()
    db = tmp_path / "blog.db"
    with serve(blog, log=blog.log) as url:
        first = run_cli("crawl", f"{url}/blog", "--db", str(db), "--json")
        blog.log.clear()
        second = run_cli("crawl", f"{url}/blog", "--db", str(db), "--json")
    assert json.loads(first.stdout)["new"] == 30
    summary = json.loads(second.stdout)
    assert summary["stopped_early_at"], second.stderr
    assert len(blog.log) < json.loads(first.stdout)["pages"] / 2
    assert all(r["date_source"] == "jsonld" for r in _rows(db).values())


def test_the_lock_holds_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    with archive_lock(real / "blog.db"), pytest.raises(LockedError):
        with archive_lock(tmp_path / "link" / "blog.db"):
            pass


_DISK_FULL = """
set -e
mount -t tmpfs -o size=2m tmpfs "$1"
"$2" -m blogarchive crawl "$3" --db "$1/blog.db" --quiet || true
avail=$(df -k --output=avail "$1" | tail -1)
dd if=/dev/zero of="$1/filler" bs=1k count=$((avail - 160)) 2>/dev/null
touch "$5/ready"
while [ ! -e "$4" ]; do sleep 0.1; done
set +e
"$2" -m blogarchive crawl "$3" --db "$1/blog.db" --full -s BLOGARCHIVE_BATCH_SIZE=1 2>"$5/stderr"
echo $? > "$5/status"
"$2" -c "
import sqlite3, json, sys
c = sqlite3.connect(sys.argv[1] + '/blog.db')
print(json.dumps({'integrity': c.execute('pragma integrity_check').fetchone()[0],
    'bodies': [r[0] for r in c.execute('select body_text from posts')],
    'runs': [list(r) for r in c.execute('select status, fatal from runs order by id')]}))
" "$1" > "$5/after.json"
"""


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux's unshare for a private tmpfs")
def test_a_full_disk_gives_one_line_and_a_failed_run(tmp_path: Path) -> None:
    """The archive on a 2 MB tmpfs (a private mount namespace), filled up between two crawls."""
    posts = load_posts(limit=8)
    pages = dict(build_site(posts, 3))
    mount, out, go = tmp_path / "mnt", tmp_path / "out", tmp_path / "go"
    mount.mkdir()
    out.mkdir()
    with serve(pages) as url:
        script = subprocess.Popen(
            ["unshare", "-rm", "sh", "-c", _DISK_FULL, "sh", str(mount), sys.executable, f"{url}/blog", str(go),
             str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        # the second crawl re-extracts every post: make each body change, so that each is written
        deadline = time.monotonic() + 120
        while not (out / "ready").exists() and script.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        edits = [dataclasses.replace(p, paragraphs=(*p.paragraphs, "A long added paragraph. " * 40)) for p in posts]
        pages.clear()
        pages.update(build_site(edits, 3))
        go.touch()
        _, err = script.communicate(timeout=180)
    if not (out / "status").exists():
        pytest.skip(f"no private tmpfs here: {err.strip()[:200]}")
    lines = (out / "stderr").read_text().strip().splitlines()
    assert (out / "status").read_text().strip() == "2"
    errors = [line for line in lines if "error" in line]
    assert len(errors) == 1 and "disk is full" in errors[0] and "Traceback" not in "\n".join(lines)
    after = json.loads((out / "after.json").read_text())
    assert after["integrity"] == "ok"
    assert len(after["bodies"]) == 8 and all(after["bodies"])
    assert after["runs"][-1][0] == "failed" and "disk is full" in after["runs"][-1][1]
