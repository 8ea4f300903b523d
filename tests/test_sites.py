"""Many blogs from one sites file, crawled into one archive; each record keeps its site."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from blogarchive.demo.site import DemoPost
from tests.helpers import run_cli, write_sites_file


@pytest.fixture(scope="module")
def crawled_twice(three_blogs: dict[str, str], tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("sites")
    sites, db = write_sites_file(folder, three_blogs), folder / "all.db"
    first = run_cli("crawl", "--sites", str(sites), "--db", str(db))
    second = run_cli("crawl", "--sites", str(sites), "--db", str(db), "--json")
    return db, first, second


def test_every_blog_archived_once_with_its_site(crawled_twice, three_blogs, posts: list[DemoPost]) -> None:
    db, first, _ = crawled_twice
    assert first.returncode == 0, first.stderr
    assert "3 sites crawled" in first.stderr and "3 ok" in first.stderr
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select url, site from posts").fetchall()
        runs = [r[0] for r in conn.execute("select site from runs order by id")]
        template_sites = {k.split("/")[0] for (k,) in conn.execute("select key from template") if "/" in k}
    assert Counter(site for _, site in rows) == {"harbor-light": len(posts), "wordpress": 7, "ghost": 7}
    for url, site in rows:
        assert url.startswith(three_blogs[site].rsplit("/", 1)[0].split("/blog")[0])
    assert runs[:3] == ["harbor-light", "wordpress", "ghost"]
    assert "harbor-light" in template_sites  # each blog learns its own template


def test_a_second_run_compares_each_blog_with_itself(crawled_twice, posts: list[DemoPost]) -> None:
    _, _, second = crawled_twice
    assert second.returncode == 0, second.stderr
    summaries = {s["start_url"]: s for s in map(json.loads, second.stdout.splitlines())}
    assert len(summaries) == 3
    for summary in summaries.values():
        assert summary["warnings"] == [] and summary["new"] == 0 and summary["updated"] == 0


def test_export_names_each_posts_site(crawled_twice, tmp_path: Path) -> None:
    db, _, _ = crawled_twice
    out = tmp_path / "all.jsonl"
    assert run_cli("export", "--db", str(db), "--format", "jsonl", "--output", str(out)).returncode == 0
    sites = Counter(json.loads(line)["site"] for line in out.read_text().splitlines())
    assert set(sites) == {"harbor-light", "wordpress", "ghost"}
    one = run_cli("export", "--db", str(db), "--format", "jsonl", "--site", "ghost")
    assert {json.loads(line)["site"] for line in one.stdout.splitlines()} == {"ghost"}
    assert len(one.stdout.splitlines()) == sites["ghost"]
    table = run_cli("status", "--db", str(db))
    assert table.returncode == 0 and "site" in table.stdout and "wordpress" in table.stdout, table.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not toml [", "not valid TOML"),
        ("title = 'no sites'\n", "no [[site]] tables"),
        ('[[site]]\nname = "a"\n', "name and start_url are required"),
        ('[[site]]\nname = "a b"\nstart_url = "http://x.example/"\n', "site name 'a b'"),
        ('[[site]]\nname = "a"\nstart_url = "ftp://x.example/"\n', "not an http(s) URL"),
        ('[[site]]\nname = "a"\nstart_url = "http://x.example/"\nprofile = "nope"\n', "site 1"),
        ('[[site]]\nname = "a"\nstart_url = "http://x.example/"\nurl = "x"\n', "unknown key 'url'"),
        ('[[site]]\nname = "a"\nstart_url = "http://x.example/"\n' * 2, "used twice"),
    ],
)
def test_bad_sites_files_fail_in_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(text)
    result = run_cli("crawl", "--sites", str(path), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_sites_mode_takes_no_url_and_a_missing_file_is_one_line(tmp_path: Path) -> None:
    missing = run_cli("crawl", "--sites", str(tmp_path / "none.toml"), "--db", str(tmp_path / "a.db"))
    assert missing.returncode == 2 and "cannot read sites file" in missing.stderr
    path = tmp_path / "s.toml"
    path.write_text('[[site]]\nname = "a"\nstart_url = "http://x.example/"\n')
    both = run_cli("crawl", "http://y.example/", "--sites", str(path), "--db", str(tmp_path / "a.db"))
    assert both.returncode == 2 and "give no URL" in both.stderr
    bad_name = run_cli("crawl", "http://y.example/", "--site", "no spaces", "--db", str(tmp_path / "a.db"))
    assert bad_name.returncode == 2 and "site name" in bad_name.stderr


def test_the_blogs_of_a_sites_file_are_crawled_side_by_side(tmp_path: Path) -> None:
    """Two blogs, each with a politeness delay: their requests interleave (one process, two
    download slots), and each gets its own run record and page cache."""
    from blogarchive.demo.server import serve
    from blogarchive.demo.site import build_site, load_posts

    every = load_posts(limit=24)
    first, second = every[:12], every[12:]
    log: list[tuple[str, str, int]] = []
    with serve(build_site(first), log=log) as one, serve(build_site(second), log=log) as two:
        sites = write_sites_file(tmp_path, {"one": f"{one}/blog", "two": f"{two}/blog"})
        db = tmp_path / "both.db"
        result = run_cli("crawl", "--sites", str(sites), "--db", str(db), "--parallel-sites", "2",
                         "-s", "DOWNLOAD_DELAY=0.05", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    summaries = {s["site"]: s for s in map(json.loads, result.stdout.splitlines())}
    assert set(summaries) == {"one", "two"} and all(s["new"] == 12 for s in summaries.values())
    paths_one, paths_two = {p.path for p in first}, {p.path for p in second}
    at = [("one" if path in paths_one else "two" if path in paths_two else None) for _, path, _ in log]
    last_one, first_two = max(i for i, s in enumerate(at) if s == "one"), at.index("two")
    assert first_two < last_one, "the second blog waited for the first"
    with sqlite3.connect(db) as conn:
        assert sorted(site for (site,) in conn.execute("select site from runs")) == ["one", "two"]
    assert {p.name for p in (tmp_path / "both.db.http").iterdir()} == {"one", "two"}


def test_a_blog_that_fails_does_not_stop_the_others(tmp_path: Path) -> None:
    from blogarchive.demo.server import serve
    from blogarchive.demo.site import build_site, load_posts

    posts = load_posts(limit=6)
    with serve(build_site(posts)) as up:
        sites = write_sites_file(tmp_path, {"down": "http://127.0.0.1:9/blog", "up": f"{up}/blog"})
        result = run_cli("crawl", "--sites", str(sites), "--db", str(tmp_path / "a.db"), "--quiet")
    assert result.returncode == 1
    assert "site down" in result.stderr and "Connection was refused" in result.stderr, result.stderr
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("select count(*) from posts where site = 'up'").fetchone() == (len(posts),)
        statuses = dict(conn.execute("select site, status from runs"))
    assert statuses == {"down": "errors", "up": "ok"}
