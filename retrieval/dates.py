"""Dates as news pages write them.

A date we cannot read stays unknown: an invented date would put an article in
the wrong place in `/latest` and in date filters, which is worse than no date.
"""

from __future__ import annotations

import functools
import re
from datetime import date

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"


# Each pattern must match the whole (stripped) string: a date line in a scraped
# page is a line of its own, and a partial match inside prose is not a date.
# Compiled on first use: a shell `ask` imports this module for `human_date` alone.
@functools.cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    return (
        # 2026-01-14, 2025-08-18T14:18:30Z, 2025-08-18 14:18:30+02:00
        re.compile(
            r"(?P<year>\d{4})-(?P<mnum>\d{1,2})-(?P<day>\d{1,2})"
            r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
        ),
        # 11.Jan.2026, 14 Jan 2026, 14 January 2026, 14-Jan-2026
        re.compile(r"(?P<day>\d{1,2})[ .\-/]+" + _MONTH + r"[ .\-/,]+(?P<year>\d{4})"),
        # January 14, 2026 / Jan 14 2026
        re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})"),
        # 14.01.2026, 14/01/2026 (day first, as European news sites write it)
        re.compile(r"(?P<day>\d{1,2})[./](?P<mnum>\d{1,2})[./](?P<year>\d{4})"),
    )


def parse_date(text: str) -> date | None:
    """Read one date written the way news pages do; `None` when it is not one."""
    candidate = text.strip()
    if len(candidate) > 40:
        return None
    for pattern in _patterns():
        match = pattern.fullmatch(candidate)
        if match is None:
            continue
        fields = match.groupdict()
        if fields.get("mnum"):
            month = int(fields["mnum"])
        else:
            found = MONTHS.get(fields["month"].lower())
            if found is None:
                return None
            month = found
        try:
            return date(int(fields["year"]), month, int(fields["day"]))
        except ValueError:
            return None
    return None


def human_date(day: date | None) -> str:
    """`14 January 2026`, or `date unknown`; the same text everywhere a date is shown."""
    if day is None:
        return "date unknown"
    return f"{day.day} {day.strftime('%B')} {day.year}"
