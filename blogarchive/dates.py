"""Date normalisation: human date text to ISO 8601 through dateparser."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

# Absolute dates only: a listing card or widget prints a full date, and a
# string missing its day or year is not evidence of one.
_SETTINGS = {
    "STRICT_PARSING": True,
    "REQUIRE_PARTS": ["day", "month", "year"],
    "PARSERS": ["timestamp", "custom-formats", "absolute-time"],
    "RETURN_AS_TIMEZONE_AWARE": False,
    "RETURN_TIME_AS_PERIOD": True,  # tells "May 5, 2025" (a day) from "May 5, 2025 10:30" (a time)
}
# "3 days ago", "yesterday": only against a known fetch time, and only for short labels
# that say they are relative (dateparser alone reads "0H" as "0 hours ago").
_MAX_RELATIVE_TEXT = 30
_RELATIVE_EN = re.compile(r"\b(ago|yesterday|today)\b", re.I)
# Cheap gate before dateparser (≈0.7 ms a call): a date label is short and has a digit.
_MAX_DATE_TEXT = 40
# How blogs print dates most often: dateparser tries these first, far faster than its
# general parsers (which still run when none fits).
_FORMATS = ["%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%A, %B %d, %Y"]
_DIGIT = re.compile(r"\d")
# A full date in words still has two numbers (day and year): pager links ("2"), counts
# ("12 comments") and prices fail this before dateparser's search is asked.
_NUMBERS = re.compile(r"\d+")
# In English a full date also names its month or writes it in numbers (5/4/2025, 2025-05-04):
# addresses and phone numbers ("Suite 12 ... 03801", "(603) 555-0142") fail this before
# dateparser's search, whose first call in a process costs about a second.
_MONTH_EN = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)
_NUMERIC_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b")


@lru_cache(maxsize=8)
def _parser(languages: tuple[str, ...], date_order: str | None) -> DateDataParser:
    """One configured parser per language set: building one costs far more than a parse."""
    settings = dict(_SETTINGS)
    if date_order:
        settings["DATE_ORDER"] = date_order
    return DateDataParser(languages=list(languages), settings=settings)


@lru_cache(maxsize=8192)  # the same labels recur on every page of a site: parse each once
def _absolute(text: str, languages: tuple[str, ...], date_order: str | None) -> tuple[datetime, bool] | None:
    """(moment, has a time) for *text* that states an absolute date, else None."""
    try:
        found = _parser(languages, date_order).get_date_data(text, _FORMATS)
    except (ValueError, OverflowError):  # dateparser raises these on odd numerals
        return None
    if found.date_obj is None or found.period not in ("day", "time"):
        return None
    return found.date_obj, found.period == "time"


def parse_date(text: str | None, languages: tuple[str, ...] = ("en",), date_order: str | None = None) -> str | None:
    """Return the ISO date (YYYY-MM-DD) that *text* states, or None if it states none."""
    if not text:
        return None
    text = " ".join(text.split())
    if not text or len(text) > _MAX_DATE_TEXT or not _DIGIT.search(text):
        return None
    hit = _absolute(text, languages, date_order)
    return hit[0].date().isoformat() if hit else None


@lru_cache(maxsize=4096)
def is_date_text(text: str | None) -> bool:
    """True when *text* is nothing but a full date, like a card's or widget's label."""
    return parse_date(text) is not None


@lru_cache(maxsize=8192)  # labels recur on every page of a site
def find_date_in(text: str | None, languages: tuple[str, ...] = ("en",), date_order: str | None = None) -> str | None:
    """The one full date inside a short label like 'Posted on May 5, 2025', or None.

    Slower than parse_date (dateparser's search), so only for a few labels per page.
    """
    if not text or len(text) > 2 * _MAX_DATE_TEXT or len(_NUMBERS.findall(text)) < 2:
        return None
    exact = parse_date(text, languages, date_order)
    if exact:
        return exact
    if languages == ("en",) and not (_MONTH_EN.search(text) or _NUMERIC_DATE.search(text)):
        return None
    from dateparser.search import search_dates  # imported late: most pages never need it

    try:
        settings = {**_SETTINGS, "DATE_ORDER": date_order} if date_order else _SETTINGS
        hits = search_dates(text, languages=list(languages), settings=settings) or []
    except (ValueError, OverflowError):
        return None
    days = {parse_date(found, languages, date_order) for found, _ in hits} - {None}
    return days.pop() if len(days) == 1 else None


def _iso(moment: datetime, has_time: bool, tz: ZoneInfo | None) -> str:
    if not has_time:
        return moment.date().isoformat()
    if moment.tzinfo is None and tz is not None:
        moment = moment.replace(tzinfo=tz)  # the site's own zone, from its profile
    return moment.isoformat(timespec="seconds")


def parse_timestamp(
    text: str | None,
    languages: tuple[str, ...] = ("en",),
    date_order: str | None = None,
    tz: ZoneInfo | None = None,
    fetched: datetime | None = None,
) -> str | None:
    """ISO 8601 for a date or timestamp as a page states it, or None.

    Machine-readable values (JSON-LD, meta tags, datetime attributes) are read
    as ISO 8601; human text through dateparser.  With a time: the UTC offset
    the text gives, else the site's time zone *tz*, else none.  Without: the date
    alone.  Relative dates ("3 days ago") are resolved against *fetched* only.
    """
    if not text or not text.strip():
        return None
    text = " ".join(text.split())
    try:
        moment = datetime.fromisoformat(text)
        return _iso(moment, len(text) > 10, tz)
    except ValueError:
        pass
    if len(text) > 2 * _MAX_DATE_TEXT or (not _DIGIT.search(text) and fetched is None):
        return None
    hit = _absolute(text, languages, date_order) if _DIGIT.search(text) else None
    if hit is not None:
        return _iso(hit[0], hit[1], tz)
    if day := find_date_in(text, languages, date_order):
        return day  # a date inside a label: "Posted on 5 May 2025"
    relative = _RELATIVE_EN.search(text) or set(languages) - {"en"}
    if not (fetched and relative and len(text) <= _MAX_RELATIVE_TEXT):
        return None
    try:
        found = DateDataParser(
            languages=list(languages),
            settings={"PARSERS": ["relative-time"], "RELATIVE_BASE": fetched.replace(tzinfo=None),
                      "RETURN_TIME_AS_PERIOD": True, "PREFER_DATES_FROM": "past"},
        ).get_date_data(text)  # fmt: skip
    except (ValueError, OverflowError):  # dateparser raises these on odd numerals
        return None
    if found.date_obj is None or found.period not in ("day", "time"):
        return None
    return _iso(found.date_obj, found.period == "time", tz)
