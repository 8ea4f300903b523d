"""Date normalisation: human date text to ISO 8601 through dateparser."""

from __future__ import annotations

import re
from functools import lru_cache

from dateparser.date import DateDataParser

# Absolute dates only: a listing card or widget prints a full date, and a
# string missing its day or year is not evidence of one.
_SETTINGS = {
    "STRICT_PARSING": True,
    "REQUIRE_PARTS": ["day", "month", "year"],
    "PARSERS": ["timestamp", "custom-formats", "absolute-time"],
    "RETURN_AS_TIMEZONE_AWARE": False,
}
# Cheap gate before dateparser (≈0.7 ms a call): a date label is short and has a digit.
_MAX_DATE_TEXT = 40
_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=8)
def _parser(languages: tuple[str, ...], date_order: str | None) -> DateDataParser:
    """One configured parser per language set: building one costs far more than a parse."""
    settings = dict(_SETTINGS)
    if date_order:
        settings["DATE_ORDER"] = date_order
    return DateDataParser(languages=list(languages), settings=settings)


def parse_date(text: str | None, languages: tuple[str, ...] = ("en",), date_order: str | None = None) -> str | None:
    """Return the ISO date (YYYY-MM-DD) that *text* states, or None if it states none."""
    if not text:
        return None
    text = " ".join(text.split())
    if not text or len(text) > _MAX_DATE_TEXT or not _DIGIT.search(text):
        return None
    try:
        found = _parser(languages, date_order).get_date_data(text)
    except (ValueError, OverflowError):  # dateparser raises these on odd numerals
        return None
    if found.date_obj is None or found.period != "day":
        return None
    return found.date_obj.date().isoformat()


@lru_cache(maxsize=4096)
def is_date_text(text: str | None) -> bool:
    """True when *text* is nothing but a full date, like a card's or widget's label."""
    return parse_date(text) is not None


def find_date_in(text: str | None, languages: tuple[str, ...] = ("en",), date_order: str | None = None) -> str | None:
    """The one full date inside a short label like 'Posted on May 5, 2025', or None.

    Slower than parse_date (dateparser's search), so only for a few labels per page.
    """
    if not text or len(text) > 2 * _MAX_DATE_TEXT or not _DIGIT.search(text):
        return None
    exact = parse_date(text, languages, date_order)
    if exact:
        return exact
    from dateparser.search import search_dates  # imported late: most pages never need it

    try:
        settings = {**_SETTINGS, "DATE_ORDER": date_order} if date_order else _SETTINGS
        hits = search_dates(text, languages=list(languages), settings=settings) or []
    except (ValueError, OverflowError):
        return None
    days = {parse_date(found, languages, date_order) for found, _ in hits} - {None}
    return days.pop() if len(days) == 1 else None
