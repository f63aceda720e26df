from __future__ import annotations

from datetime import date

import pytest

from newsbot.retrieval.dates import human_date, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11.Jan.2026", date(2026, 1, 11)),
        ("14 Jan 2026", date(2026, 1, 14)),
        ("2026-01-14", date(2026, 1, 14)),
        ("2025-08-18T14:18:30Z", date(2025, 8, 18)),
        ("January 14, 2026", date(2026, 1, 14)),
        ("14.01.2026", date(2026, 1, 14)),
        ("  03.Jan.2026 ", date(2026, 1, 3)),
        ("14 January 2026", date(2026, 1, 14)),
        ("Sept 3, 2025", date(2025, 9, 3)),
        ("2025-08-18T14:18:30+02:00", date(2025, 8, 18)),
    ],
)
def test_news_date_formats_are_read(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "31.02.2026", "14 Foo 2026", "2026-13-01", "The report of 14 Jan 2026 says", "12345"],
)
def test_unreadable_dates_stay_unknown(text: str) -> None:
    assert parse_date(text) is None


def test_human_date_spells_the_month_and_admits_unknown() -> None:
    assert human_date(date(2026, 1, 4)) == "4 January 2026"
    assert human_date(None) == "date unknown"
