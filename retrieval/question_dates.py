"""Dates in members' questions: "cricket news from 14 August 2025", "what happened last week".

Left alone, a date in a question is only words: "14 August 2025" matches any
article that mentions August, and "last week" matches nothing useful. Here a
date phrase becomes the same inclusive after/before filter as the CLI's
`--after/--before`, and leaves the text that is searched, so it no longer
competes with the words of the topic.

A date the parser is unsure of is not applied silently. "may" the verb, "10/11"
(which number is the day?), "spring", a day in the future, or two phrases that
contradict each other stay in the searched text and are listed in
`DateScope.unsure`, so the reply can say what it did not understand instead of
quietly answering about the wrong days.

The module is pure: no I/O and no clock. `today` is an argument, so the same
question always gives the same range in tests and in the benchmark.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

from newsbot.retrieval.dates import MONTHS

__all__ = ["DateScope", "question_dates"]

FLAGS: Final = re.IGNORECASE | re.ASCII  # ASCII: month names are looked up by their lower case


@dataclass(frozen=True)
class DateScope:
    """What a question says about dates, and what is left of it to search for."""

    after: date | None  # inclusive, as `--after`
    before: date | None  # inclusive, as `--before`
    text: str  # the question without the date words that were applied
    label: str | None  # the range in plain words, for the reply: "from 1 to 31 January 2026"
    unsure: tuple[str, ...]  # date-like phrases that were NOT applied; they are still in `text`


def alternatives(words: Iterable[str]) -> str:
    """Alternatives longest first, so that "sept" is tried before "sep"."""
    return "|".join(sorted(words, key=len, reverse=True))


# Every date phrase (`date_phrases`) holds an ASCII digit or one of these words (read with the same flags, so
# with the same letters): a weekday name and "today" hold "day", "weekend" holds "week", and each
# kind and doubt needs a month name, a unit of time, a season, "now", "date", "present" or
# "tomorrow". A question without any is answered without the phrase patterns, with the same result
# as they would give: no date. Words that merely contain one ("know", "update") take the full path.
_DATE_WORDS: Final = (
    *MONTHS,
    *("day", "hour", "week", "fortnight", "month", "year", "tomorrow"),
    *("now", "date", "present", "spring", "summer", "autumn", "fall", "winter"),
)
_MAYBE_DATE: Final = re.compile(rf"[0-9]|{alternatives(_DATE_WORDS)}", FLAGS)


def question_dates(question: str, today: date) -> DateScope:
    """The date range a member's question asks about, and the question left to search.

    Each date phrase (with its preposition) is read against `today`; the phrases
    that apply are combined into one inclusive after/before range and removed
    from the text. Phrases that might not be dates, and scopes that contradict
    each other, are listed in `unsure` and left in the text.
    """
    if _MAYBE_DATE.search(question) is None:
        return DateScope(None, None, question.strip(), None, ())
    from newsbot.retrieval.date_phrases import _scan  # the grammar: only for questions that may need it

    return _scan(question, today)
