"""One way a crawl ends: `scrapy crawl` (and so Scrapyd) writes the same run record as the CLI."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from blogarchive.demo.site import DemoPost

ROOT = Path(__file__).resolve().parent.parent


def _scrapy_crawl(url: str, db: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "blog", "-a", f"start_url={url}",
               "-s", f"BLOGARCHIVE_DB={db}", "-s", "LOG_LEVEL=WARNING"]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_scrapy_crawl_writes_a_run_record_and_the_next_night_uses_it(
    base_url: str, posts: list[DemoPost], tmp_path: Path
) -> None:
    db = tmp_path / "archive.db"
    for _night in range(2):
        result = _scrapy_crawl(f"{base_url}/blog", db)
        assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        runs = [dict(r) for r in conn.execute("select * from runs order by id")]
        archived = conn.execute("select count(*) from posts").fetchone()[0]
    assert archived == len(posts)
    assert [r["status"] for r in runs] == ["ok", "ok"], runs
    assert runs[0]["found"] == len(posts) and runs[0]["new"] == len(posts) and runs[0]["finished"]
    # the second night trusted the first, clean run: it stopped walking the index early
    assert runs[1]["new"] == 0 and runs[1]["found"] < len(posts)
