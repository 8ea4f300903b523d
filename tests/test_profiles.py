"""Site profiles: validation with one-line errors, and a blog only a profile can read."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from blogarchive.demo.server import serve
from blogarchive.demo.site import Page
from blogarchive.profiles import ProfileError, load_profile, parse_profile
from tests.helpers import ROOT, run_cli


def test_the_clinic_profile_loads() -> None:
    profile = load_profile("clinic")
    assert profile.start_url == "https://www.blueumbrellapsychiatry.com/blog"
    assert profile.matches("https://www.blueumbrellapsychiatry.com/some-post")
    by_path = load_profile(str(ROOT / "data" / "sites" / "clinic.toml"))
    assert (by_path.name, by_path.hosts, by_path.date_order) == (profile.name, profile.hosts, profile.date_order)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "name"),
        ({"name": "x", "colour": "red"}, "colour"),
        ({"name": "x", "listing": {"cards": "li"}}, "listing.cards"),
        ({"name": "x", "listing": {"card": "li[["}}, "listing.card"),
        ({"name": "x", "article": {"drop": ".ad"}}, "article.drop"),
        ({"name": "x", "date_order": "DDMM"}, "date_order"),
        ({"name": "x", "hosts": "example.com"}, "hosts"),
        ({"name": "x", "start_url": "example.com/blog"}, "start_url"),
    ],
)
def test_bad_profiles_name_the_field(data: dict, field: str) -> None:
    with pytest.raises(ProfileError, match=field.replace(".", r"\.")):
        parse_profile(data, "test.toml")


def test_unknown_profile_name() -> None:
    with pytest.raises(ProfileError, match="no profile named 'nope'"):
        load_profile("nope")


def _titles_only_blog() -> dict[str, Page]:
    """A blog whose index lists bare titles (no dates), with no sitemap or feed:
    nothing but a profile says where its posts are."""
    slugs = [f"entry-{n}" for n in range(1, 6)]
    items = "".join(f'<li class="entry"><a href="/journal/{s}">Entry number {s[-1]}</a></li>' for s in slugs)
    pages = {"/journal": Page(f'<html><body><ul class="archive-list">{items}</ul></body></html>'.encode())}
    for n, slug in enumerate(slugs, start=1):
        body = (
            f'<html><body><div class="promo">Subscribe to our list!</div><h1>Entry number {n}</h1>'
            f'<p class="posted">Written 0{n}.03.2024</p><div class="content"><p>Entry {n} is about quiet '
            "mornings and the sound of rain on a tin roof, told over several sentences of plain text.</p>"
            "<p>It ends with a short note on tea.</p></div></body></html>"
        )
        pages[f"/journal/{slug}"] = Page(body.encode())
    return pages


PROFILE = """
name = "journal"
hosts = ["127.0.0.1"]
date_order = "DMY"
[listing]
card = "ul.archive-list li.entry"
link = "a"
title = "a"
[article]
title = "h1"
date = ".posted"
body = ".content"
drop = [".promo"]
"""


def test_a_profile_reads_a_blog_the_generic_crawler_cannot(tmp_path: Path) -> None:
    profile = tmp_path / "journal.toml"
    profile.write_text(PROFILE)
    with serve(_titles_only_blog()) as origin:
        generic = run_cli("crawl", f"{origin}/journal", "--db", str(tmp_path / "g.db"))
        with_profile = run_cli("crawl", f"{origin}/journal", "--db", str(tmp_path / "p.db"), "--profile", str(profile))
        # a profile in ./data/sites/ whose hosts match is used without --profile
        (tmp_path / "data" / "sites").mkdir(parents=True)
        (tmp_path / "data" / "sites" / "journal.toml").write_text(PROFILE)
        auto = run_cli("crawl", f"{origin}/journal", "--db", "a.db", cwd=tmp_path)
    assert generic.returncode == 1 and "no posts found" in generic.stderr
    assert with_profile.returncode == 0, with_profile.stderr
    assert auto.returncode == 0, auto.stderr
    for db in (tmp_path / "p.db", tmp_path / "a.db"):
        with sqlite3.connect(db) as conn:
            rows = conn.execute("select title, published, body_text from posts order by url").fetchall()
        assert [r[0] for r in rows] == [f"Entry number {n}" for n in range(1, 6)]
        assert [r[1] for r in rows] == [f"2024-03-0{n}" for n in range(1, 6)]  # day first, as the profile says
        assert all("Subscribe" not in r[2] and "quiet mornings" in r[2] for r in rows)


def test_a_bad_profile_is_one_line_naming_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[listing]\ncard = "li[["\n')
    result = run_cli("crawl", "https://blog.example/", "--profile", str(bad), "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "listing.card" in line and "bad CSS selector" in line
