"""Migration exports parse back to the archive: Markdown, WXR, static HTML, redirect maps, CSV safety."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
import pytest
import yaml

from blogarchive.export import write_export
from blogarchive.export_wxr import NS
from blogarchive.paths import WINDOWS_RESERVED, ExportError, inside, post_slug
from blogarchive.storage import Archive
from tests.helpers import archived_posts, run_cli


@pytest.fixture(scope="module")
def archive_db(base_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo blog crawled with --assets: (database, assets folder)."""
    root = tmp_path_factory.mktemp("migrate")
    db, assets = root / "blog.db", root / "assets"
    result = run_cli("crawl", f"{base_url}/blog", "--db", str(db), "--assets", "--assets-dir", str(assets))
    assert result.returncode == 0, result.stderr
    return db, assets


_posts = archived_posts


def _wp(prefix: str, name: str) -> str:
    """An element name in one of WXR's namespaces."""
    return f"{{{NS[prefix]}}}{name}"


def _front_matter(text: str) -> tuple[dict, str]:
    assert text.startswith("---\n")
    matter, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(matter), body


def test_markdown_page_bundles(archive_db, tmp_path: Path) -> None:
    db, assets = archive_db
    out = tmp_path / "site"
    result = run_cli(
        "export", "--db", str(db), "--format", "markdown", "--output", str(out), "--assets-dir", str(assets)
    )
    assert result.returncode == 0, result.stderr
    posts = _posts(db)
    assert len(list(out.glob("*/index.md"))) == len(posts) == 45
    with_images = 0
    for post in posts:
        slug = post_slug(post["url"], post["title"])
        matter, body = _front_matter((out / slug / "index.md").read_text(encoding="utf-8"))
        assert matter["title"] == post["title"] and matter["date"] == post["published"]
        assert matter["slug"] == slug and matter["original_url"] == post["url"]
        assert matter["aliases"] == ["/" + slug] and matter["tags"] == post["tags"]
        assert matter["summary"] == post["excerpt"]
        assert post["body_text"].splitlines()[0] in body
        for image in post["images"]:
            with_images += 1
            local = [f for f in (out / slug).iterdir() if f.name != "index.md"]
            assert len(local) == 1 and f"]({local[0].name})" in body and image["url"] not in body
    assert with_images == 14
    again = run_cli("export", "--db", str(db), "--format", "markdown", "--output", str(out))
    assert again.returncode == 2 and "--force" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    forced = run_cli("export", "--db", str(db), "--format", "markdown", "--output", str(out), "--force")
    assert forced.returncode == 0, forced.stderr


def test_wxr_parses_against_its_namespaces(archive_db, tmp_path: Path) -> None:
    db, _ = archive_db
    out = tmp_path / "export.xml"
    assert run_cli("export", "--db", str(db), "--format", "wxr", "--output", str(out)).returncode == 0
    tree = lxml.etree.parse(str(out))
    channel = tree.getroot().find("channel")
    assert channel.findtext(_wp("wp", "wxr_version")) == "1.2"
    items = channel.findall("item")
    posts = {p["url"]: p for p in _posts(db)}
    entries = [i for i in items if i.findtext(_wp("wp", "post_type")) == "post"]
    attachments = [i for i in items if i.findtext(_wp("wp", "post_type")) == "attachment"]
    assert len(entries) == 45 and len(attachments) == 14
    ids = {}
    for item in entries:
        post = posts[item.findtext("link")]
        ids[item.findtext(_wp("wp", "post_id"))] = post
        assert item.findtext("title") == post["title"]
        assert item.findtext(_wp("content", "encoded")) == post["body_html"]
        assert item.findtext(_wp("excerpt", "encoded")) == post["excerpt"]
        assert item.findtext(_wp("wp", "post_date")) == f"{post['published']} 00:00:00"
        assert item.findtext(_wp("wp", "post_name")) == post_slug(post["url"])
        assert item.findtext(_wp("wp", "status")) == "publish"
        tags = [c.text for c in item.findall("category") if c.get("domain") == "post_tag"]
        assert tags == post["tags"]
    for attachment in attachments:
        parent = ids[attachment.findtext(_wp("wp", "post_parent"))]
        assert attachment.findtext(_wp("wp", "attachment_url")) in [i["url"] for i in parent["images"]]


def test_static_html_archive(archive_db, tmp_path: Path) -> None:
    db, assets = archive_db
    out = tmp_path / "html"
    result = run_cli("export", "--db", str(db), "--format", "html", "--output", str(out), "--assets-dir", str(assets))
    assert result.returncode == 0, result.stderr
    posts = _posts(db)
    index = lxml.html.parse(str(out / "index.html")).getroot()
    links = [a.text for a in index.cssselect("#posts li > a")]
    assert links == [p["title"] for p in posts]
    assert index.cssselect("input#q")
    host = posts[0]["url"].split("/")[2].split(":")[0]
    assert index.findtext(".//title") == f"{host}: blog archive"  # the blog's, not "Blog archive"
    years = {p["published"][:4] for p in posts}
    nav = [a.get("href") for a in index.cssselect("nav a")]
    assert sorted(nav) == sorted(f"#y{y}" for y in years)
    assert all(index.get_element_by_id(href[1:]) is not None for href in nav)
    # the index is a list, not every body again: under 2 KB a post
    assert (out / "index.html").stat().st_size < 2000 * len(posts)
    assert posts[0]["body_text"].splitlines()[-1].lower() not in (out / "index.html").read_text(encoding="utf-8")
    for post in posts:
        page = (out / "posts" / f"{post_slug(post['url'])}.html").read_text(encoding="utf-8")
        assert "<script" not in page and "onclick" not in page
        doc = lxml.html.fromstring(page)
        assert post["body_text"].splitlines()[0] in doc.text_content()
        for img in doc.iter("img"):
            assert (out / "posts" / img.get("src")).resolve().exists()  # local, beside the archive


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(not _chromium() and not os.environ.get("CI"), reason="Debian's chromium is installed by .ci/run")
def test_static_archive_in_a_real_browser(archive_db, tmp_path: Path) -> None:
    """Headless Chromium: the index lists every post, a post page shows body and image, search finds a post."""
    assert _chromium(), "chromium must be installed in CI (see .ci/run)"
    db, assets = archive_db
    out = tmp_path / "html"
    run_cli("export", "--db", str(db), "--format", "html", "--output", str(out), "--assets-dir", str(assets))
    posts = _posts(db)

    def dom(url: str) -> lxml.html.HtmlElement:
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]  # fmt: skip
        result = subprocess.run([_chromium(), *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        return lxml.html.fromstring(result.stdout)

    index = dom((out / "index.html").as_uri())
    assert len([li for li in index.cssselect("#posts li") if li.get("hidden") is None]) == len(posts)
    assert index.get_element_by_id("count").text == f"{len(posts)} of {len(posts)} posts"
    # the search box, filled from ?q=, runs in the browser and keeps only the matching post
    searched = dom((out / "index.html").as_uri() + "?q=hydrangea%20kites")
    assert searched.get_element_by_id("count").text == f"0 of {len(posts)} posts"
    target = next(p for p in posts if p["images"])
    word = target["title"].split()[-1].lower()
    hits = dom((out / "index.html").as_uri() + "?q=" + "%20".join(target["title"].lower().split()))
    visible = [li.cssselect("a")[0].text for li in hits.cssselect("#posts li") if li.get("hidden") is None]
    assert target["title"] in visible and word
    page = dom((out / "posts" / f"{post_slug(target['url'])}.html").as_uri())
    assert target["body_text"].splitlines()[0] in page.text_content()
    (img,) = page.iter("img")
    assert (out / "posts" / img.get("src")).resolve().is_file()


def test_redirect_map(archive_db, tmp_path: Path) -> None:
    db, _ = archive_db
    out = tmp_path / "redirects"
    result = run_cli("export", "--db", str(db), "--format", "redirects", "--output", str(out), "--base-path", "/blog/")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader((out / "redirects.csv").read_text(encoding="utf-8").splitlines()))
    posts = _posts(db)
    assert len(rows) == len(posts)
    for row in rows:
        assert row["new_path"] == f"/blog/{post_slug(row['old_url'])}/"
    nginx = (out / "nginx.conf").read_text().splitlines()[1:]
    apache = (out / "apache.conf").read_text().splitlines()[1:]
    assert len(nginx) == len(apache) == len(rows)
    first = rows[0]
    pattern = f"^{first['old_path'].rstrip('/')}(/|/index\\.html)?$"  # demo slugs: nothing to escape
    assert f'location ~ "{pattern}" {{ return 301 {first["new_path"]}; }}' in nginx
    assert f'RedirectMatch 301 "{pattern}" "{first["new_path"]}"' in apache


def test_filters_and_fields(archive_db, tmp_path: Path) -> None:
    db, _ = archive_db
    result = run_cli("export", "--db", str(db), "--since", "2025-12-01", "--until", "2026-01-15",
                     "--fields", "published,title")  # fmt: skip
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all(list(r) == ["published", "title"] for r in rows)
    assert all("2025-12-01" <= r["published"] <= "2026-01-15" for r in rows)
    assert len(rows) == 7
    bad = run_cli("export", "--db", str(db), "--fields", "url,colour")
    assert bad.returncode == 2 and "unknown field 'colour'" in bad.stderr
    bad_date = run_cli("export", "--db", str(db), "--since", "yesterday")
    assert bad_date.returncode == 2 and "Traceback" not in bad_date.stderr


def test_removed_posts_only_on_request(tmp_path: Path) -> None:
    from blogarchive.storage import Batch

    db = tmp_path / "r.db"
    archive = Archive(db)
    archive.save_batch([{"url": "https://b.example/a", "title": "A", "body_text": "x"},
                        {"url": "https://b.example/b", "title": "B", "body_text": "y"}])  # fmt: skip
    archive.apply(Batch(gone=["https://b.example/b"]))
    archive.close()
    default = run_cli("export", "--db", str(db), "--fields", "url")
    every = run_cli("export", "--db", str(db), "--fields", "url", "--include-removed")
    assert len(default.stdout.splitlines()) == 1 and len(every.stdout.splitlines()) == 2


def test_csv_neutralises_formulas_and_can_carry_a_bom(tmp_path: Path) -> None:
    rows = [{"url": "https://b.example/x", "title": '=HYPERLINK("http://evil.example")', "excerpt": "+1 -2 @3"}]
    out = io.StringIO()
    write_export(rows, "csv", out, ("url", "title", "excerpt"))
    (row,) = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["title"] == '\'=HYPERLINK("http://evil.example")' and row["excerpt"] == "'+1 -2 @3"
    db = tmp_path / "b.db"
    Archive(db).close()
    run_cli("export", "--db", str(db), "--format", "csv", "--bom", "--output", str(tmp_path / "b.csv"))
    assert (tmp_path / "b.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    # for data tools (sqlite-utils, pandas): the cells as they are
    archive = Archive(db)
    archive.save_batch([{"url": "https://b.example/m", "title": "-5 myths about sleep", "body_text": "x"}])
    archive.close()
    raw = run_cli("export", "--db", str(db), "--format", "csv", "--no-formula-guard", "--fields", "title")
    assert raw.returncode == 0 and next(csv.DictReader(io.StringIO(raw.stdout)))["title"] == "-5 myths about sleep"


def test_file_names_never_leave_the_output_folder(tmp_path: Path) -> None:
    assert post_slug("https://b.example/..%2F..%2Fetc%2Fpasswd") == "passwd"
    assert post_slug("https://b.example/", "../../Secret Title!") == "secret-title"
    with pytest.raises(ExportError):
        inside(tmp_path, "..", "escape.md")
    with pytest.raises(ExportError):
        inside(tmp_path, "/etc/passwd")


def test_file_names_are_never_names_windows_reserves() -> None:
    for url in ("https://b.example/con", "https://b.example/AUX.html", "https://b.example/nul/", "https://b.example/com1"):
        slug = post_slug(url)
        assert slug.split(".")[0] not in WINDOWS_RESERVED and slug.endswith("-post"), slug
    assert post_slug("https://b.example/", "Con") == "con-post"
    assert post_slug("https://b.example/console") == "console"


HOSTILE = {
    "url": "https://b.example/odd-post",
    "title": 'A ]]> "quoted" <script>alert(1)</script> title: with # colon',
    "published": "2024-05-01T09:00:00+02:00",
    "excerpt": "Line one\nkey: value\n- not a list\n---",
    "body_text": "Body.",
    "body_html": '<p onclick="x()">Body <script>alert(2)</script> ]]> end</p>',
    "body_markdown": "Body.",
    "tags": ["a: b", "[c]"],
}


def test_every_value_is_escaped_for_its_format(tmp_path: Path) -> None:
    from blogarchive.export_html import export_html
    from blogarchive.export_markdown import export_markdown
    from blogarchive.export_wxr import write_wxr

    with (tmp_path / "x.xml").open("wb") as out:
        write_wxr([HOSTILE], out)
    item = lxml.etree.parse(str(tmp_path / "x.xml")).getroot().find("channel/item")
    assert item.findtext("title") == HOSTILE["title"]
    assert item.findtext(_wp("content", "encoded")) == HOSTILE["body_html"]  # "]]>" forced plain escaping
    assert item.findtext(_wp("wp", "post_date_gmt")) == "2024-05-01 07:00:00"
    # a date-only post without an author: a GMT date, a pubDate, and an author WordPress can map
    with (tmp_path / "d.xml").open("wb") as out:
        write_wxr([{**HOSTILE, "published": "2024-05-01", "author": None}], out)
    channel = lxml.etree.parse(str(tmp_path / "d.xml")).getroot().find("channel")
    dated = channel.find("item")
    assert dated.findtext(_wp("wp", "post_date_gmt")) == "2024-05-01 00:00:00"
    assert dated.findtext("pubDate") == "Wed, 01 May 2024 00:00:00 +0000"
    logins = [a.findtext(_wp("wp", "author_login")) for a in channel.findall(_wp("wp", "author"))]
    assert dated.findtext(_wp("dc", "creator")) in logins and logins
    export_markdown([HOSTILE], tmp_path / "md", {}, force=False)
    matter, _ = _front_matter((tmp_path / "md" / "odd-post" / "index.md").read_text(encoding="utf-8"))
    assert (matter["title"], matter["summary"], matter["tags"]) == (
        HOSTILE["title"],
        HOSTILE["excerpt"],
        HOSTILE["tags"],
    )
    export_html([HOSTILE], tmp_path / "html", {}, force=False)
    page = (tmp_path / "html" / "posts" / "odd-post.html").read_text(encoding="utf-8")
    assert "<script" not in page and "onclick" not in page and "alert(2)" not in page  # the title shows as text
    assert lxml.html.fromstring(page).findtext(".//h1") == HOSTILE["title"]
    index = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert index.count("<script>") == 1  # the search script, and no title's


def test_wxr_takes_dates_at_the_calendars_edges_and_control_characters(tmp_path: Path) -> None:
    from blogarchive.export_wxr import write_wxr

    posts = [
        {**HOSTILE, "url": "https://b.example/early", "published": "0001-01-01T00:30:00+05:00"},
        {**HOSTILE, "url": "https://b.example/late", "published": "9999-12-31T23:30:00-05:00"},
        {**HOSTILE, "url": "https://b.example/ctrl", "title": "Bell\x07 and\x0b tab", "body_html": "<p>a\x01b</p>"},
    ]
    with (tmp_path / "x.xml").open("wb") as out:
        assert write_wxr(posts, out) == 3
    items = lxml.etree.parse(str(tmp_path / "x.xml")).getroot().findall("channel/item")
    assert [i.findtext(_wp("wp", "post_date")) for i in items[:2]] == ["0001-01-01 00:30:00", "9999-12-31 23:30:00"]
    assert items[2].findtext("title") == "Bell and tab"


def test_export_options_checked_in_one_line(archive_db, tmp_path: Path) -> None:
    db, _assets = archive_db
    result = run_cli("export", "--db", str(db), "--format", "CSV", "--output", str(tmp_path / "p.csv"))
    assert result.returncode == 0 and (tmp_path / "p.csv").exists(), result.stderr
    result = run_cli("export", "--db", str(db), "--since", "2026-02-01", "--until", "2026-01-01",
                     "--output", str(tmp_path / "none.jsonl"))  # fmt: skip
    assert result.returncode == 2 and "is after --until" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "none.jsonl").exists()


def test_jekyll_builds_every_post_from_the_export(archive_db, tmp_path: Path) -> None:
    """Debian's Jekyll 4 with its default theme minima and jekyll-feed: the export copied into a
    site builds a page per post at its permalink, lists every post in site.posts (the theme's
    home page and the feed), and the images saved with --assets are in the built site."""
    import html
    import shutil
    import subprocess
    import xml.etree.ElementTree as ET

    from blogarchive.paths import unique_slugs

    jekyll = shutil.which("jekyll")
    if jekyll is None:
        pytest.fail("jekyll is not installed: .ci/system-deps installs Debian's")
    db, assets = archive_db
    site = tmp_path / "site"
    result = run_cli("export", "--db", str(db), "--format", "jekyll", "--output", str(site),
                     "--assets-dir", str(assets))  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = [p.read_text(encoding="utf-8") for p in (site / "_posts").glob("*.md")]
    assert written and not any("&id0" in text or "*id0" in text for text in written)  # no YAML anchors
    (site / "_config.yml").write_text(
        "title: Migrated\ntheme: minima\npermalink: /:year/:month/:day/:title/\nplugins:\n  - jekyll-feed\n"
    )
    (site / "index.md").write_text("---\nlayout: home\n---\n")
    built = subprocess.run([jekyll, "build", "--quiet", "-s", str(site), "-d", str(tmp_path / "_site")],
                           capture_output=True, text=True)  # fmt: skip
    assert built.returncode == 0, built.stderr
    posts = [p for p in _posts(db) if p.get("published")]
    slugs = unique_slugs(posts)
    out = tmp_path / "_site"
    for post in posts:
        day = post["published"][:10].replace("-", "/")
        page = out / day / slugs[post["url"]] / "index.html"
        assert page.is_file(), page
        assert post["title"].split()[0] in page.read_text(encoding="utf-8")
    entries = ET.parse(out / "feed.xml").getroot().findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == min(len(posts), 10)  # jekyll-feed's default limit
    home = html.unescape((out / "index.html").read_text(encoding="utf-8"))
    assert [post["url"] for post in posts if post["title"] not in home] == []  # minima's home lists site.posts
    pictures = list((out / "assets" / "posts").rglob("*.*"))
    assert pictures, "the images of --assets are not in the built site"
    linked = [p for p in out.rglob("index.html") if "/assets/posts/" in p.read_text(encoding="utf-8")]
    assert linked


@pytest.mark.parametrize("fmt", ["markdown", "jekyll", "html"])
def test_force_over_an_earlier_export_leaves_none_of_its_files(archive_db, tmp_path: Path, fmt: str) -> None:
    """A smaller export --force'd over a larger one: the folder holds the smaller one only, and
    a file of the user's own in it stays (only files an export listed are removed)."""
    db, assets = archive_db
    out = tmp_path / "out"
    common = ("export", "--db", str(db), "--format", fmt, "--output", str(out), "--assets-dir", str(assets))
    assert run_cli(*common).returncode == 0
    every = {p for p in out.rglob("*") if p.is_file()}
    (out / "my-notes.txt").write_text("mine\n")
    smaller = run_cli(*common, "--since", "2026-01-01", "--force")
    assert smaller.returncode == 0, smaller.stderr
    left = {p for p in out.rglob("*") if p.is_file()}
    fresh = tmp_path / "fresh"
    assert run_cli("export", "--db", str(db), "--format", fmt, "--output", str(fresh), "--assets-dir", str(assets),
                   "--since", "2026-01-01").returncode == 0  # fmt: skip
    expected = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
    assert {p.relative_to(out) for p in left} == expected | {Path("my-notes.txt")}
    assert len(left) < len(every)


LINKED = [
    {"url": "https://old.example/first-post/", "title": "First", "published": "2024-01-02", "aliases": [],
     "body_markdown": "Start.", "body_html": "<p>Start.</p>", "tags": [], "categories": [], "images": []},
    {"url": "https://old.example/second-post", "title": "Second", "published": "2024-02-03",
     "aliases": ["https://old.example/2nd-post/"],
     "body_markdown": "See [the first](https://old.example/first-post) and [me](https://old.example/2nd-post/#top).",
     "body_html": '<p>See <a href="https://old.example/first-post">the first</a> and '
                  '<a href="https://old.example/2nd-post/#top">me</a>.</p>',
     "tags": [], "categories": [], "images": []},
]  # fmt: skip


def test_links_between_posts_follow_them_to_the_new_site(tmp_path: Path) -> None:
    """A body's link to another archived post, by its URL or an old slug, slash or not, points at
    that post's new address: in Markdown bundles, in the static archive, and in Jekyll (through
    {% post_url %}, built by Debian's Jekyll)."""
    import shutil
    import subprocess

    from blogarchive.export_html import export_html
    from blogarchive.export_jekyll import export_jekyll
    from blogarchive.export_markdown import export_markdown

    export_markdown(LINKED, tmp_path / "md", {}, force=False)
    text = (tmp_path / "md" / "second-post" / "index.md").read_text(encoding="utf-8")
    assert "[the first](../first-post/)" in text and "[me](../second-post/#top)" in text
    export_html(LINKED, tmp_path / "html", {}, force=False)
    page = lxml.html.fromstring((tmp_path / "html" / "posts" / "second-post.html").read_text(encoding="utf-8"))
    hrefs = [a.get("href") for a in page.iter("a")]
    assert "first-post.html" in hrefs and "second-post.html#top" in hrefs
    assert (tmp_path / "html" / "posts" / "first-post.html").is_file()
    site = tmp_path / "site"
    export_jekyll(LINKED, site, {}, force=False)
    (site / "_config.yml").write_text("title: T\npermalink: /:year/:title/\n")
    jekyll = shutil.which("jekyll")
    if jekyll is None:
        pytest.fail("jekyll is not installed: .ci/system-deps installs Debian's")
    built = subprocess.run([jekyll, "build", "--quiet", "-s", str(site), "-d", str(tmp_path / "_site")],
                           capture_output=True, text=True)  # fmt: skip
    assert built.returncode == 0, built.stderr
    second = (tmp_path / "_site" / "2024" / "second-post" / "index.html").read_text(encoding="utf-8")
    assert 'href="/2024/first-post/"' in second and 'href="/2024/second-post/#top"' in second


def test_wxr_imports_without_the_old_site(archive_db, tmp_path: Path) -> None:
    """With --assets-url, every attachment and body image points where the saved copies will
    be served; every element WordPress's importer reads is there and of its type."""
    db, assets = archive_db
    base = "https://new.example/old-assets"
    out = tmp_path / "wp.xml"
    result = run_cli("export", "--db", str(db), "--format", "wxr", "--output", str(out),
                     "--assets-dir", str(assets), "--assets-url", base)  # fmt: skip
    assert result.returncode == 0, result.stderr
    channel = lxml.etree.parse(str(out)).getroot().find("channel")
    items = channel.findall("item")
    attachments = [i for i in items if i.findtext(_wp("wp", "post_type")) == "attachment"]
    posts = [i for i in items if i.findtext(_wp("wp", "post_type")) == "post"]
    assert attachments and len(posts) == len(_posts(db))
    for attachment in attachments:
        url = attachment.findtext(_wp("wp", "attachment_url"))
        assert url.startswith(base + "/") and (assets / url.removeprefix(base + "/")).is_file(), url
    logins = {a.findtext(_wp("wp", "author_login")) for a in channel.findall(_wp("wp", "author"))}
    for post in posts:
        assert int(post.findtext(_wp("wp", "post_id"))) > 0
        assert post.findtext(_wp("wp", "status")) in ("publish", "draft") and post.findtext(_wp("wp", "post_name"))
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", post.findtext(_wp("wp", "post_date")))
        assert post.findtext(_wp("wp", "post_date_gmt")) != "0000-00-00 00:00:00" and post.findtext("pubDate")
        assert post.findtext(_wp("dc", "creator")) in logins
        body = post.findtext(_wp("content", "encoded"))
        assert body and post.find(_wp("excerpt", "encoded")) is not None
        for src in lxml.html.fragment_fromstring(body, create_parent="div").xpath("//img/@src"):
            assert src.startswith(base + "/"), src  # never the old site's
        for category in post.findall("category"):
            assert category.get("domain") in ("category", "post_tag") and category.get("nicename")


def test_hugo_builds_every_bundle_with_its_images_and_aliases(archive_db, tmp_path: Path) -> None:
    """Debian's Hugo: the Markdown bundles as content/posts/ build a page per post at
    /posts/SLUG/, with its images beside it (page bundles), and an alias page at every old
    path that sends the reader to the new one."""
    import subprocess

    hugo = shutil.which("hugo")
    if hugo is None:
        pytest.fail("hugo is not installed: .ci/system-deps installs Debian's")
    db, assets = archive_db
    site = tmp_path / "site"
    result = run_cli("export", "--db", str(db), "--format", "markdown", "--output", str(site / "content" / "posts"),
                     "--assets-dir", str(assets))  # fmt: skip
    assert result.returncode == 0, result.stderr
    (site / "hugo.toml").write_text('baseURL = "http://new.example/"\ntitle = "Migrated"\n')
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "single.html").write_text("<h1>{{ .Title }}</h1>{{ .Content }}")
    (layouts / "list.html").write_text("{{ range .Pages }}<a href='{{ .RelPermalink }}'>{{ .Title }}</a>{{ end }}")
    built = subprocess.run([hugo, "--quiet", "-s", str(site), "-d", str(tmp_path / "public")],
                           capture_output=True, text=True)  # fmt: skip
    assert built.returncode == 0, built.stderr
    public = tmp_path / "public"
    images = 0
    for post in _posts(db):
        slug = post_slug(post["url"])
        page = public / "posts" / slug / "index.html"
        assert page.is_file(), slug
        doc = lxml.html.fromstring(page.read_text(encoding="utf-8"))
        for src in doc.xpath("//img/@src"):
            assert (page.parent / src).is_file(), (slug, src)  # the bundle's own copy, not the old site
            images += 1
        alias = public / urlsplit(post["url"]).path.strip("/") / "index.html"
        assert alias.is_file() and f"/posts/{slug}/" in alias.read_text(encoding="utf-8"), alias
    assert images >= 1
