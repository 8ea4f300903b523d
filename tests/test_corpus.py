"""Real blogs, built by the real generators (tests/corpus): every field right, on every one.

Each blog is built once per session, served on 127.0.0.1 and crawled through the
`blogarchive crawl` command; its archive is then held to the generator's inputs.
A generator that is not installed fails the test in CI (`.ci/run` installs them)
and skips it elsewhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.corpus import BLOGS, MissingError, open_blog
from tests.corpus.score import Row, score

MIN_BODY_F1 = 0.98


@pytest.fixture(scope="session", params=BLOGS)
def crawled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Row, Path]]:
    name = request.param
    work = tmp_path_factory.mktemp(name)
    with ExitStack() as stack:
        try:
            blog = stack.enter_context(open_blog(name, work))
        except MissingError as err:
            if os.environ.get("CI"):
                pytest.fail(str(err))
            pytest.skip(str(err))
        db = work / "archive.db"
        command = [sys.executable, "-m", "blogarchive", "crawl", blog.start_url, "--db", str(db), "--quiet"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr[-2000:]
        yield score(blog, db), db


def test_every_post_found_and_nothing_else(crawled: tuple[Row, Path]) -> None:
    row, _db = crawled
    assert row.missing == [], f"{row.name}: posts not archived"
    assert row.extra == [], f"{row.name}: pages archived that are not posts (archives, static pages)"
    assert row.duplicates == 0


def test_every_rendered_field_exact(crawled: tuple[Row, Path]) -> None:
    row, _db = crawled
    assert row.misses == [], f"{row.name}: {len(row.misses)} fields wrong, first: " + "\n".join(row.misses[:8])


def test_bodies_match_the_posts_without_leaks(crawled: tuple[Row, Path]) -> None:
    row, _db = crawled
    assert row.body_f1 >= MIN_BODY_F1, f"{row.name}: body token F1 {row.body_f1:.3f}"
    assert row.leaks == [], f"{row.name}: boilerplate in bodies: {row.leaks[:3]}"
