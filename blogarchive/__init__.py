"""blogarchive: crawl a blog, extract its posts, keep a versioned SQLite archive."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

__version__ = "0.1.0"


def _from_checkout(name: str) -> None:
    """spiders/ and pipelines/ sit at the top of a checkout (Scrapy's project layout); an
    install maps them into this package (pyproject.toml).  So that `scrapy crawl` also works
    in a checkout nobody installed, load them from beside this package, those two only:
    nothing else of the checkout (tests, bench) becomes importable as part of the library."""
    full = f"{__name__}.{name}"
    if importlib.util.find_spec(full) is not None:
        return  # installed (or installed editable): the install's mapping holds
    init = Path(__file__).resolve().parent.parent / name / "__init__.py"
    if not init.is_file():
        return
    spec = importlib.util.spec_from_file_location(full, init, submodule_search_locations=[str(init.parent)])
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules[full] = module
    spec.loader.exec_module(module)


for _name in ("spiders", "pipelines"):
    _from_checkout(_name)
