"""The offline demo: bundled blog → 127.0.0.1 → crawl (with its images) → SQLite → CSV, JSON and
Markdown bundles whose images are the downloaded copies, as a migration would have them."""

from __future__ import annotations

import shutil
from pathlib import Path

from rich.console import Console

from blogarchive.crawl import run_crawl
from blogarchive.demo.server import serve
from blogarchive.demo.site import build_site, load_posts
from blogarchive.export import export_rows, write_export
from blogarchive.export_markdown import export_markdown
from blogarchive.storage import Archive
from blogarchive.urls import canonical_url


def run_demo(out: Path, console: Console) -> int:
    """Run the demo into *out*; return the exit status (0 when every post came out right)."""
    posts = load_posts()
    db_path = out / "blog.db"
    # The demo server takes a new free port each run, so its post URLs change:
    # start a fresh demo archive rather than pile up copies under old ports.
    for stale in out.glob("blog.db*"):
        if stale.is_dir():
            shutil.rmtree(stale)  # the page cache of the last demo's archive
        else:
            stale.unlink()
    assets = out / "assets"
    with serve(build_site(posts)) as base_url:
        console.print(f"demo blog with {len(posts)} posts served at {base_url}/blog", highlight=False, soft_wrap=True)
        summary = run_crawl(f"{base_url}/blog", str(db_path), console=console, assets_dir=str(assets))
    for line in summary.lines():
        console.print(line, highlight=False, soft_wrap=True)

    archive = Archive(db_path)
    try:
        for fmt in ("csv", "json", "jsonl"):
            path = out / f"posts.{fmt}"
            with path.open("w", encoding="utf-8", newline="") as fh:
                count = write_export(export_rows(archive), fmt, fh)
            console.print(f"exported {count} posts to {path}", highlight=False, soft_wrap=True)
        bundles = out / "markdown"
        saved = {url: assets / info["path"] for url, info in archive.known_assets().items()}
        count = export_markdown(list(archive.posts()), bundles, saved, force=True)
        console.print(f"exported {count} posts to {bundles}/ (Markdown page bundles, images beside them)",
                      highlight=False, soft_wrap=True)  # fmt: skip
        # The demo checks itself against the bundled truth, as a user would by hand.
        by_path = {p.path: p for p in posts}
        right = 0
        stored = [row for row in archive.posts() if row["url"].startswith(base_url)]
        for row in stored:
            post = by_path.get(row["url"].removeprefix(base_url))
            right += post is not None and row["title"] == post.title and row["published"] == post.date.isoformat()
    finally:
        archive.close()
    expected = {canonical_url(base_url + p.path) for p in posts}
    console.print(
        f"{right}/{len(posts)} bundled posts archived with the right title and date "
        f"({len(expected & {r['url'] for r in stored})} found) in {db_path}",
        highlight=False,
        soft_wrap=True,
    )
    return 0 if summary.ok and right == len(posts) else 1
