"""The command line: help, bad input (one line, exit 2), extract, demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blogarchive.demo.site import DemoPost, Page
from tests.helpers import run_cli


def test_the_readme_documents_every_command() -> None:
    from blogarchive.cli import main
    from tests.helpers import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in main.commands:
        assert f"`{name}" in readme, name


def test_help_documents_every_command() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("crawl", "export", "extract", "demo"):
        assert command in result.stdout
        sub = run_cli(command, "--help")
        assert sub.returncode == 0 and "Usage:" in sub.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crawl", "not-a-url"], "not an http(s) URL"),
        (["crawl", "ftp://example.com/blog"], "not an http(s) URL"),
        (["export", "--db", "{tmp}/missing.db"], "no archive at"),
        (["export", "--db", "{tmp}/not-sqlite.db"], "cannot open archive"),
        (["export", "--db", "{tmp}/ok.db", "--output", "{tmp}/not-sqlite.db/x.json"], "cannot write"),
        (["extract", "{tmp}/missing.html"], "cannot read"),
        (["status", "--db", "{tmp}/missing.db"], "no archive at"),
        (["status", "--db", "{tmp}/not-sqlite.db"], "cannot open archive"),
        (["history", "https://b.example/x", "--db", "{tmp}/missing.db"], "no archive at"),
        (["history", "https://b.example/x", "--db", "{tmp}/ok.db"], "no post at"),
        (["search", "words", "--db", "{tmp}/not-sqlite.db"], "cannot open archive"),
        (["search", '"unclosed', "--db", "{tmp}/ok.db"], "bad search query"),
        (["crawl", "https://b.example/", "--db", "{tmp}/ok.db", "--set", "lowercase=1"], "no such Scrapy"),
        (["crawl", "https://b.example/", "--db", "{tmp}/not-sqlite.db"], "cannot open archive"),
        (["crawl", "https://b.example/", "--profile", "no-such-profile", "--db", "{tmp}/ok.db"], "no profile named"),
        (["export", "--db", "{tmp}/ok.db", "--format", "markdown"], "give --output FOLDER"),
        (["export", "--db", "{tmp}/ok.db", "--fields", "url,nope"], "unknown field"),
        # settings: names Scrapy, scrapy-redis or blogarchive knows, values of their type
        (["crawl", "https://b.example/", "--db", "{tmp}/ok.db", "-s", "DOWNLOAD_TIMEOUT=abc"], "a whole number"),
        (["crawl", "https://b.example/", "--db", "{tmp}/ok.db", "-s", "CLOSESPIDER_PAGECOUNT=many"], "a whole number"),
        (["crawl", "https://b.example/", "--db", "{tmp}/ok.db", "-s", "BLOGARCHIVE_WORKERS=two"], "a whole number"),
        (["crawl", "https://b.example/", "--db", "{tmp}/ok.db", "-s", "DOWNLOAD_DELAY=soon"], "a number"),
        (["crawl", "https://b.example/", "--db", "{tmp}/ok.db", "-s", "LOG_LEVEL=LOUD"], "LOG_LEVEL takes one of"),
        (["crawl", "https://b.example/", "--db", "{tmp}/ok.db", "-s", "ROBOTSTXT_OBEY=maybe"], "true or false"),
        (["crawl", "https://b.example/", "--db", "{tmp}/ok.db", "-s", "ITEM_PIPELINES=[1]"], "a JSON object"),
        (["crawl", "https://b.example/", "--db", "{tmp}/ok.db", "-s", "DOWNLOAD_TIMOUT=10"], "no such Scrapy"),
        (["crawl", "https://b.example/", "--db", "{tmp}/ok.db", "-s", "=10"], "takes NAME=VALUE"),
        # URLs
        (["crawl", "http://[::1", "--db", "{tmp}/ok.db"], "error"),
        (["crawl", "http://exa mple.test/blog", "--db", "{tmp}/ok.db"], "error"),
        (["crawl", "http://" + "a" * 300 + ".test/", "--db", "{tmp}/ok.db"], "error"),
        (["crawl", "https://user:pw@b.example/", "--db", "{tmp}/ok.db"], "user name or password"),
        (["crawl", "", "--db", "{tmp}/ok.db"], "the start URL is empty"),
        (["history", "http://[::1", "--db", "{tmp}/ok.db"], "error"),
        # options
        (["crawl", "https://b.example/", "--db", "{tmp}/ok.db", "--max-pages", "x"], "error"),
        (["crawl", "https://b.example/", "--db", "{tmp}/ok.db", "--max-pages", "-3"], "error"),
        (["status", "--db", "{tmp}/ok.db", "-n", "0"], "error"),
        (["export", "--db", "{tmp}/ok.db", "--format", "xml"], "error"),
        (["export", "--db", "{tmp}/ok.db", "--since", "2025-05-01", "--until", "2025-01-01"], "is after"),
        (["export", "--db", "{tmp}/ok.db", "--since", "yesterday-ish"], "error"),
        (["crawll"], "error"),
        # paths and files
        (["crawl", "https://b.example/", "--db", "{tmp}/a-file.txt/x.db"], "a-file.txt is a file, not a folder"),
        (["export", "--db", "{tmp}/ok.db", "--format", "csv", "--output", "{tmp}/a-dir"], "error"),
        (["crawl", "--sites", "{tmp}/missing-sites.toml", "--db", "{tmp}/ok.db"], "error"),
        (["crawl", "--sites", "{tmp}/bad-url-sites.json", "--db", "{tmp}/ok.db"], "error"),
        (["crawl", "--sites", "{tmp}/deep-sites.json", "--db", "{tmp}/ok.db"], "error"),
        (["crawl", "https://b.example/", "--db", "{tmp}/locked/ok.db"], "error"),
    ],
)
def test_bad_input_gives_one_line_and_status_2(args: list[str], message: str, tmp_path: Path) -> None:
    (tmp_path / "not-sqlite.db").write_text("this is not a database\n" * 100)
    (tmp_path / "a-file.txt").write_text("a file where a folder would be\n")
    (tmp_path / "a-dir").mkdir()
    (tmp_path / "bad-url-sites.json").write_text('[{"name": "one", "url": "http://[::1"}]')
    (tmp_path / "deep-sites.json").write_text("[" * 5000 + "]" * 5000)
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "ok.db.lock").mkdir()  # a directory where the lock file goes
    from blogarchive.storage import Archive

    Archive(tmp_path / "ok.db").close()
    result = run_cli(*(a.format(tmp=tmp_path) for a in args))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("export", "--db", str(tmp_path / "x.db"), "--format", "xml")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_extract_saved_pages(site: dict[str, Page], posts: list[DemoPost], tmp_path: Path) -> None:
    page = tmp_path / "post.html"
    page.write_bytes(site[posts[0].path].body)
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body></body></html>")
    result = run_cli("extract", str(page), str(empty), "--url", "https://clinic.example" + posts[0].path)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1  # one file had no article
    assert lines[0]["title"] == posts[0].title and lines[0]["published"] is None
    assert lines[0]["url"] == "https://clinic.example" + posts[0].path
    assert lines[1] == {"file": str(empty), "error": "no article text found"}


def test_demo_runs_offline_and_checks_itself(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = run_cli("demo", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "45/45 bundled posts archived with the right title and date" in result.stderr.replace("\n", " ")
    assert len(json.loads((out / "posts.json").read_text())) == 45
    assert (out / "posts.csv").exists() and (out / "blog.db").exists()
    # the migration it shows: page bundles whose images are the downloaded copies, not the old site's
    bundles = list((out / "markdown").glob("*/index.md"))
    assert len(bundles) == 45
    images = 0
    for bundle in bundles:
        lines = bundle.read_text(encoding="utf-8").splitlines()
        for name in (line.split("](", 1)[1].rstrip(")") for line in lines if line.startswith("![")):
            assert (bundle.parent / name).is_file(), (bundle, name)  # a local file, not the old site's URL
            images += 1
    assert images >= 1


def test_click_usage_errors_are_one_line_like_every_other_error() -> None:
    for args in (("crawll",), ("export", "--format", "xml"), ("crawl", "--max-pages", "x"), ("status", "-n", "0")):
        result = run_cli(*args)
        assert result.returncode == 2, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("blogarchive: error: "), (args, result.stderr)


BAD_URLS = ["http://[::1", "http://exa mple.test/blog", "http://" + "a" * 300 + ".test/", "http://user:pw@127.0.0.1:9/"]


def test_bad_start_urls_are_one_line_before_any_crawl(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    for url in BAD_URLS:
        result = run_cli("crawl", url, "--db", str(db), "--quiet")
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("blogarchive: error: "), url
    assert not db.exists()  # refused before the archive was made
    result = run_cli("history", "http://[::1", "--db", str(db))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_network_errors_are_one_line_per_kind_never_a_traceback(tmp_path: Path) -> None:
    """A closed port (nothing listens on 127.0.0.1:9): cron mails what --quiet prints, so it
    is the failure, once, and the hint; without --quiet, Scrapy's log of it has no traceback."""
    db = str(tmp_path / "archive.db")
    quiet = run_cli("crawl", "http://127.0.0.1:9/blog", "--db", db, "--quiet")
    assert quiet.returncode == 1
    lines = quiet.stderr.strip().splitlines()
    assert len(lines) == 2 and "Connection was refused" in lines[0] and "no posts found" in lines[1], quiet.stderr
    loud = run_cli("crawl", "http://127.0.0.1:9/blog", "--db", db)
    assert loud.returncode == 1 and "Traceback" not in loud.stderr and "Connection was refused" in loud.stderr
    assert len(loud.stderr.splitlines()) < 30, loud.stderr


def test_an_unexpected_error_is_one_line_and_its_traceback_on_request(monkeypatch, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from blogarchive import cli

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the archive reader broke\nsecond line")

    monkeypatch.setattr(cli, "_open_archive", broken)
    result = CliRunner().invoke(cli.main, ["status", "--db", str(tmp_path / "a.db")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["blogarchive: error: unexpected error (RuntimeError: the archive reader broke); run again "
                     "with --debug for the traceback"], result.stderr  # fmt: skip
    debug = CliRunner().invoke(cli.main, ["--debug", "status", "--db", str(tmp_path / "a.db")])
    assert isinstance(debug.exception, RuntimeError)
