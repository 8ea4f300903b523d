"""A corpus of real blogs, built at test time by the real generators with their standard themes.

Every blog is made from the same synthetic posts (tests/corpus/content.py) by
the generator itself, installed from a package registry (PyPI, Debian, npm) by
`.ci/run`; no template HTML of theirs is in this project.  Ground truth comes
from the generator's inputs and from what the platform is documented to render
(`Blog.renders`), never from its output pages.

    with open_blog("pelican-notmyidea", workdir) as blog:
        crawl blog.start_url, compare with blog.posts
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from tests.corpus.content import CorpusPost

# Where built blogs and installed generators are kept between test sessions (ignored by git).
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "corpus"

# The fields a blog can show; each blog names those its platform renders.
FIELDS = ("title", "published", "time", "modified", "excerpt", "author", "tags")


@dataclass(frozen=True)
class Truth:
    """What one post of a built blog must come out as."""

    url: str  # as the blog links it, absolute
    post: CorpusPost


@dataclass
class Blog:
    """A built, served blog: where to start crawling, and its posts' truth."""

    name: str
    start_url: str
    posts: list[Truth]
    renders: frozenset[str]


class MissingError(Exception):
    """The generator is not installed here (`.ci/run` installs it)."""


def need(command: str) -> str:
    path = shutil.which(command)
    if path is None:
        raise MissingError(f"{command} is not installed (bash .ci/system-deps installs it)")
    return path


def _builders() -> dict[str, Callable[[Path], AbstractContextManager[Blog]]]:
    from tests.corpus import docusaurus, hexo, jekyll, nikola, pelican, wordpress

    return {
        "pelican-notmyidea": lambda work: pelican.blog("notmyidea", work),
        "pelican-simple": lambda work: pelican.blog("simple", work),
        "wordpress-twentytwentythree": wordpress.blog,
        "jekyll-minima": jekyll.blog,
        "docusaurus-classic": docusaurus.blog,
        "nikola-bootblog4": nikola.blog,
        "hexo-landscape": hexo.blog,
    }


BLOGS = (
    "pelican-notmyidea",
    "pelican-simple",
    "wordpress-twentytwentythree",
    "jekyll-minima",
    "docusaurus-classic",
    "nikola-bootblog4",
    "hexo-landscape",
)


def open_blog(name: str, work: Path) -> AbstractContextManager[Blog]:
    """Build blog *name* in *work* and serve it on 127.0.0.1 for the `with` block."""
    return _builders()[name](work)
