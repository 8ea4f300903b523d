"""WARC captures of every crawl (blogarchive.captures), and `reextract` from them without the network."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from blogarchive.captures import CaptureWriter
from blogarchive.demo.server import serve
from blogarchive.demo.site import DemoPost, Page
from tests.helpers import ROOT, run_cli


def _warcio_check(files: list[Path]) -> subprocess.CompletedProcess[str]:
    """warcio's own checker (every record's block and payload digest)."""
    cmd = [sys.executable, "-m", "warcio.cli", "check", "-v", *map(str, files)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)


def _records(path: Path) -> list[tuple[str, str, str | None]]:
    with path.open("rb") as handle:
        return [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.rec_headers.get_header("WARC-Profile"))
                for r in ArchiveIterator(handle)]  # fmt: skip


def test_every_response_is_captured_and_an_unchanged_night_writes_revisits(site: dict[str, Page], tmp_path: Path):
    db = tmp_path / "a.db"
    with serve(site) as base:
        first = run_cli("crawl", f"{base}/blog", "--db", str(db), "--json")
        second = run_cli("crawl", f"{base}/blog", "--db", str(db), "--json")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    files = sorted((tmp_path / "captures").glob("*.warc.gz"))
    assert len(files) == 2  # one file per run, beside the archive
    check = _warcio_check(files)
    assert check.returncode == 0, check.stdout + check.stderr
    night1, night2 = (_records(f) for f in files)
    pages1 = json.loads(first.stdout)["pages"]
    assert sum(1 for kind, *_ in night1 if kind == "response") == pages1  # every page fetched
    assert sum(1 for kind, *_ in night1 if kind == "request") == pages1  # with its request
    assert f"{base}/robots.txt" in {url for _, url, _ in night1}
    # the unchanged night: every page answered 304, kept as server-not-modified revisits
    assert {kind for kind, *_ in night2} == {"revisit", "request"}
    assert {p for kind, _, p in night2 if kind == "revisit"} == {
        "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
    }
    assert files[1].stat().st_size < 0.1 * files[0].stat().st_size
    with sqlite3.connect(db) as conn:  # the archive knows where each record is
        rows = conn.execute("select url, file, offset, kind from captures").fetchall()
    assert len(rows) == pages1 + json.loads(second.stdout)["pages"]
    url, file, offset, kind = rows[0]
    with (tmp_path / "captures" / file).open("rb") as handle:
        handle.seek(offset)
        record = next(iter(ArchiveIterator(handle)))
        assert (record.rec_type, record.rec_headers.get_header("WARC-Target-URI")) == (kind, url)


def test_no_captures_writes_none(site: dict[str, Page], tmp_path: Path) -> None:
    with serve(site) as base:
        result = run_cli("crawl", f"{base}/blog", "--db", str(tmp_path / "a.db"), "--no-captures", "--json")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "captures").exists()


def test_a_killed_write_leaves_every_earlier_record_readable(tmp_path: Path) -> None:
    """Records are gzipped one by one and flushed: a file cut anywhere in its last record
    (SIGKILL mid-write) still reads back every record before it."""
    writer = CaptureWriter(tmp_path, "run", max_bytes=10**9, last={})
    captures = [writer.write(f"http://blog.example/p{i}", "GET", [], 200, [("Content-Type", "text/html")],
                             f"<p>post {i}</p>".encode() * 50) for i in range(5)]  # fmt: skip
    writer.close()
    path = tmp_path / captures[-1].file
    whole = path.read_bytes()
    path.write_bytes(whole[: captures[-1].offset + captures[-1].length // 2])  # cut inside the last response
    with path.open("rb") as handle:
        read = []
        try:
            for record in ArchiveIterator(handle):
                read.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI")))
        except (EOFError, gzip.BadGzipFile, OSError):
            pass  # the cut record itself
    assert read[: 2 * 4] == [(kind, f"http://blog.example/p{i}") for i in range(4) for kind in ("response", "request")]


def test_files_are_rotated_at_the_size_limit(tmp_path: Path) -> None:
    writer = CaptureWriter(tmp_path, "run", max_bytes=2000, last={})
    for i in range(6):
        writer.write(f"http://blog.example/p{i}", "GET", [], 200, [], os.urandom(1500))  # incompressible
    writer.close()
    files = sorted(tmp_path.glob("run-*.warc.gz"))
    assert len(files) >= 3 and _warcio_check(files).returncode == 0


def test_reextract_rederives_from_the_captures_without_the_network(site: dict[str, Page], posts: list[DemoPost],
                                                                     tmp_path: Path) -> None:  # fmt: skip
    """The server is gone; an extraction rule changes (a profile that drops lists); reextract
    updates the bodies from the captures and keeps the old versions as revisions."""
    db = tmp_path / "a.db"
    with serve(site) as base:
        crawled = run_cli("crawl", f"{base}/blog", "--db", str(db), "--json")
    assert crawled.returncode == 0, crawled.stderr
    with sqlite3.connect(db) as conn:
        before = dict(conn.execute("select url, body_text from posts"))
    with_list = [url for url, text in before.items() if "\n- " in text]
    assert with_list  # the demo posts' bullet lists
    profile = tmp_path / "nolists.toml"
    profile.write_text('name = "nolists"\n[article]\ndrop = ["ul"]\n')
    result = run_cli("reextract", "--db", str(db), "--profile", str(profile), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["posts"] == len(posts) and report["changed"] >= len(with_list)
    assert report["fields"]["body_text"] >= len(with_list)
    with sqlite3.connect(db) as conn:
        after = dict(conn.execute("select url, body_text from posts"))
        kept = {url for (url,) in conn.execute("select url from revisions")}
        titles = dict(conn.execute("select url, title from posts"))
        last = conn.execute("select errors, found from runs order by id desc limit 1").fetchone()
    assert last == (0, len(posts))  # every page from the captures: not one network error
    for url in with_list:
        assert "\n- " not in after[url] and url in kept
    assert {titles[base + p.path] for p in posts} == {p.title for p in posts}  # cards and titles derived again
    assert set(after) == set(before)  # nothing marked removed, nothing lost


def test_reextract_refuses_an_archive_without_captures(site: dict[str, Page], tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with serve(site) as base:
        assert run_cli("crawl", f"{base}/blog", "--db", str(db), "--no-captures").returncode == 0
    result = run_cli("reextract", "--db", str(db))
    assert result.returncode == 2 and "has no captures" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _edit(site: dict[str, Page], path: str, old: str, new: str) -> None:
    page = site[path]
    assert old.encode() in page.body
    site[path] = dataclasses.replace(page, body=page.body.replace(old.encode(), new.encode()))


def test_prune_keeps_the_last_versions_and_every_version_a_revision_holds(
    site: dict[str, Page], posts: list[DemoPost], tmp_path: Path
) -> None:
    site = dict(site)
    db, post = tmp_path / "a.db", posts[0]
    with serve(site) as base:
        assert run_cli("crawl", f"{base}/blog", "--db", str(db)).returncode == 0
        for night in (1, 2):  # the post edited twice, the index page changed twice
            _edit(site, post.path, post.excerpt, f"{post.excerpt} Edit {night}.")
            _edit(site, "/blog", "</body>", f"<!-- night {night} --></body>")
            assert run_cli("crawl", f"{base}/blog", "--db", str(db), "--full").returncode == 0

    def responses(url: str) -> int:
        with sqlite3.connect(db) as conn:
            sql = "select count(*) from captures where url = ? and kind = 'response'"
            return int(conn.execute(sql, [url]).fetchone()[0])

    assert responses(base + post.path) == 3 and responses(f"{base}/blog") == 3
    result = run_cli("prune-captures", "--db", str(db), "--keep", "1")
    assert result.returncode == 0, result.stderr
    assert responses(f"{base}/blog") == 1  # the last version only
    assert responses(base + post.path) == 3  # the current one and the two its revisions hold
    files = sorted((tmp_path / "captures").glob("*.warc.gz"))
    assert _warcio_check(files).returncode == 0
    with sqlite3.connect(db) as conn:  # every record still where the index says
        index = conn.execute("select file, offset, url from captures").fetchall()
    for file, offset, url in index:
        with (tmp_path / "captures" / file).open("rb") as handle:
            handle.seek(offset)
            assert next(iter(ArchiveIterator(handle))).rec_headers.get_header("WARC-Target-URI") == url
    exported = tmp_path / "posts.warc.gz"
    assert run_cli("export", "--db", str(db), "--format", "warc", "--output", str(exported)).returncode == 0
    assert _warcio_check([exported]).returncode == 0
    with exported.open("rb") as handle:
        records = [r for r in ArchiveIterator(handle) if r.rec_type == "response"]
        urls = {r.rec_headers.get_header("WARC-Target-URI") for r in records}
    assert urls == {base + p.path for p in posts}


def test_reextract_since_leaves_posts_captured_before_the_date_as_they_are(
    site: dict[str, Page], posts: list[DemoPost], tmp_path: Path
) -> None:
    """Half the posts' captures dated 2020 (as if last fetched then): --since 2021-01-01
    re-derives the others only, and marks none removed."""
    db = tmp_path / "a.db"
    with serve(site) as base:
        assert run_cli("crawl", f"{base}/blog", "--db", str(db)).returncode == 0
    old = {base + p.path for p in posts[::2]}
    with sqlite3.connect(db) as conn:
        conn.executemany("update captures set date = '2020-06-01T00:00:00Z' where url = ?", [[u] for u in old])
        before = dict(conn.execute("select url, body_text from posts"))
    profile = tmp_path / "nolists.toml"
    profile.write_text('name = "nolists"\n[article]\ndrop = ["ul"]\n')
    result = run_cli("reextract", "--db", str(db), "--profile", str(profile), "--since", "2021-01-01", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["posts"] == len(posts) - len(old)
    with sqlite3.connect(db) as conn:
        after = dict(conn.execute("select url, body_text from posts where removed_at is null"))
        errors, warnings = conn.execute("select errors, warnings from runs order by id desc limit 1").fetchone()
    assert set(after) == set(before) and errors == 0
    assert not any("posts, the last good run found" in w for w in json.loads(warnings)), warnings
    for url, text in before.items():
        if "\n- " in text:
            assert (after[url] == text) == (url in old), url


def test_captures_kept_elsewhere_are_found_by_export_and_reextract(site: dict[str, Page], tmp_path: Path) -> None:
    db, elsewhere = tmp_path / "a.db", tmp_path / "warcs"
    with serve(site) as base:
        crawled = run_cli("crawl", f"{base}/blog", "--db", str(db), "-s", f"BLOGARCHIVE_CAPTURES_DIR={elsewhere}")
    assert crawled.returncode == 0, crawled.stderr
    assert list(elsewhere.glob("*.warc.gz")) and not (tmp_path / "captures").exists()
    exported = tmp_path / "posts.warc.gz"
    result = run_cli("export", "--db", str(db), "--format", "warc", "--output", str(exported))
    assert result.returncode == 0, result.stderr
    assert _warcio_check([exported]).returncode == 0
    result = run_cli("reextract", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["changed"] == 0
