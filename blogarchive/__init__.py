"""blogarchive: crawl a blog, extract its posts, keep a versioned SQLite archive."""

from pathlib import Path

__version__ = "0.1.0"

# spiders/ and pipelines/ sit at the top of a checkout (Scrapy's project layout); an
# install maps them into this package (pyproject.toml).  So that `scrapy crawl` also
# works in a checkout nobody installed, look for them beside this package too.
_checkout = Path(__file__).resolve().parent.parent
if (_checkout / "spiders" / "__init__.py").is_file() and str(_checkout) not in __path__:
    __path__.append(str(_checkout))
