"""Safe names for exported files: slugs that cannot leave the output folder, no silent overwrites."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 80
# Names Windows reserves for devices, with any extension: an archive copied there would break.
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}
)


class ExportError(Exception):
    """An export that would write outside its folder or over existing files."""


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens; '' when nothing is left; never a name
    Windows reserves (con, aux, nul, com1...: "con" becomes "con-post")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:MAX_SLUG].strip("-")
    return f"{slug}-post" if slug in WINDOWS_RESERVED else slug


def post_slug(url: str, title: str | None = None) -> str:
    """A post's slug: its URL's last path segment (no extension), else its title, else a hash."""
    segment = PurePosixPath(unquote(urlsplit(url).path)).name
    segment = re.sub(r"\.(html?|php|aspx?)$", "", segment, flags=re.I)
    return slugify(segment) or slugify(title or "") or "post-" + hashlib.sha1(url.encode()).hexdigest()[:10]


def unique_slugs(posts: list[dict]) -> dict[str, str]:
    """URL → slug for every post, made unique with -2, -3... in archive order."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    for post in posts:
        base = post_slug(post["url"], post.get("title"))
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        out[post["url"]] = slug
    return out


def inside(folder: Path, *parts: str) -> Path:
    """folder/parts..., refusing any path that would resolve outside *folder*."""
    root = folder.resolve()
    target = root.joinpath(*parts).resolve()
    if target != root and root not in target.parents:
        raise ExportError(f"refusing to write outside {folder}: {'/'.join(parts)}")
    return target


def check_writable(paths: list[Path], force: bool) -> None:
    """Raise unless none of *paths* exists, or *force* allows overwriting them."""
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
        raise ExportError(f"{existing[0]}{more} already exist(s): use --force to overwrite")
