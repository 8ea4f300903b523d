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
