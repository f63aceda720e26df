"""The kind of answer a question asks for breaks ties between quotes: a figure for "how many", a date for "when"."""

from __future__ import annotations

import json

import pytest

from newsbot.retrieval.analyzer import Analyzer
from newsbot.retrieval.answer import excerpt_for
from newsbot.retrieval.answer_types import AnswerType, answer_type, holds
from newsbot.retrieval.archive import Archive
from newsbot.retrieval.options import ArchiveOptions

ANALYZER = Analyzer()


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many fan clubs does Rajinikanth have?", "number"),
        ("how much did War 2 earn on its second day", "number"),
        ("How long can he stay in Australia on his new visa?", "number"),
        ("Until what age could Rohit Sharma keep playing?", "number"),
        ("What price was Brent crude trading at?", "number"),
        ("When is Running Point season 2 expected on Netflix?", "time"),
        ("and when did the council vote?", "time"),
        ("What year did the bridge open?", "time"),
        ("Who designed Google's doodle?", None),
        ("Why did the ferry stop running?", None),
        ("What did the minister say about whenever the rain stops?", None),
    ],
)
def test_answer_type_is_read_from_the_question_words(question: str, kind: str | None) -> None:
    asked = answer_type(question)
    assert (asked.kind if asked else None) == kind


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("How many runs did Ravindra Jadeja score in the England Test series?", "runs"),
        ("how many Ashes tours has Root been on", "ashes"),
        ("How many of the voters were removed?", None),  # "of" counts nothing
        ("How many did he take?", None),
        ("How much did War 2 earn?", None),  # a mass noun's figure has its own unit (crore, metres)
    ],
)
def test_how_many_names_what_the_figure_counts(question: str, unit: str | None) -> None:
    asked = answer_type(question)
    assert asked is not None and asked.kind == "number" and asked.unit == unit


@pytest.mark.parametrize(
    ("sentence", "kind", "expected"),
    [
        ("Organisers counted 120,000 visitors.", "number", True),
        ("He served as the team's doctor for a decade.", "number", True),
        ("They were bowled out for a mere twenty-seven.", "number", True),
        ("Nobody wants to lose one's way.", "number", False),  # "one" is a pronoun far more often
        ("The river filled with paper lanterns.", "number", False),
        ("A Spring 2026 return is expected.", "time", True),
        ("The vote was held on Tuesday.", "time", True),
        ("It was introduced in December in the Lok Sabha.", "time", True),
        ("Filming has wrapped.", "time", False),
        ("The minister may resign over the march.", "time", False),  # a verb and a walk, not months
        ("The vote is due on 14 May.", "time", True),
    ],
)
def test_a_sentence_holds_a_figure_or_a_time(sentence: str, kind: str, expected: bool) -> None:
    assert holds(sentence, AnswerType(kind)) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("He performed admirably, amassing 516 runs across 10 innings.", True),
        ("Jadeja made a run-a-ball 89 on the fourth day.", False),  # a figure, but not a count of runs
        ("The series ended in a draw at 2-2.", False),
        ("Root has played in three England Ashes tours since 2013.", False),  # counts tours, not runs
        ("Seven more runs would have won it.", True),
        ("He scored one run.", False),  # "one" is not read as a figure
    ],
)
def test_a_count_is_a_figure_followed_by_what_it_counts(sentence: str, expected: bool) -> None:
    assert holds(sentence, AnswerType("number", "runs")) is expected


PASSAGE = (
    "Fan clubs organise blood donation camps and relief drives in his name. "
    "The superstar's films are released on holidays across the state. "
    "For millions of fans, some 50,000 fan clubs mark every release."
)


def test_a_figure_breaks_the_tie_between_sentences_that_name_the_same_words() -> None:
    weights = dict.fromkeys(ANALYZER.query_terms("fan clubs"), 1.0)
    camps = "Fan clubs organise blood donation camps and relief drives in his name."
    figure = "For millions of fans, some 50,000 fan clubs mark every release."
    assert excerpt_for(PASSAGE, ANALYZER, weights, 80)[0] == camps  # the same words: the longer sentence
    asked = answer_type("How many fan clubs are there?")
    assert excerpt_for(PASSAGE, ANALYZER, weights, 80, answer=asked)[0] == figure
    # A figure weighs less than a word of the question: it only breaks ties.
    more_words = dict.fromkeys(ANALYZER.query_terms("fan clubs blood donation"), 1.0)
    assert excerpt_for(PASSAGE, ANALYZER, more_words, 80, answer=asked)[0] == camps


async def test_a_how_many_question_is_quoted_from_the_sentence_with_the_figure(options: ArchiveOptions) -> None:
    # Three paragraphs name the festival's visitors in Hoi An; the last and shortest holds the figure.
    # By the words alone the two others would be quoted: the one naming them twice, then the longer.
    filler = "The ferry to Thanh Ha island ran late into the night, and the bridge was closed to cars. " * 4
    opening = "Festival visitors saw the lantern-lit streets of Hoi An's old town, and festival visitors stayed late."
    makers = "Festival visitors bought paper lanterns from the makers by the river in Hoi An until well past midnight."
    counted = "Hoi An counted 120,000 festival visitors this year."
    text = "\n\n".join(f"{sentence} {filler}" for sentence in (opening, makers, counted))
    records = [
        {"title": "Lanterns light up the old town", "text": text, "date": "2026-02-12", "url": "https://example.org/a"},
        {"title": "Rain in Hue", "text": "Rain closed the roads into Hue for a day.", "date": "2026-02-13"},
    ]
    (options.seeds_dir / "festival.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        answer = await archive.ask("How many festival visitors did Hoi An have?")
    finally:
        await archive.close()
    lead = answer.hits[0]
    assert lead.url == "https://example.org/a"
    assert counted in lead.excerpt or counted in lead.more
