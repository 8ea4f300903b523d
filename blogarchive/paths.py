"""Safe names for exported files: slugs that cannot leave the output folder, no silent overwrites."""

from __future__ import annotations

import hashlib
import json
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


MANIFEST = ".blogarchive-export"  # the files an export wrote, in its folder


def settle_export(folder: Path, started: float) -> int:
    """After a folder export: remove what the previous export into *folder* wrote and this one
    did not (a post gone, a slug renamed), and record what this one wrote.  Only files a
    blogarchive export listed are ever removed; a user's own files in the folder stay.
    Returns how many stale files went."""
    manifest = folder / MANIFEST
    written = sorted(
        p.relative_to(folder).as_posix() for p in folder.rglob("*")
        if p.is_file() and p.name != MANIFEST and p.stat().st_mtime >= started
    )  # fmt: skip
    try:
        before = set(json.loads(manifest.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        before = set()
    stale = 0
    for name in sorted(before - set(written)):
        target = inside(folder, name)
        if target.is_file():
            target.unlink()
            stale += 1
            for parent in target.parents:
                if parent == folder.resolve() or any(parent.iterdir()):
                    break
                parent.rmdir()
    manifest.write_text(json.dumps(written, indent=0), encoding="utf-8")
    return stale


def _spellings(url: str) -> set[str]:
    """The ways a body may link to *url*: with and without its trailing slash."""
    bare = url.split("#", 1)[0].rstrip("/")
    return {bare, bare + "/"} if urlsplit(bare).path else {bare + "/"}


def link_map(posts: list[dict], target: dict[str, str]) -> dict[str, str]:
    """Every URL a post was archived under (its key, its aliases, slash or not) → *target*
    of that post (its new address), so that links between posts follow them to the new site."""
    out: dict[str, str] = {}
    for post in posts:
        for url in [post["url"], *post.get("aliases", [])]:
            for spelling in _spellings(url):
                out.setdefault(spelling, target[post["url"]])
    return out


_MD_LINK = re.compile(r"\]\((https?://[^)\s#]+)(#[^)\s]*)?\)")


def rewrite_markdown_links(body: str, links: dict[str, str]) -> str:
    """Markdown links `](URL)` to an archived post made to point at its new address."""
    def swap(match: re.Match[str]) -> str:
        new = links.get(match[1])
        return f"]({new}{match[2] or ''})" if new else match[0]

    return _MD_LINK.sub(swap, body)
