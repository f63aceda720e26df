"""What kind of thing a question asks for, when its words say so: a number or a time.

"How many fan clubs does Rajinikanth have?" names *fan clubs*, and so do half
a dozen sentences of the article; the one that answers ("some 50,000 fan
clubs") is the one holding a number. Words alone cannot tell those sentences
apart, the kind of answer can. Early question-answering systems called this
the expected answer type; here it only breaks near-ties between quotes of an
article already found (`answer.best_window`), never ranks articles or counts
towards coverage, so a wrong guess costs at most a less useful quote.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

AnswerType = Literal["number", "time"]

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


@functools.cache
def _holds(kind: AnswerType) -> re.Pattern[str]:
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
        return "number"
    if _ASKS_TIME.search(question):
        return "time"
    return None


def holds(sentence: str, kind: AnswerType) -> bool:
    """Does `sentence` hold something of that kind: a figure, a date?"""
    return _holds(kind).search(sentence) is not None
