"""The package is the library: its spiders and pipelines, nothing else of the checkout."""

from __future__ import annotations

import importlib

import pytest

import blogarchive
import blogarchive.pipelines.store
import blogarchive.spiders.blog  # imported here: trafilatura warns (urllib3's SOCKS) on first import


def test_only_the_library_is_importable_from_the_package() -> None:
    assert blogarchive.spiders.blog.BlogSpider.name == "blog"
    assert blogarchive.pipelines.store.StorePipeline
    for name in ("blogarchive.tests", "blogarchive.bench", "blogarchive.deploy"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(name)
    assert all("/tests" not in path for path in blogarchive.__path__)


def test_the_user_agent_names_the_tool_and_no_address_that_may_not_exist() -> None:
    from blogarchive import __version__, settings

    assert settings.USER_AGENT.startswith(f"blogarchive/{__version__} ")
    assert "http" not in settings.USER_AGENT and "@" not in settings.USER_AGENT
