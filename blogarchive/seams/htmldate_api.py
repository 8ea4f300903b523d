"""htmldate, as blogarchive uses it (1.x).

Public: `find_date` over a page.  Internal, pinned by tests/test_seams.py: the URL
reader `find_date` runs first (`extractors.extract_url_date`), so that a date in a
URL is read without handing htmldate a stand-in document.
"""

from __future__ import annotations

from datetime import date, datetime

from htmldate import find_date
from htmldate.extractors import extract_url_date
from htmldate.settings import MIN_DATE
from htmldate.utils import Extractor
from lxml.html import HtmlElement

_DAY = "%Y-%m-%d"


def page_date(tree: HtmlElement, extensive: bool) -> str | None:
    """The page's original publication day (YYYY-MM-DD), not after today; *extensive*: also
    from the page's text, not only its markup."""
    today = date.today().isoformat()
    found = find_date(tree, original_date=True, extensive_search=extensive, max_date=today)
    return str(found) if found else None


def url_date(url: str) -> str | None:
    """The day a URL states in full (/2025/05/04/slug), if it is a plausible one."""
    options = Extractor(extensive=False, max=datetime.now(), min=MIN_DATE, original=True, format=_DAY)
    found = extract_url_date(url, options)
    return str(found) if found else None
