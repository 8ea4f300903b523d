"""`-s NAME=VALUE` on the command line, checked before any crawl starts.

A name must be one Scrapy, scrapy-redis or blogarchive knows (a typo would otherwise
be accepted and silently do nothing); a value must read as the type of the setting's
default (a whole number, a number, true or false, a JSON object for dicts, a log level),
so that `DOWNLOAD_TIMEOUT=abc` is one line now, not a traceback mid-crawl.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

from scrapy.settings import default_settings

from blogarchive import settings as blogarchive_settings

# scrapy-redis's settings (distributed mode), which neither module above declares
_REDIS: dict[str, Any] = {
    "REDIS_URL": None, "REDIS_HOST": None, "REDIS_PORT": None, "REDIS_PARAMS": {}, "REDIS_ITEMS_KEY": None,
    "REDIS_ITEMS_SERIALIZER": None, "REDIS_START_URLS_KEY": None, "SCHEDULER_PERSIST": False,
    "SCHEDULER_QUEUE_KEY": None, "SCHEDULER_QUEUE_CLASS": None, "SCHEDULER_DUPEFILTER_KEY": None,
    "SCHEDULER_DUPEFILTER_CLASS": None, "SCHEDULER_FLUSH_ON_START": False, "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
}  # fmt: skip
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class SettingError(ValueError):
    """A `-s NAME=VALUE` that names no setting, or whose value is not of the setting's type."""


def _defaults(module: ModuleType) -> dict[str, Any]:
    return {name: getattr(module, name) for name in dir(module) if name.isupper() and not name.startswith("_")}


KNOWN: dict[str, Any] = {**_defaults(default_settings), **_REDIS, **_defaults(blogarchive_settings)}


def check_setting(pair: str) -> tuple[str, str]:
    """('NAME', 'VALUE') from 'NAME=VALUE', checked against the setting's default; SettingError else."""
    name, sep, value = pair.partition("=")
    name = name.strip()
    if not sep or not name:
        raise SettingError(f"-s takes NAME=VALUE, not {pair!r}")
    if name not in KNOWN:
        raise SettingError(f"-s {name}: no such Scrapy or blogarchive setting")
    default = KNOWN[name]
    if name == "LOG_LEVEL":
        if value.upper() not in _LEVELS:
            raise SettingError(f"-s LOG_LEVEL takes one of {', '.join(_LEVELS)}, not {value!r}")
    elif isinstance(default, bool):
        if value.lower() not in _TRUE | _FALSE:
            raise SettingError(f"-s {name} takes true or false, not {value!r}")
    elif isinstance(default, int):
        _read(name, value, int, "a whole number")
    elif isinstance(default, float):
        _read(name, value, float, "a number")
    elif isinstance(default, dict):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise SettingError(f"-s {name} takes a JSON object, not {value!r}")
    return name, value


def _read(name: str, value: str, kind: type[int] | type[float], says: str) -> None:
    try:
        kind(value)
    except ValueError:
        raise SettingError(f"-s {name} takes {says}, not {value!r}") from None

