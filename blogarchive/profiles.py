"""Site profiles: small TOML files that tell the crawler how one blog is built.

A profile is optional: without one the crawler reads cards, dates and bodies by
their shape.  With one, its CSS selectors take precedence.  Example (all keys
optional but `name`):

    name = "clinic"
    hosts = ["www.example.com", "example.com"]
    start_url = "https://www.example.com/blog"
    languages = ["en"]
    date_order = "MDY"
    timezone = "America/New_York"   # for times the pages give without an offset

    [listing]
    card = "article.card"       # one post's card on an index page
    link = "h2 a"               # the post link inside a card
    title = "h2"
    date = ".date"
    excerpt = ".summary"
    next = "a.older"            # the next index page

    [article]
    title = "h1"
    date = "time"
    author = ".byline"
    body = ".post-body"
    drop = [".related", ".share"]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cssselect import SelectorError
from lxml.cssselect import CSSSelector

# Profiles shipped with the checkout; a user's own can be passed by path.
# the working directory's data/sites/, the checkout's, and the copy an install carries
# (pyproject.toml maps data/sites/ to blogarchive.sites_data)
PROFILE_DIRS = (
    Path("data/sites"),
    Path(__file__).resolve().parent.parent / "data" / "sites",
    Path(__file__).resolve().parent / "sites_data",
)
_DATE_ORDERS = {"DMY", "MDY", "YMD", "YDM", "MYD", "DYM"}


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file and field."""


@dataclass(frozen=True)
class ListingRules:
    card: str | None = None
    link: str | None = None
    title: str | None = None
    date: str | None = None
    excerpt: str | None = None
    next: str | None = None


@dataclass(frozen=True)
class ArticleRules:
    title: str | None = None
    date: str | None = None
    author: str | None = None
    body: str | None = None
    drop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    name: str
    hosts: tuple[str, ...] = ()
    start_url: str | None = None
    languages: tuple[str, ...] = ("en",)
    date_order: str | None = None
    timezone: str | None = None
    listing: ListingRules = field(default_factory=ListingRules)
    article: ArticleRules = field(default_factory=ArticleRules)
    source: str = ""

    def matches(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return host in self.hosts


def _check_selector(where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"{where}: expected a CSS selector string")
    try:
        CSSSelector(value)
    except SelectorError as err:
        raise ProfileError(f"{where}: bad CSS selector {value!r} ({err})") from err
    return value


def _rules(cls: type, table: Any, where: str) -> Any:
    if not isinstance(table, dict):
        raise ProfileError(f"{where}: expected a table")
    known = {f.name for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise ProfileError(f"{where}.{key}: unknown field (known: {', '.join(sorted(known))})")
        if key == "drop":
            if not isinstance(value, list):
                raise ProfileError(f"{where}.drop: expected a list of CSS selectors")
            values[key] = tuple(_check_selector(f"{where}.drop", v) for v in value)
        else:
            values[key] = _check_selector(f"{where}.{key}", value)
    return cls(**values)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ProfileError(f"{where}: expected a list of strings")
    return tuple(value)


def parse_profile(data: dict[str, Any], source: str) -> Profile:
    """Build a Profile from parsed TOML; ProfileError names the bad field."""
    where = source
    known = {"name", "hosts", "start_url", "languages", "date_order", "timezone", "listing", "article"}
    for key in data:
        if key not in known:
            raise ProfileError(f"{where}: {key}: unknown field (known: {', '.join(sorted(known))})")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ProfileError(f"{where}: name: required, a non-empty string")
    start_url = data.get("start_url")
    if start_url is not None and (
        not isinstance(start_url, str) or urlsplit(start_url).scheme not in ("http", "https")
    ):
        raise ProfileError(f"{where}: start_url: expected an http(s) URL")
    date_order = data.get("date_order")
    if date_order is not None and date_order not in _DATE_ORDERS:
        raise ProfileError(f"{where}: date_order: expected one of {', '.join(sorted(_DATE_ORDERS))}")
    tz = data.get("timezone")
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as err:
            raise ProfileError(f"{where}: timezone: unknown time zone {tz!r}") from err
    return Profile(
        name=name,
        timezone=tz,
        hosts=tuple(h.lower() for h in _strings(data.get("hosts", []), f"{where}: hosts")),
        start_url=start_url,
        languages=_strings(data.get("languages", ["en"]), f"{where}: languages"),
        date_order=date_order,
        listing=_rules(ListingRules, data.get("listing", {}), f"{where}: listing"),
        article=_rules(ArticleRules, data.get("article", {}), f"{where}: article"),
        source=source,
    )


def load_profile_file(path: Path) -> Profile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ProfileError(f"cannot read profile {path}: {err.strerror or err}") from err
    except tomllib.TOMLDecodeError as err:
        raise ProfileError(f"{path}: not valid TOML ({err})") from err
    return parse_profile(data, str(path))


def known_profiles() -> list[Profile]:
    """Every profile in data/sites/ (the working directory's, then the checkout's)."""
    seen: dict[str, Profile] = {}
    for folder in PROFILE_DIRS:
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            profile = load_profile_file(path)
            seen.setdefault(profile.name, profile)
    return list(seen.values())


def load_profile(name_or_path: str) -> Profile:
    """A profile by name (from data/sites/) or by path to a TOML file."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return load_profile_file(path)
    for profile in known_profiles():
        if profile.name == name_or_path:
            return profile
    names = ", ".join(p.name for p in known_profiles()) or "none"
    raise ProfileError(f"no profile named {name_or_path!r} (known: {names})")


def profile_for(url: str) -> Profile | None:
    """The profile whose hosts include *url*'s host, if any."""
    return next((p for p in known_profiles() if p.matches(url)), None)
