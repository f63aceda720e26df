"""What kind of thing a question asks for, when its words say so: a number or a time.

"How many fan clubs does Rajinikanth have?" names *fan clubs*, and so do half
a dozen sentences of the article; the one that answers ("some 50,000 fan
clubs") is the one holding a number. Words alone cannot tell those sentences
apart, the kind of answer can. Early question-answering systems called this
the expected answer type; here it only breaks near-ties between quotes of an
article already found (`answer.best_window`), never ranks articles or counts
towards coverage, so a wrong guess costs at most a less useful quote.

"How many *runs*" also says what the figure counts. In a match report nearly
every sentence holds a figure (a score, an over, a year); the answer holds
"516 runs". Such a count is the one thing the question's words cannot find,
so a second quote that holds it is shown however few of them it repeats.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["number", "time"]


@dataclass(frozen=True)
class AnswerType:
    """What a question asks for: a figure or a time, and for "how many runs", what the figure counts."""

    kind: Kind
    unit: str | None = None


_ASKS_NUMBER = re.compile(
    r"\b(?:how\s+(?:many|much|long|old|far|soon|big|large|high|tall|fast|often|narrowly|close)"
    r"|what\s+(?:price|rate|percentage|share|score|total|age|amount|number|figure|margin|level|value)"
    r"|until\s+what\s+age)\b",
    re.IGNORECASE,
)
_ASKS_TIME = re.compile(
    r"^\W*when\b|\bwhen\s+(?:is|was|will|did|does|do|are|were|has|have|had|can|could|should|would)\b"
    r"|\bwhat\s+(?:year|date|day|month|time)\b|\bby\s+when\b",
    re.IGNORECASE,
)
# "March", "May" and "Mar" only capitalised: as words ("may", "march") they are far more often not months.
_MONTHS = (
    "january|february|april|june|july|august|september|october|november|december"
    "|jan|feb|apr|jun|jul|aug|sept?|oct|nov|dec|(?-i:March|May|Mar)"
)
# Not "one": far more often a pronoun ("losing one's way") than a figure.
_NUMBER_WORDS = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty"
    "|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|trillions?|lakhs?|crores?"
    "|dozens?|decades?|half|twice|double|triple"
)


# "How many *runs* did Jadeja score?": the word after "how many" names what the figure counts,
# unless it is a function word ("how many *of* them", "how many *did* he take").
_COUNTED = re.compile(r"\bhow\s+many\s+([^\W\d_]+)", re.IGNORECASE)
_NOT_COUNTED = frozenset(
    "of more other others the these those them were are was is did does do have has had will would can could".split()
)


@functools.cache
def _holds(kind: Kind) -> re.Pattern[str]:
    """Compiled on first use: most questions ask for no kind of answer, and never need these."""
    if kind == "number":
        return re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)
    return re.compile(
        rf"\b(?:1[89]\d\d|20\d\d|{_MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
        r"|yesterday|today|tomorrow|tonight|spring|summer|autumn|winter|ago|next\s+(?:week|month|year)"
        r"|last\s+(?:week|month|year))\b",
        re.IGNORECASE,
    )


def answer_type(question: str) -> AnswerType | None:
    """The kind of answer `question` asks for, if its words name one ("how many" → number)."""
    if _ASKS_NUMBER.search(question):
        counted = _COUNTED.search(question)
        unit = counted.group(1).casefold() if counted else None
        return AnswerType("number", None if unit in _NOT_COUNTED else unit)
    if _ASKS_TIME.search(question):
        return AnswerType("time")
    return None


@functools.cache
def _counts(unit: str) -> re.Pattern[str]:
    """A figure followed, at most two words on, by `unit` in the singular or plural ("516 runs", "10 million views")."""
    stem = re.escape(unit[:-1] if unit.endswith("s") and len(unit) > 3 else unit)
    return re.compile(rf"(?:\d|\b(?:{_NUMBER_WORDS})\b)\S*\s+(?:\S+\s+){{0,2}}{stem}", re.IGNORECASE)


def holds(sentence: str, wanted: AnswerType) -> bool:
    """Does `sentence` hold what was asked for: a date, a figure, or for "how many runs", a count of runs?

    Only the count counts when the question names one: in a match report every other
    sentence has a figure (an over, a score, a year), and "516 runs" is the one asked about.
    """
    if wanted.unit is not None:
        return _counts(wanted.unit).search(sentence) is not None
    return _holds(wanted.kind).search(sentence) is not None
