"""Dates in members' questions become after/before filters; anything unclear is reported, never applied."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsbot.retrieval.question_dates import DateScope, question_dates

TODAY = date(2026, 12, 3)  # a Thursday
DATE_SET = Path(__file__).resolve().parents[2] / "benchmarks" / "questions" / "dates.jsonl"


def d(text: str) -> date:
    return date.fromisoformat(text)


# question, after, before, text left to search, label
APPLIED: list[tuple[str, str | None, str | None, str, str]] = [
    # whole months
    ("Ukraine news in January 2026", "2026-01-01", "2026-01-31", "Ukraine news", "from 1 to 31 January 2026"),
    ("January 2026 election results", "2026-01-01", "2026-01-31", "election results", "from 1 to 31 January 2026"),
    ("markets in Jan 2026", "2026-01-01", "2026-01-31", "markets", "from 1 to 31 January 2026"),
    ("elections May 2025", "2025-05-01", "2025-05-31", "elections", "from 1 to 31 May 2025"),
    ("elections in May", "2026-05-01", "2026-05-31", "elections", "from 1 to 31 May 2026"),
    ("Ukraine in December", "2026-12-01", "2026-12-31", "Ukraine", "from 1 to 31 December 2026"),
    ("Ukraine since Aug 2025", "2025-08-01", "2026-12-03", "Ukraine", "since August 2025"),
    ("Ukraine last March", "2026-03-01", "2026-03-31", "Ukraine", "from 1 to 31 March 2026"),
    ("cricket scores this month", "2026-12-01", "2026-12-03", "cricket scores", "from 1 to 3 December 2026"),
    ("cricket scores last month", "2026-11-01", "2026-11-30", "cricket scores", "from 1 to 30 November 2026"),
    # whole years
    ("Karabakh talks in 2025", "2025-01-01", "2025-12-31", "Karabakh talks", "from 1 January to 31 December 2025"),
    ("Trump in 2026", "2026-01-01", "2026-12-31", "Trump", "from 1 January to 31 December 2026"),
    ("Trump tariffs this year", "2026-01-01", "2026-12-03", "Trump tariffs", "from 1 January to 3 December 2026"),
    ("elections last year", "2025-01-01", "2025-12-31", "elections", "from 1 January to 31 December 2025"),
    # one day
    ("cricket news from 14 August 2025", "2025-08-14", "2025-08-14", "cricket news", "on 14 August 2025"),
    ("Ukraine 14 August 2025", "2025-08-14", "2025-08-14", "Ukraine", "on 14 August 2025"),
    ("Ukraine August 14, 2025", "2025-08-14", "2025-08-14", "Ukraine", "on 14 August 2025"),
    ("Ukraine on Aug. 14th 2025", "2025-08-14", "2025-08-14", "Ukraine", "on 14 August 2025"),
    ("Ukraine 14.08.2025", "2025-08-14", "2025-08-14", "Ukraine", "on 14 August 2025"),
    ("Ukraine 2025-08-14", "2025-08-14", "2025-08-14", "Ukraine", "on 14 August 2025"),
    ("Ukraine on the 14th of August 2025", "2025-08-14", "2025-08-14", "Ukraine", "on 14 August 2025"),
    ("Ukraine 25/12/2025", "2025-12-25", "2025-12-25", "Ukraine", "on 25 December 2025"),
    ("Ukraine 12/25/2025", "2025-12-25", "2025-12-25", "Ukraine", "on 25 December 2025"),
    ("Ukraine 11/11/2025", "2025-11-11", "2025-11-11", "Ukraine", "on 11 November 2025"),
    ("what happened on 14 August", "2026-08-14", "2026-08-14", "what happened", "on 14 August 2026"),
    ("Ukraine on 14 Aug", "2026-08-14", "2026-08-14", "Ukraine", "on 14 August 2026"),
    ("markets on 14 may", "2026-05-14", "2026-05-14", "markets", "on 14 May 2026"),
    ("markets on 25 December", "2025-12-25", "2025-12-25", "markets", "on 25 December 2025"),
    ("Trump on Thursday, 14 August 2025", "2025-08-14", "2025-08-14", "Trump", "on 14 August 2025"),
    ("Trump Friday 14 August", "2026-08-14", "2026-08-14", "Trump", "on 14 August 2026"),
    # days named from today
    (
        "what happened yesterday in Kyiv",
        "2026-12-02",
        "2026-12-02",
        "what happened in Kyiv",
        "on Wednesday 2 December 2026",
    ),
    ("yesterday's cricket", "2026-12-02", "2026-12-02", "cricket", "on Wednesday 2 December 2026"),
    ("markets today", "2026-12-03", "2026-12-03", "markets", "on Thursday 3 December 2026"),
    ("markets the day before yesterday", "2026-12-01", "2026-12-01", "markets", "on Tuesday 1 December 2026"),
    ("markets 3 days ago", "2026-11-30", "2026-11-30", "markets", "on Monday 30 November 2026"),
    ("Trump on Monday", "2026-11-30", "2026-11-30", "Trump", "on Monday 30 November 2026"),
    ("Trump last Monday", "2026-11-30", "2026-11-30", "Trump", "on Monday 30 November 2026"),
    ("Monday's vote", "2026-11-30", "2026-11-30", "vote", "on Monday 30 November 2026"),
    ("vote on Thursday", "2026-11-26", "2026-11-26", "vote", "on Thursday 26 November 2026"),
    # weeks and rolling periods
    ("Karabakh since Monday", "2026-11-30", "2026-12-03", "Karabakh", "since Monday 30 November 2026"),
    ("cricket last week", "2026-11-23", "2026-11-29", "cricket", "from 23 to 29 November 2026"),
    ("cricket this week", "2026-11-30", "2026-12-03", "cricket", "from 30 November to 3 December 2026"),
    ("cricket in the past week", "2026-11-27", "2026-12-03", "cricket", "from 27 November to 3 December 2026"),
    ("cricket past 7 days", "2026-11-27", "2026-12-03", "cricket", "from 27 November to 3 December 2026"),
    ("cricket in the last 7 days", "2026-11-27", "2026-12-03", "cricket", "from 27 November to 3 December 2026"),
    ("Ukraine last 3 days", "2026-12-01", "2026-12-03", "Ukraine", "from 1 to 3 December 2026"),
    ("Ukraine over the last two weeks", "2026-11-20", "2026-12-03", "Ukraine", "from 20 November to 3 December 2026"),
    ("Ukraine in the past month", "2026-11-04", "2026-12-03", "Ukraine", "from 4 November to 3 December 2026"),
    ("Trump in the past 24 hours", "2026-12-02", "2026-12-03", "Trump", "from 2 to 3 December 2026"),
    ("Ukraine over the weekend", "2026-11-28", "2026-11-29", "Ukraine", "from 28 to 29 November 2026"),
    ("Ukraine since last week", "2026-11-23", "2026-12-03", "Ukraine", "since Monday 23 November 2026"),
    # open ranges
    ("elections before 2025", None, "2024-12-31", "elections", "before 2025"),
    ("markets after March 2025", "2025-04-01", None, "markets", "after March 2025"),
    ("Ukraine since 2024", "2024-01-01", "2026-12-03", "Ukraine", "since 2024"),
    ("Ukraine until 10 January 2026", None, "2026-01-10", "Ukraine", "until 10 January 2026"),
    ("Ukraine by 10 January 2026", None, "2026-01-10", "Ukraine", "until 10 January 2026"),
    ("Ukraine until March 2025", None, "2025-03-31", "Ukraine", "until the end of March 2025"),
    ("Ukraine before 14 August 2025", None, "2025-08-13", "Ukraine", "before 14 August 2025"),
    ("markets after yesterday", "2026-12-03", None, "markets", "after Wednesday 2 December 2026"),
    # closed ranges
    ("cricket between 1 and 10 January 2026", "2026-01-01", "2026-01-10", "cricket", "from 1 to 10 January 2026"),
    ("cricket from 1 to 10 January 2026", "2026-01-01", "2026-01-10", "cricket", "from 1 to 10 January 2026"),
    ("cricket 1-10 January 2026", "2026-01-01", "2026-01-10", "cricket", "from 1 to 10 January 2026"),
    ("elections between March and June 2025", "2025-03-01", "2025-06-30", "elections", "from 1 March to 30 June 2025"),
    ("Karabakh from 2020 to 2024", "2020-01-01", "2024-12-31", "Karabakh", "from 1 January 2020 to 31 December 2024"),
    (
        "Trump from 14 August 2025 to today",
        "2025-08-14",
        "2026-12-03",
        "Trump",
        "from 14 August 2025 to 3 December 2026",
    ),
    (
        "Trump from December to February",
        "2025-12-01",
        "2026-02-28",
        "Trump",
        "from 1 December 2025 to 28 February 2026",
    ),
    # two scopes that agree: the narrower range they share
    (
        "markets after March 2025 and before 2026",
        "2025-04-01",
        "2025-12-31",
        "markets and",
        "from 1 April to 31 December 2025",
    ),
    ("Karabakh in 2025, on 14.08.2025", "2025-08-14", "2025-08-14", "Karabakh,", "on 14 August 2025"),
    # where the removed words were
    (
        "In 2025, who won the cricket?",
        "2025-01-01",
        "2025-12-31",
        "who won the cricket?",
        "from 1 January to 31 December 2025",
    ),
    (
        "cricket news from 14 August 2025, please",
        "2025-08-14",
        "2025-08-14",
        "cricket news, please",
        "on 14 August 2025",
    ),
    ("What did Trump say LAST WEEK?", "2026-11-23", "2026-11-29", "What did Trump say?", "from 23 to 29 November 2026"),
]


@pytest.mark.parametrize(("question", "after", "before", "text", "label"), APPLIED)
def test_date_phrases_become_a_filter_and_leave_the_searched_text(
    question: str, after: str | None, before: str | None, text: str, label: str
) -> None:
    scope = question_dates(question, TODAY)
    assert scope == DateScope(
        after=d(after) if after else None,
        before=d(before) if before else None,
        text=text,
        label=label,
        unsure=(),
    )


# question, the phrases reported as unsure (kept in the searched text, not applied)
NOT_APPLIED: list[tuple[str, tuple[str, ...]]] = [
    # not dates at all
    ("What happened in the 2024 election?", ()),
    ("Trump's 2024 campaign", ()),
    ("Apollo 11 anniversary coverage", ()),
    ("3 people died in the attack", ()),
    ("predictions for 2025", ()),
    ("the Winter Olympics", ()),
    ("Who will mar the ceremony?", ()),
    ("What did Jan say?", ()),
    ("the mayor of Kyiv", ()),
    ("Is it 50/50?", ()),
    ("Ukraine in 2024-25", ()),
    ("", ()),
    # date-like, but not sure
    ("Who may win the election?", ("may",)),
    ("May I ask about cricket?", ("May",)),
    ("Theresa May and Brexit", ("May",)),
    ("the march on Washington", ("march",)),
    ("Will protesters march on Washington?", ("march",)),
    ("protests in March on Washington", ("in March",)),
    ("the January report", ("January",)),
    ("Black Friday sales", ("Friday",)),
    ("cricket on 10/11", ("on 10/11",)),
    ("cricket on 10/11/2025", ("on 10/11/2025",)),
    ("Is 24/7 news coverage good?", ("24/7",)),
    ("the 9/11 anniversary", ("9/11",)),
    ("he scored 3 may", ("3 may",)),
    ("news from spring", ("from spring",)),
    ("Ukraine in spring 2025", ("in spring 2025",)),
    ("Ukraine early January 2026", ("early January 2026",)),
    ("Ukraine in mid-2025", ("in mid-2025",)),
    ("polls in 2024 elections", ("in 2024",)),
    ("cricket on 31 February 2025", ("on 31 February 2025",)),
    ("Trump on Monday, 14 August 2025", ("on Monday, 14 August 2025",)),
    ("a story from 3 weeks ago", ("from 3 weeks ago",)),
    ("Ukraine in the past few days", ("in the past few days",)),
    # the future: an archive of published news has nothing there
    ("tomorrow's match", ("tomorrow's",)),
    ("cricket next week", ("next week",)),
    ("elections in 2027", ("in 2027",)),
    ("markets after today", ("after today",)),
    ("cricket this weekend", ("this weekend",)),
]


@pytest.mark.parametrize(("question", "unsure"), NOT_APPLIED)
def test_unclear_or_absent_dates_are_not_applied(question: str, unsure: tuple[str, ...]) -> None:
    scope = question_dates(question, TODAY)
    assert scope == DateScope(after=None, before=None, text=question.strip(), label=None, unsure=unsure)


CONFLICTS: list[tuple[str, tuple[str, ...]]] = [
    ("cricket in 2024 and in 2025", ("in 2024", "in 2025")),
    ("Ukraine since Monday before 2025", ("since Monday", "before 2025")),
    ("markets yesterday and last week", ("yesterday", "last week")),
    ("Who may win in 2024 or in 2025?", ("may", "in 2024", "in 2025")),
]


@pytest.mark.parametrize(("question", "unsure"), CONFLICTS)
def test_scopes_that_conflict_are_both_left_out(question: str, unsure: tuple[str, ...]) -> None:
    scope = question_dates(question, TODAY)
    assert scope == DateScope(after=None, before=None, text=question, label=None, unsure=unsure)


def test_an_unsure_phrase_stays_beside_an_applied_one() -> None:
    scope = question_dates("Who may win the election in 2026?", TODAY)
    assert (scope.after, scope.before) == (date(2026, 1, 1), date(2026, 12, 31))
    assert scope.text == "Who may win the election?"
    assert scope.unsure == ("may",)


def test_a_day_without_a_year_is_the_latest_one_not_after_today() -> None:
    assert question_dates("on 3 December", TODAY).after == date(2026, 12, 3)
    assert question_dates("on 4 December", TODAY).after == date(2025, 12, 4)
    assert question_dates("on 29 February", TODAY).after == date(2024, 2, 29)


def test_weekdays_count_back_from_today_not_including_it() -> None:
    monday = date(2026, 11, 30)
    assert question_dates("on Monday", monday).after == date(2026, 11, 23)
    assert question_dates("on Sunday", monday).after == date(2026, 11, 29)
    assert question_dates("this Monday", monday).after == monday


def test_week_and_month_edges() -> None:
    new_year = date(2026, 1, 1)
    assert (question_dates("last month", new_year).after, question_dates("last month", new_year).before) == (
        date(2025, 12, 1),
        date(2025, 12, 31),
    )
    sunday = date(2026, 12, 6)
    assert question_dates("this week", sunday).after == date(2026, 11, 30)
    assert question_dates("last week", sunday).before == date(2026, 11, 29)
    assert question_dates("this weekend", sunday).after == date(2026, 12, 5)
    leap = date(2024, 3, 31)
    assert question_dates("the past month", leap).after == date(2024, 3, 1)


@pytest.mark.parametrize("question", ["cricket", "  cricket scores  ", "What is BM25?"])
def test_no_date_leaves_the_question_as_it_is(question: str) -> None:
    assert question_dates(question, TODAY) == DateScope(None, None, question.strip(), None, ())


def _date_set() -> list[dict[str, Any]]:
    lines = DATE_SET.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_the_date_question_set_is_large_and_varied() -> None:
    records = _date_set()
    assert len(records) >= 30
    assert len({record["today"] for record in records}) >= 5
    assert sum(record["after"] is None and record["before"] is None for record in records) >= 5


@pytest.mark.parametrize("record", _date_set(), ids=lambda record: str(record["question"]))
def test_the_date_question_set_agrees_with_the_parser(record: dict[str, Any]) -> None:
    scope = question_dates(record["question"], date.fromisoformat(record["today"]))
    got = (scope.after.isoformat() if scope.after else None, scope.before.isoformat() if scope.before else None)
    assert got == (record["after"], record["before"])


def _is_subsequence(part: str, whole: str) -> bool:
    letters = iter(whole)
    return all(letter in letters for letter in part)


# Date words, near-dates and noise, so that generated questions hit the grammar and its edges.
words = (
    "in on from since before after until by between and to the last past this next week month year weekend days "
    "ago Monday yesterday today May march January Aug. 14 14th of 2025 1999 2024-25 10/11 24/7 14.08.2025 "
    "2025-08-14 31 9999 early spring cricket Ukraine"
).split()
pieces = st.sampled_from([*words, "'s", ",", ".", "?", "-", "–", "\n", "\u00a0", "ſept", "ı"])
questions = st.one_of(st.text(max_size=80), st.lists(pieces, max_size=14).map(" ".join))


@settings(max_examples=400, deadline=None)
@given(question=questions, today=st.dates())
def test_any_question_reads_without_error_and_only_loses_words(question: str, today: date) -> None:
    scope = question_dates(question, today)
    if scope.after is not None and scope.before is not None:
        assert scope.after <= scope.before
    assert _is_subsequence(scope.text, question)
    assert (scope.label is None) == (scope.after is None and scope.before is None)
    for phrase in scope.unsure:
        assert phrase in question
