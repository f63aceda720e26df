"""The wording above and instead of answers, on its own: what is missing, in the member's words."""

from __future__ import annotations

from newsbot.bot.replies import nothing_text, preface_lines
from newsbot.retrieval import Answer


def plain(word: str) -> str:
    return f"<{word}>"


def test_nothing_names_the_missing_words_and_what_the_archive_does_mention() -> None:
    answer = Answer(question="q", terms=["fifa", "world"], hits=[], absent=["FIFA"], matched=["World"])
    text = nothing_text(answer, plain, "/latest")
    assert text.startswith("Nothing in the archive about <FIFA>. It does mention <World>")
    assert text.endswith("Try other words, or /latest for the newest headlines.")


def test_nothing_within_dates_says_which_dates_even_without_words() -> None:
    answer = Answer(question="q", terms=["x"], hits=[], dates="on 6 January 2026")
    assert nothing_text(answer, plain, "/latest").startswith("Nothing in the archive on 6 January 2026.")


def test_a_question_without_searchable_words_is_told_so() -> None:
    answer = Answer(question="the and of", terms=[], hits=[])
    assert nothing_text(answer, plain, "/latest").startswith("Ask about a subject")


def test_the_preface_states_corrections_dates_and_what_a_partial_answer_lacks() -> None:
    hit = {
        "passage_id": 1, "document_id": 1, "kind": "body", "title": "t", "date": None, "date_human": "date unknown",
        "url": None, "file": "f.md", "score": 1.0, "excerpt": "e", "highlights": [], "passage": "p",
    }  # fmt: skip
    answer = Answer(
        question="q", terms=["x"], hits=[hit], strength="partial", missing=["Olympics"], searched="Rahul Gandhi",
        dates="on 6 January 2026", unsure_dates=["may", "10/11"],
    )  # fmt: skip
    assert preface_lines(answer, plain, "use --after") == [
        "Showing results for <Rahul Gandhi>.",
        "Sources dated on 6 January 2026.",
        "Not read as a date: <10/11>; use --after.",
        "Nothing on <Olympics>; closest:",
    ]
