"""What newsbot says about an answer before quoting it, the same in a terminal and in Discord.

An answer can be strong (quote it), partial (quote it, but say first what it
does not cover), or nothing at all; a question can also have been corrected
or narrowed to dates. Each front end passes `emphasis`, which renders one
word from the member's question the way it shows text (escaped and italic in
Discord, sanitised on a terminal).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from newsbot.retrieval import Answer

Emphasis = Callable[[str], str]


def _either(words: Sequence[str], emphasis: Emphasis, joiner: str = "or") -> str:
    shown = [emphasis(word) for word in dict.fromkeys(words)][:6]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + f" {joiner} " + shown[-1]


def nothing_text(answer: Answer, emphasis: Emphasis, latest_hint: str) -> str:
    """Why there is no answer, in the member's words, and what to try instead."""
    unmatched = answer.absent + answer.missing
    if answer.dates and answer.terms:
        subject = unmatched or answer.matched
        about = f" about {_either(subject, emphasis)}" if subject else ""
        head = f"Nothing in the archive {answer.dates}{about}."
        return f"{head} Try other dates or words, or {latest_hint} for the newest headlines."
    if not answer.terms:
        head = "Ask about a subject: that question has no words the archive could search for."
    elif unmatched:
        head = f"Nothing in the archive about {_either(unmatched, emphasis)}."
    else:
        head = "Nothing in the archive answers that question."
    if answer.matched:
        head += f" It does mention {_either(answer.matched, emphasis, 'and')}, but not together with the rest."
    return f"{head} Try other words, or {latest_hint} for the newest headlines."


def dates_lines(answer: Answer, emphasis: Emphasis, date_hint: str) -> list[str]:
    """The date range read from the question, and date-like words that were not applied."""
    lines = []
    if answer.dates and answer.dates_relaxed:
        lines.append(f"Nothing dated {answer.dates}; these sources are from other dates.")
    elif answer.dates:
        lines.append(f"Sources dated {answer.dates}.")
    # "may" is far more often "who may win" than the month: not worth a line of its own.
    unsure = [phrase for phrase in answer.unsure_dates if phrase.lower() != "may"]
    if unsure:
        lines.append(f"Not read as a date: {_either(unsure, emphasis, 'and')}; {date_hint}.")
    return lines


def following_lines(answer: Answer, emphasis: Emphasis) -> list[str]:
    """For a follow-up, the earlier question it was read with."""
    return [f"Following up on: {emphasis(answer.context[-1])}"] if answer.context else []


def preface_lines(answer: Answer, emphasis: Emphasis, date_hint: str) -> list[str]:
    """Lines shown above the answers: the question followed up, the corrected question, the dates used,
    what was not matched."""
    lines = following_lines(answer, emphasis)
    if answer.searched:
        lines.append(f"Showing results for {emphasis(answer.searched)}.")
    for choice in (c for c in answer.corrections if c.choices):
        lines.append(f"Did you mean {_either(list(choice.choices), emphasis)} for “{choice.typed}”?")
    lines += dates_lines(answer, emphasis, date_hint)
    unmatched = answer.absent + answer.missing
    if answer.found and answer.strength == "partial" and unmatched:
        lines.append(f"Nothing on {_either(unmatched, emphasis)}; closest:")
    return lines
