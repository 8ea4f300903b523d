"""Shared fixtures: the demo blog, and the demo blog served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from blogarchive.demo.server import serve
from blogarchive.demo.site import DemoPost, Page, build_site, load_posts


@pytest.fixture(scope="session")
def posts() -> list[DemoPost]:
    return load_posts()


@pytest.fixture(scope="session")
def site(posts: list[DemoPost]) -> dict[str, Page]:
    return build_site(posts)


@pytest.fixture(scope="session")
def base_url(site: dict[str, Page]) -> Iterator[str]:
    """The demo blog, served for the whole test session."""
    with serve(site) as url:
        yield url
