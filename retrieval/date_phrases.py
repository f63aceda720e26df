"""The grammar of date phrases in questions: read only for a question that may hold one.

`question_dates` (the module members' questions go through) loads this module
only when a question holds a digit or a date word: most questions name no
date, and this grammar (its readings, patterns and tables) costs a shell `ask`
more to import than the rest of its date handling (issue #14).
"""

from __future__ import annotations

import calendar
import functools
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Final, Literal, NamedTuple, ParamSpec, TypeAlias

# One list of month names for the whole package: the one dates on news pages are read with.
from newsbot.retrieval.dates import MONTHS, human_date, parse_date
from newsbot.retrieval.question_dates import FLAGS, DateScope, alternatives

# ---------------------------------------------------------------------------
# Readings: what one date phrase means, before a preposition gives it a role.


@dataclass(frozen=True)
class _Span:
    """Days a phrase covers. `relative` spans ("Monday", "last week") are named with their weekday."""

    start: date
    end: date
    unit: Literal["day", "month", "year", "period"]
    relative: bool = False


@dataclass(frozen=True)
class _Partial:
    """A calendar date with parts left out ("14 August", "March"); `today` or a range fills them in."""

    year: int | None
    month: int | None
    day: int | None
    weekday: int | None = None  # "Monday, 14 August": the date must fall on it


class _Doubt:
    """A phrase that reads like a date but may not be one: reported, never applied."""


_DOUBT: Final = _Doubt()
_Reading: TypeAlias = _Span | _Partial | _Doubt


@dataclass(frozen=True)
class _Context:
    """What surrounds a phrase: enough to tell "in March" from "the march on Washington"."""

    today: date
    prep: str | None  # the preposition before it, lower case; "range" inside from…to / between…and
    possessive: bool  # "Monday's"
    following: str  # the rest of the question


@dataclass(frozen=True)
class _Scope:
    after: date | None
    before: date | None
    label: str


@dataclass(frozen=True)
class _Found:
    """One date phrase in the question; `scope` is None when it is reported as unsure."""

    start: int
    end: int
    scope: _Scope | None


# ---------------------------------------------------------------------------
# Vocabulary.

_WEEKDAY_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_NUMBER_WORDS: Final = {
    word: number
    for number, words in enumerate(
        (("a", "an", "one"), ("two",), ("three",), ("four",), ("five",), ("six",), ("seven",)), start=1
    )
    for word in words
} | {"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_FULL_MONTH_NAMES: Final = frozenset(
    max((name for name, number in MONTHS.items() if number == month), key=len) for month in range(1, 13)
)
# Month names that are also everyday English: "who may win", "the march on Washington", "to mar".
_AMBIGUOUS_MONTHS: Final = frozenset({"may", "march", "mar"})

# Prepositions, by the role they give the phrase after them. Anything else (in, on, during, of, from, …)
# means "within": the phrase's own days.
_ROLES: Final = {
    "since": "since",
    "after": "after",
    "before": "before",
    "until": "until",
    "till": "until",
    "through": "until",
    "by": "until",
    "up to": "until",
}
# "for 2025" is a forecast and "over March" is no date; these only go with stretches of time ("for the past week").
_LOOSE_PREPS: Final = frozenset({"for", "over", "within"})
_STRETCH_KINDS: Final = frozenset({"day_word", "last_n", "period", "weekend"})
# A bare year is a date only after these: "in 2025" is, "the 2024 election" and "by 2030" are not.
_YEAR_PREPS: Final = frozenset("in during from since before after until till through range".split())
_MONTH_PREPS: Final = _YEAR_PREPS | {"by"}
_ABBREVIATION_PREPS: Final = _YEAR_PREPS - {"from"}  # "a goal from Jan" is a name


_MONTH = rf"(?P<month>{alternatives(MONTHS)})(?![a-z])"
_DAY = r"(?P<day>3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?(?![0-9a-z])"
_YEAR = r"(?P<year>(?:19|20)[0-9]{2})(?![0-9])"
_WEEKDAY = rf"(?P<weekday>{alternatives(name.lower() for name in _WEEKDAY_NAMES)})(?![a-z])"
# "Monday, 14 August 2025": the weekday belongs to the date, it is not a second date.
_ON_WEEKDAY = rf"(?:{_WEEKDAY},?\s+)?"
_NUM = rf"(?P<n>[0-9]{{1,4}}|{alternatives(_NUMBER_WORDS)})(?![0-9a-z])"


def _plain(pattern: str) -> str:
    """The pattern with its named groups unnamed, so that copies of it can sit side by side in one regex."""
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


_FEW = r"(?:(?:a\s+)?few|several|(?:a\s+)?couple(?:\s+of)?)"
_DOUBTS = "|".join(
    (
        # the future: an archive of published news has nothing there
        "tomorrow",
        rf"(?:(?:this\s+)?coming|next|upcoming)\s+(?:week(?:end)?|fortnight|month|year|{_plain(_WEEKDAY)}|{_plain(_MONTH)})",
        # part of a month or a year: where it starts and ends is a guess
        r"(?:early|mid|late|(?:the\s+)?(?:end|start|beginning|middle|first\s+half|second\s+half)\s+of)[\s\-]+(?:the\s+)?"
        rf"(?:{_plain(_MONTH)}(?:,?\s+{_plain(_YEAR)})?|{_plain(_YEAR)}|(?:this|last|next)\s+(?:week|month|year)"
        r"|week|month|year)",
        # vague amounts of time
        rf"(?:{_plain(_NUM)}|{_FEW})\s+(?:weeks?|months?|years?|fortnights?)\s+ago",
        rf"{_FEW}\s+days\s+ago",
        rf"(?:the\s+)?(?:last|past)\s+{_FEW}\s+(?:days|weeks|months|years)",
    )
)

# Each kind of date phrase, longest forms first: the search takes the first that fits.
_KINDS: Final = (
    ("iso", r"(?:19|20)[0-9]{2}-[0-9]{1,2}-[0-9]{1,2}(?![0-9])"),
    ("dotted", r"[0-9]{1,2}\.[0-9]{1,2}\.(?:19|20)[0-9]{2}(?![0-9])"),
    ("slashed", rf"(?P<first>[0-9]{{1,2}})/(?P<second>[0-9]{{1,2}})/{_YEAR}"),
    ("slash_short", r"(?P<first>[0-9]{1,2})/(?P<second>[0-9]{1,2})(?![0-9/])"),
    ("day_month_year", rf"{_ON_WEEKDAY}(?:the\s+)?{_DAY}(?:\s+of)?[\s.\-]+{_MONTH}\.?,?[\s.\-]+{_YEAR}"),
    ("month_day_year", rf"{_ON_WEEKDAY}{_MONTH}\.?\s+(?:the\s+)?{_DAY},?\s+{_YEAR}"),
    ("month_year", rf"{_MONTH}\.?,?\s+(?:of\s+)?{_YEAR}"),
    ("day_month", rf"{_ON_WEEKDAY}(?:the\s+)?{_DAY}(?:\s+of)?\s+{_MONTH}"),
    ("month_day", rf"{_ON_WEEKDAY}{_MONTH}\.?\s+(?:the\s+)?{_DAY}"),
    ("days_ago", rf"{_NUM}\s+days?\s+ago"),
    ("day_word", r"today|yesterday|(?:the\s+)?day\s+before\s+yesterday"),
    ("last_n", rf"(?:the\s+)?(?:last|past|previous)\s+{_NUM}\s+(?P<unit>hours?|days?|weeks?|months?|years?)"),
    (
        "period",
        r"(?P<the>the\s+)?(?P<which>this\s+past|this|last|past|previous)\s+(?P<unit>weekend|week|fortnight|month|year)",
    ),
    ("weekend", r"the\s+weekend"),
    ("weekday", rf"(?:(?P<which>this\s+past|last|past|this)\s+)?{_WEEKDAY}"),
    ("month", rf"(?:(?P<which>last|this)\s+)?{_MONTH}"),
    ("year", _YEAR),
    ("now", r"now|date|(?:the\s+)?present"),
    ("doubt", _DOUBTS),
    ("season", rf"(?:(?P<which>this|last|next)\s+)?(?:spring|summer|autumn|fall|winter)(?:\s+(?:of\s+)?{_YEAR})?"),
)
_KIND_TEXT: Final = dict(_KINDS)
_POINT = "|".join(f"(?:{_plain(pattern)})" for _, pattern in _KINDS)
_DAY_ONLY = re.compile(_DAY, FLAGS)

# A phrase starts at a word and does not run into a number: "in 2024-25" and "08.2025" are not dates.
_START = r"(?<![\w\-/.:])"
_END = r"(?P<poss>['’]s)?(?![\w]|[\-–/.:][0-9])"
_PREPS = (
    r"(?P<prep>in|on|during|of|from|since|after|before|until|till|throughout|through|by|for|over|within|dated|up\s+to)"
)

_RANGE: Final = (
    rf"{_START}(?P<prep>from|between)\s+(?P<a>{_POINT}|{_plain(_DAY)})\s+(?P<sep>to|until|till|through|and)\s+"
    rf"(?P<b>{_POINT}){_END}"
)
_DASH_RANGE: Final = (
    rf"{_START}(?:(?:from|between|in|on|during)\s+)?(?P<a>{_plain(_DAY)})\s*[-–]\s*"
    rf"(?P<b>{_plain(_KIND_TEXT['day_month_year'])}|{_plain(_KIND_TEXT['day_month'])}){_END}"
)
_WITH_PREP: Final = rf"{_START}{_PREPS}\s+(?P<point>{_POINT}){_END}"
_BARE: Final = rf"{_START}(?P<point>{_POINT}){_END}"


class _Patterns(NamedTuple):
    """The phrase patterns, compiled together on first use.

    Compiling them took ~40 ms of every `newsbot ask` (issue #14), and most
    questions name no date at all (see `_MAYBE_DATE`): so not at import time,
    and only once.
    """

    kinds: tuple[tuple[str, re.Pattern[str]], ...]
    range: re.Pattern[str]
    dash_range: re.Pattern[str]
    with_prep: re.Pattern[str]
    bare: re.Pattern[str]


@functools.cache
def _patterns() -> _Patterns:
    return _Patterns(
        kinds=tuple((kind, re.compile(pattern, FLAGS)) for kind, pattern in _KINDS),
        range=re.compile(_RANGE, FLAGS),
        dash_range=re.compile(_DASH_RANGE, FLAGS),
        with_prep=re.compile(_WITH_PREP, FLAGS),
        bare=re.compile(_BARE, FLAGS),
    )


_WORD_START: Final = re.compile(r"(?<!\w)\w", FLAGS)

# "in 2024 elections": the year names the event, it does not date the articles.
_TOPIC_FOLLOWS: Final = re.compile(
    r"\s+(?:elections?|polls?|votes?|olympics|world\s+cup|games|season|budget|census|campaign|race|summit"
    r"|finals?|tournament|championships?)\b",
    FLAGS,
)
# "in March on Washington", "since may be": the month word is used as English.
_NOT_A_MONTH_FOLLOWS: Final = re.compile(r"\s+(?:on|against|through|towards?|past|to|for|be|have|not)\b", FLAGS)


# ---------------------------------------------------------------------------
# Calendar arithmetic.


def _day(day: date, relative: bool = False) -> _Span:
    return _Span(day, day, "day", relative)


def _month_span(year: int, month: int) -> _Span:
    last = calendar.monthrange(year, month)[1]
    return _Span(date(year, month, 1), date(year, month, last), "month")


def _year_span(year: int) -> _Span:
    return _Span(date(year, 1, 1), date(year, 12, 31), "year")


def _stretch(start: date, end: date) -> _Span:
    return _Span(start, end, "period", relative=True)


def _months_before(day: date, months: int) -> date:
    """The same day `months` months earlier, or the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _last_weekend(today: date) -> _Span:
    """The latest Saturday before today and the Sunday after it (today, at the latest)."""
    saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
    return _stretch(saturday, min(saturday + timedelta(days=1), today))


def _latest(partial: _Partial, today: date) -> _Partial | None:
    """A yearless day or month in the latest year where it has begun by today ("14 August" asked in December)."""
    if partial.month is None or partial.year is not None:
        return partial
    if partial.day is None:
        return replace(partial, year=today.year if partial.month <= today.month else today.year - 1)
    for year in range(today.year, today.year - 9, -1):  # 29 February is at most 8 years back
        try:
            if date(year, partial.month, partial.day) <= today:
                return replace(partial, year=year)
        except ValueError:
            continue
    return None


def _resolve(partial: _Partial, today: date) -> _Span | None:
    filled = _latest(partial, today)
    if filled is None or filled.year is None:
        return None
    if filled.month is None:
        return _year_span(filled.year)
    if filled.day is None:
        return _month_span(filled.year, filled.month)
    try:
        day = date(filled.year, filled.month, filled.day)
    except ValueError:
        return None
    return None if filled.weekday not in (None, day.weekday()) else _day(day)


# ---------------------------------------------------------------------------
# Readers: one per kind of phrase. None means "not a date here"; _DOUBT means "maybe a date".

_Reader: TypeAlias = Callable[[re.Match[str], _Context], _Reading | None]


def _month_number(word: str) -> int | None:
    return MONTHS.get(word.lower())


def _weekday(match: re.Match[str]) -> int | None:
    name = match.groupdict().get("weekday")
    return None if name is None else [weekday.lower() for weekday in _WEEKDAY_NAMES].index(name.lower())


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]


def _read_numeric(match: re.Match[str], ctx: _Context) -> _Reading | None:
    read = parse_date(match[0])
    return _DOUBT if read is None else _Partial(read.year, read.month, read.day)


def _day_month_orders(first: int, second: int) -> set[tuple[int, int]]:
    """(day, month) readings of "first/second": one when the order is clear, two when it is not."""
    return {(day, month) for day, month in ((first, second), (second, first)) if 1 <= day <= 31 and 1 <= month <= 12}


def _read_slashed(match: re.Match[str], ctx: _Context) -> _Reading | None:
    orders = _day_month_orders(int(match["first"]), int(match["second"]))
    if len(orders) != 1:
        return _DOUBT if orders else None
    ((day, month),) = orders
    year = int(match["year"])
    return _Partial(year, month, day) if day <= calendar.monthrange(year, month)[1] else _DOUBT


def _read_slash_short(match: re.Match[str], ctx: _Context) -> _Reading | None:
    # "24/7", "9/11", "10/11": without a year, too often a name or a score to apply.
    return _DOUBT if _day_month_orders(int(match["first"]), int(match["second"])) else None


def _read_full_date(match: re.Match[str], ctx: _Context) -> _Reading | None:
    read = parse_date(f"{match['day']} {match['month']} {match['year']}")
    return _DOUBT if read is None else _Partial(read.year, read.month, read.day, _weekday(match))


def _read_month_year(match: re.Match[str], ctx: _Context) -> _Reading | None:
    month = _month_number(match["month"])
    return None if month is None else _Partial(int(match["year"]), month, None)


def _read_day_and_month(match: re.Match[str], ctx: _Context) -> _Reading | None:
    word = match["month"]
    month = _month_number(word)
    if month is None:
        return None
    if word.lower() in _AMBIGUOUS_MONTHS and word[0].islower() and ctx.prep is None:
        return _DOUBT  # "he scored 3 may": a date only when written like one
    return _Partial(None, month, int(match["day"]), _weekday(match))


def _read_days_ago(match: re.Match[str], ctx: _Context) -> _Reading | None:
    return _day(ctx.today - timedelta(days=_number(match["n"])), relative=True)


def _read_day_word(match: re.Match[str], ctx: _Context) -> _Reading | None:
    word = match[0].lower()
    back = 0 if word == "today" else 1 if word == "yesterday" else 2
    return _day(ctx.today - timedelta(days=back), relative=True)


def _read_last_n(match: re.Match[str], ctx: _Context) -> _Reading | None:
    """A rolling stretch that ends today: "the last 7 days", "past 24 hours"."""
    count, unit, today = _number(match["n"]), match["unit"].lower().rstrip("s"), ctx.today
    if count == 0:
        return None
    if unit in ("month", "year"):
        start = _months_before(today, count * (12 if unit == "year" else 1)) + timedelta(days=1)
    else:
        days = math.ceil(count / 24) + 1 if unit == "hour" else count * (7 if unit == "week" else 1)
        start = today - timedelta(days=days - 1)
    return _stretch(start, today)


def _read_period(match: re.Match[str], ctx: _Context) -> _Reading | None:
    """Named stretches. "last week" is the calendar week before this one; "the last week", "past week": 7 days."""
    which = match["which"].lower().split()[-1]
    unit, today = match["unit"].lower(), ctx.today
    rolling = which == "past" or (which == "last" and match["the"] is not None)
    if unit == "weekend":
        if which != "this":
            return _last_weekend(today)
        return _stretch(_monday(today) + timedelta(days=5), today) if today.weekday() >= 5 else _DOUBT
    if unit == "fortnight":
        return _DOUBT if which == "this" else _stretch(today - timedelta(days=13), today)
    if unit == "week":
        if which == "this":
            return _stretch(_monday(today), today)
        if rolling:
            return _stretch(today - timedelta(days=6), today)
        return _stretch(_monday(today) - timedelta(days=7), _monday(today) - timedelta(days=1))
    months = 1 if unit == "month" else 12
    if which == "this":
        return _stretch(today.replace(day=1) if unit == "month" else today.replace(month=1, day=1), today)
    if rolling:
        return _stretch(_months_before(today, months) + timedelta(days=1), today)
    if unit == "month":
        previous = today.replace(day=1) - timedelta(days=1)
        return _month_span(previous.year, previous.month)
    return _year_span(today.year - 1)


def _read_weekend(match: re.Match[str], ctx: _Context) -> _Reading | None:
    return _last_weekend(ctx.today)


def _read_weekday(match: re.Match[str], ctx: _Context) -> _Reading | None:
    """The latest such weekday before today ("on Monday"); a bare "Friday" may be "Black Friday"."""
    weekday = _weekday(match)
    if weekday is None:
        return None
    which = (match["which"] or "").lower()
    today = ctx.today
    if which == "this":
        day = _monday(today) + timedelta(days=weekday)
        return _DOUBT if day > today else _day(day, relative=True)
    if not (which or ctx.prep or ctx.possessive):
        return _DOUBT
    return _day(today - timedelta(days=(today.weekday() - weekday) % 7 or 7), relative=True)


def _read_month(match: re.Match[str], ctx: _Context) -> _Reading | None:
    """A month alone ("in March", "last March"); with no preposition it may be a name or a verb."""
    word = match["month"].lower()
    month = _month_number(word)
    if month is None:
        return None
    which, today = (match["which"] or "").lower(), ctx.today
    if which:
        year = today.year if which == "this" or month < today.month else today.year - 1
        span = _month_span(year, month)
        return _DOUBT if span.start > today else span
    full = word in _FULL_MONTH_NAMES
    if ctx.prep in (_MONTH_PREPS if full else _ABBREVIATION_PREPS):
        if word in _AMBIGUOUS_MONTHS and _NOT_A_MONTH_FOLLOWS.match(ctx.following):
            return _DOUBT
        return _Partial(None, month, None)
    return _DOUBT if full and ctx.prep is None else None


def _read_year(match: re.Match[str], ctx: _Context) -> _Reading | None:
    if ctx.prep not in _YEAR_PREPS:
        return None
    if _TOPIC_FOLLOWS.match(ctx.following):
        return _DOUBT
    return _Partial(int(match["year"]), None, None)


def _read_now(match: re.Match[str], ctx: _Context) -> _Reading | None:
    return _day(ctx.today, relative=True) if ctx.prep == "range" else None


def _read_doubt(match: re.Match[str], ctx: _Context) -> _Reading | None:
    return _DOUBT


def _read_season(match: re.Match[str], ctx: _Context) -> _Reading | None:
    # When spring starts depends on who is asking and where; "the Winter Olympics" is no date at all.
    return _DOUBT if match["which"] or match["year"] or ctx.prep else None


_READERS: Final[dict[str, _Reader]] = {
    "iso": _read_numeric,
    "dotted": _read_numeric,
    "slashed": _read_slashed,
    "slash_short": _read_slash_short,
    "day_month_year": _read_full_date,
    "month_day_year": _read_full_date,
    "month_year": _read_month_year,
    "day_month": _read_day_and_month,
    "month_day": _read_day_and_month,
    "days_ago": _read_days_ago,
    "day_word": _read_day_word,
    "last_n": _read_last_n,
    "period": _read_period,
    "weekend": _read_weekend,
    "weekday": _read_weekday,
    "month": _read_month,
    "year": _read_year,
    "now": _read_now,
    "doubt": _read_doubt,
    "season": _read_season,
}


def _read(text: str, ctx: _Context) -> _Reading | None:
    """What one phrase means in its context, by the first kind whose pattern fits all of it."""
    for kind, pattern in _patterns().kinds:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        if ctx.prep in _LOOSE_PREPS and kind not in _STRETCH_KINDS:
            return None
        return _READERS[kind](match, ctx)
    return None


# ---------------------------------------------------------------------------
# Labels: the range in the words the reply uses.


def _day_name(day: date, weekday: bool) -> str:
    return f"{_WEEKDAY_NAMES[day.weekday()]} {human_date(day)}" if weekday else human_date(day)


def _name(span: _Span, edge: Literal["start", "end"]) -> str:
    """How a span reads after "since" or "before": "2025", "March 2025", or the day at one edge."""
    if span.unit == "year":
        return str(span.start.year)
    if span.unit == "month":
        return human_date(span.start).split(" ", 1)[1]
    return _day_name(span.start if edge == "start" else span.end, span.relative)


def _range_label(after: date, before: date) -> str:
    if after == before:
        return f"on {human_date(after)}"
    if (after.year, after.month) == (before.year, before.month):
        return f"from {after.day} to {human_date(before)}"
    if after.year == before.year:
        return f"from {human_date(after).rsplit(' ', 1)[0]} to {human_date(before)}"
    return f"from {human_date(after)} to {human_date(before)}"


def _label(after: date | None, before: date | None) -> str:
    if after is not None and before is not None:
        return _range_label(after, before)
    return f"since {human_date(after)}" if after is not None else f"until {human_date(before)}"


# ---------------------------------------------------------------------------
# Scopes: a reading and its preposition become an after/before filter.


def _checked(scope: _Scope, today: date) -> _Scope | _Doubt:
    """Drop ranges that cannot hold published news: empty, or starting after today."""
    if scope.after is not None and scope.after > today:
        return _DOUBT
    if scope.after is not None and scope.before is not None and scope.after > scope.before:
        return _DOUBT
    return scope


def _scope(prep: str | None, reading: _Reading | None, today: date) -> _Scope | _Doubt | None:
    if reading is None or isinstance(reading, _Doubt):
        return reading
    span = reading if isinstance(reading, _Span) else _resolve(reading, today)
    if span is None:
        return _DOUBT
    role = _ROLES.get(prep or "", "within")
    if role == "since":
        return _checked(_Scope(span.start, today, f"since {_name(span, 'start')}"), today)
    if role == "after":
        return _checked(_Scope(span.end + timedelta(days=1), None, f"after {_name(span, 'end')}"), today)
    if role == "before":
        return _Scope(None, span.start - timedelta(days=1), f"before {_name(span, 'start')}")
    if role == "until":
        whole = "the end of " if span.unit in ("month", "year") else ""
        return _Scope(None, span.end, f"until {whole}{_name(span, 'end')}")
    label = f"on {_name(span, 'start')}" if span.unit == "day" else _range_label(span.start, span.end)
    return _checked(_Scope(span.start, span.end, label), today)


def _range_scope(first: str, last: str, today: date) -> _Scope | _Doubt | None:
    """A range with two ends ("from 1 to 10 January 2026"): the start borrows what it leaves out."""
    ctx = _Context(today, "range", False, "")
    day_only = _DAY_ONLY.fullmatch(first)
    start = _Partial(None, None, int(day_only["day"])) if day_only else _read(first, ctx)
    end = _read(last, ctx)
    if start is None or end is None:
        return None
    if isinstance(start, _Doubt) or isinstance(end, _Doubt):
        return _DOUBT
    if isinstance(end, _Partial):
        end = _latest(end, today)  # a yearless end is the latest one; the start then takes its year
        if end is None:
            return _DOUBT
    end_span = end if isinstance(end, _Span) else _resolve(end, today)
    start_span = _range_start(start, end, today)
    if start_span is None or end_span is None:
        return _DOUBT
    return _checked(_Scope(start_span.start, end_span.end, _range_label(start_span.start, end_span.end)), today)


def _range_start(start: _Span | _Partial, end: _Span | _Partial, today: date) -> _Span | None:
    if isinstance(start, _Span):
        return start
    if start.year is None and start.month is None:  # "from 1 to 10 January": a day alone takes the end's month
        if not isinstance(end, _Partial) or end.month is None:
            return None
        return _resolve(_Partial(end.year, end.month, start.day), today)
    if start.year is not None or not isinstance(end, _Partial) or end.year is None:
        return _resolve(start, today)
    span = _resolve(replace(start, year=end.year), today)
    end_span = _resolve(end, today)
    if span is not None and end_span is not None and span.start > end_span.start:  # "from December to February"
        span = _resolve(replace(start, year=end.year - 1), today)
    return span


# ---------------------------------------------------------------------------
# Finding the phrases in a question.


_P = ParamSpec("_P")
_Outcome: TypeAlias = _Scope | _Doubt | None


def _safely(compute: Callable[_P, _Outcome], *args: _P.args, **kwargs: _P.kwargs) -> _Outcome:
    """Dates near the ends of the calendar ("the last 9999 years" asked in year 3) are doubts, not crashes."""
    try:
        return compute(*args, **kwargs)
    except (OverflowError, ValueError):
        return _DOUBT


def _found(match: re.Match[str], outcome: _Outcome) -> Iterator[_Found]:
    if outcome is not None:
        yield _Found(match.start(), match.end(), None if isinstance(outcome, _Doubt) else outcome)


def _point_scope(match: re.Match[str], question: str, today: date) -> _Outcome:
    prep = " ".join(match["prep"].lower().split()) if match.re is _patterns().with_prep else None
    ctx = _Context(today, prep, match["poss"] is not None, question[match.end() :])
    return _scope(prep, _read(match["point"], ctx), today)


def _at(question: str, position: int, today: date) -> Iterator[_Found]:
    """Every date phrase that starts at `position`, as each pattern reads it."""
    patterns = _patterns()
    ranged = patterns.range.match(question, position)
    if ranged is not None and (ranged["prep"].lower() == "between") == (ranged["sep"].lower() == "and"):
        yield from _found(ranged, _safely(_range_scope, ranged["a"], ranged["b"], today))
    dashed = patterns.dash_range.match(question, position)
    if dashed is not None:
        yield from _found(dashed, _safely(_range_scope, dashed["a"], dashed["b"], today))
    for pattern in (patterns.with_prep, patterns.bare):
        match = pattern.match(question, position)
        if match is not None:
            yield from _found(match, _safely(_point_scope, match, question, today))


def _select(candidates: Iterator[_Found]) -> list[_Found]:
    """Leftmost first, longest first, never overlapping: "from 1 to 10 January 2026" beats "10 January 2026"."""
    chosen: list[_Found] = []
    reach = 0
    for found in sorted(candidates, key=lambda found: (found.start, -found.end)):
        if found.start >= reach:
            chosen.append(found)
            reach = found.end
    return chosen


def _combine(scopes: list[_Scope]) -> _Scope | None:
    """The days every scope allows, or None when they share none ("in 2024 and in 2025")."""
    afters = [scope.after for scope in scopes if scope.after is not None]
    befores = [scope.before for scope in scopes if scope.before is not None]
    after, before = max(afters, default=None), min(befores, default=None)
    if after is not None and before is not None and after > before:
        return None
    for scope in scopes:
        if (scope.after, scope.before) == (after, before):
            return scope
    return _Scope(after, before, _label(after, before))


def _remove(question: str, spans: list[tuple[int, int]]) -> str:
    """The question without the spans and the space before each; only ever deletes characters."""
    kept = [True] * len(question)
    for start, end in spans:
        while start > 0 and question[start - 1].isspace():
            start -= 1
        if start == 0:  # "In 2025, who won?" → "who won?"
            while end < len(question) and (question[end].isspace() or question[end] in ",;:"):
                end += 1
        kept[start:end] = [False] * (end - start)
    return "".join(char for char, keep in zip(question, kept, strict=True) if keep).strip()


def _scan(question: str, today: date) -> DateScope:
    """`question_dates` past its shortcut for questions that name no date: every phrase pattern is tried."""
    positions = (match.start() for match in _WORD_START.finditer(question))
    found = _select(candidate for position in positions for candidate in _at(question, position, today))
    scopes = [item.scope for item in found if item.scope is not None]
    combined = _combine(scopes) if scopes else None
    if combined is None:  # no date, or dates that contradict each other: all of them are reported
        return DateScope(None, None, question.strip(), None, tuple(question[item.start : item.end] for item in found))
    unsure = tuple(question[item.start : item.end] for item in found if item.scope is None)
    text = _remove(question, [(item.start, item.end) for item in found if item.scope is not None])
    return DateScope(combined.after, combined.before, text, combined.label, unsure)
