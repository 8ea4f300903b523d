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


def test_packaging_metadata_a_user_installs() -> None:
    """The license is an SPDX expression (the table form is deprecated), no project URL points
    nowhere, and the tool's own install carries no test tools (they are the test extra's)."""
    import tomllib

    from tests.helpers import ROOT

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert "urls" not in project  # no published home page or repository yet: none is named
    test_tools = {"pytest", "ruff", "mypy", "hypothesis"}
    assert not any(dep.split(">")[0].split("[")[0] in test_tools for dep in project["dependencies"])
    recipe = (ROOT / "Makefile").read_text().split("$(BIN)/blogarchive: pyproject.toml", 1)[1].split("\n\n", 1)[0]
    assert "pip install --quiet -e ." in recipe and "[test]" not in recipe


def test_the_built_wheel_holds_every_package_and_the_bundled_profiles(tmp_path) -> None:
    """An installed copy or a Scrapyd egg is built from pyproject.toml's package list: a
    subpackage missing from it, or data/sites/, would only fail on a user's machine."""
    import subprocess
    import sys
    import zipfile

    from tests.helpers import ROOT

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)  # fmt: skip
    (wheel,) = tmp_path.glob("blogarchive-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "blogarchive").rglob("__init__.py")}
    for package in packages:
        assert f"{package}/__init__.py" in names, package
    for profile in (ROOT / "data" / "sites").glob("*.toml"):
        assert f"blogarchive/sites_data/{profile.name}" in names, profile.name
