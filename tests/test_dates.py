from __future__ import annotations

import pytest

from blogarchive.dates import find_date_in, is_date_text, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("February 5, 2026", "2026-02-05"),
        ("  January 8, 2026 ", "2026-01-08"),
        ("5 Feb 2026", "2026-02-05"),
        ("2026-02-05", "2026-02-05"),
        ("Thursday, January 8, 2026", "2026-01-08"),
    ],
)
def test_parse_date_reads_full_dates(text: str, expected: str) -> None:
    assert parse_date(text) == expected


def test_day_month_order_follows_the_site() -> None:
    assert parse_date("05/02/2026", date_order="DMY") == "2026-02-05"
    assert parse_date("05/02/2026", date_order="MDY") == "2026-05-02"


@pytest.mark.parametrize(
    "text",
    ["", None, "Read More", "2019", "March 2025", "Tags: anxiety", "(603) 555-0142", "x" * 100, "12 steps"],
)
def test_text_that_is_not_a_full_date_gives_no_date(text: str | None) -> None:
    assert parse_date(text) is None
    assert not is_date_text(text)


def test_find_date_in_a_label() -> None:
    assert find_date_in("Posted on February 5, 2026") == "2026-02-05"
    assert find_date_in("By Dana Whitlock · Jan 8, 2026") == "2026-01-08"
    # two different dates: the label states no single date
    assert find_date_in("From 5 May 2025 to 6 May 2025") is None
    assert find_date_in("Read more") is None


def test_labels_that_are_not_dates_skip_the_search() -> None:
    from blogarchive.dates import find_date_in

    assert find_date_in("Posted on May 5, 2025 by Dana") == "2025-05-05"
    assert find_date_in("Updated 5/4/2025 after review") is not None
    assert find_date_in("400 Lantern Way, Suite 12, Portsmouth, NH 03801") is None
    assert find_date_in("Phone (603) 555-0142 · Open Monday to Friday, 8am to 6pm") is None
