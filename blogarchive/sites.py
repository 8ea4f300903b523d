"""Where the known blogs start, and sites files: many blogs crawled into one archive.

A sites file lists blogs as TOML tables:

    [[site]]
    name = "harbor-light"
    start_url = "https://www.example-clinic.com/blog"
    profile = "clinic"        # optional: a name from data/sites/ or a path to a TOML file
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from blogarchive.profiles import ProfileError, load_profile
from blogarchive.urls import BadURLError, check_start_url

# The clinic's blog index, as far as we know it; override with -a start_url=... or
# `blogarchive crawl URL`.
CLINIC_BLOG_URL = "https://www.blueumbrellapsychiatry.com/blog"

# Names are stored with every post and name the site's template: short, no spaces.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_KEYS = {"name", "start_url", "profile"}


class SitesError(ValueError):
    """A sites file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Site:
    name: str
    start_url: str
    profile: str | None = None


def check_site_name(name: str) -> str:
    if not _NAME.match(name):
        raise SitesError(f"site name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    return name


def load_sites(path: Path) -> list[Site]:
    """The sites a file lists, checked: unique names, http(s) start URLs, profiles that load."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise SitesError(f"cannot read sites file {path}: {err.strerror or err}") from err
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise SitesError(f"{path}: not valid TOML ({err})") from err
    entries = data.get("site")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise SitesError(f"{path}: no [[site]] tables")
    sites: list[Site] = []
    for n, entry in enumerate(entries, 1):
        where = f"{path}: site {n}"
        if unknown := set(entry) - _KEYS:
            raise SitesError(f"{where}: unknown key {sorted(unknown)[0]!r} (expected name, start_url, profile)")
        name, url, profile = entry.get("name"), entry.get("start_url"), entry.get("profile")
        if not isinstance(name, str) or not isinstance(url, str):
            raise SitesError(f"{where}: name and start_url are required strings")
        if profile is not None and not isinstance(profile, str):
            raise SitesError(f"{where}: profile must be a string")
        try:
            check_site_name(name)
            url = check_start_url(url)
            if profile:
                load_profile(profile)
        except (SitesError, BadURLError, ProfileError) as err:
            raise SitesError(f"{where}: {err}") from err
        if any(s.name == name for s in sites):
            raise SitesError(f"{where}: the name {name!r} is used twice")
        sites.append(Site(name, url, profile))
    return sites
