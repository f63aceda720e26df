"""The answerability decision on its own: coverage by idf weight, frame words, strength."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import cast

import pytest

from newsbot.retrieval import Archive, search
from newsbot.retrieval.analyzer import Analyzer
from newsbot.retrieval.answer import Answer
from newsbot.retrieval.answerability import (
    CONTEXT_SHARE,
    answer_coverage,
    coverage,
    coverage_weights,
    frame_terms,
    held,
    names,
    strength,
    surface_words,
)
from newsbot.retrieval.options import ArchiveOptions
from newsbot.retrieval.reads import PassageReader, PassageRow


def test_coverage_is_the_share_of_idf_weight_the_answer_holds() -> None:
    weights = {"fifa": 9.0, "world": 1.0}
    assert coverage({"world"}, weights) == pytest.approx(0.1)  # one common word is not an answer
    assert coverage({"fifa", "world"}, weights) == 1.0
    assert coverage(set(), weights) == 0.0
    assert coverage({"other"}, {}) == 0.0


def test_words_the_article_holds_outside_its_quotes_count_a_little() -> None:
    weights = {"dailekh": 6.0, "gas": 2.0, "nepal": 2.0}
    quoted = {"dailekh", "gas"}
    assert answer_coverage(quoted, set(), weights) == pytest.approx(0.8)
    assert answer_coverage(quoted, {"nepal", "gas"}, weights) == pytest.approx(0.8 + CONTEXT_SHARE * 0.2)
    # However often the article names them, words its quotes lack never weigh as much as quoted ones.
    assert answer_coverage(set(), {"dailekh", "gas", "nepal"}, weights) == pytest.approx(CONTEXT_SHARE)
    assert answer_coverage(quoted, quoted, weights) == pytest.approx(0.8)  # counted once, as quoted


def test_single_letters_do_not_count() -> None:
    # "U.S." is "u" and "s": a page writing "the United States" holds neither.
    weights = {"u": 9.0, "s": 9.0, "confirm": 3.0, "attack": 2.0}
    assert coverage_weights(weights, frozenset()) == {"confirm": 3.0, "attack": 2.0}
    assert coverage_weights({"d": 4.0}, frozenset()) == {"d": 4.0}  # all there is: counted
    assert coverage_weights({"war": 2.0, "2": 3.0, "s": 9.0}, frozenset()) == {"war": 2.0, "2": 3.0}  # a digit counts


def test_frame_words_do_not_count_unless_the_question_is_all_frame() -> None:
    analyzer = Analyzer()
    frame = frame_terms(analyzer)
    weights = {term: 2.0 for term in analyzer.query_terms("How much natural gas has Nepal discovered?")}
    judged = coverage_weights(weights, frame)
    assert "much" not in judged and "nepal" in judged
    only_frame = {term: 1.0 for term in analyzer.query_terms("latest news")}
    assert coverage_weights(only_frame, frame) == only_frame


@pytest.mark.parametrize(
    ("share", "expected"), [(1.0, "strong"), (0.85, "strong"), (0.7, "partial"), (0.625, "partial"), (0.6, "weak")]
)
def test_strength_in_plain_words(share: float, expected: str) -> None:
    assert strength(share, strong_at=0.85, partial_at=0.625) == expected


def test_each_term_is_named_back_with_the_word_the_member_wrote() -> None:
    words = surface_words("What did Azerbaijan’s president say about sanctions?", Analyzer())
    assert words["azerbaijan"] == "Azerbaijan’s"
    assert words["sanction"] == "sanctions"


async def test_a_frame_word_the_archive_lacks_is_not_named_as_what_it_lacks(archive: Archive) -> None:
    answer = await archive.ask("How many moons does Jupiter have?")  # the seed never says "many"
    assert not answer.found
    assert answer.absent == ["moons", "Jupiter"]


async def _ask_news(options: ArchiveOptions, news_jsonl: Path, *questions: str) -> list[Answer]:
    """`questions` asked of an archive holding the news export."""
    shutil.copy(news_jsonl, options.seeds_dir / "articles.jsonl")
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        return [await archive.ask(question) for question in questions]
    finally:
        await archive.close()


async def test_an_answer_is_not_refused_for_a_word_its_article_holds_elsewhere(
    options: ArchiveOptions, news_jsonl: Path
) -> None:
    # The oil price story names the summit and Brent's price in its quotes, and "crude" only further down.
    answer, near_miss = await _ask_news(
        options,
        news_jsonl,
        "What price was Brent crude trading at ahead of the Trump-Putin meeting?",
        "Did Airtel's network go down in Sri Lanka too?",
    )
    assert answer.found
    lead = answer.hits[0]
    assert lead.url and "TrumpPutin-Meeting-Keeps-Oil-Markets" in lead.url
    assert "ICE Brent hovering near $66 a barrel" in lead.excerpt + lead.more
    assert lead.coverage >= options.search.partial_coverage
    # A story that merely shares some of a question's words is still no answer.
    assert not near_miss.found


def test_a_question_word_is_held_by_a_word_of_its_family() -> None:
    # The stemmer keeps derivations apart: "discovered" is "discov", "discovery" "discoveri".
    analyzer = Analyzer()
    weights = dict.fromkeys(analyzer.query_terms("Indian gas discovered"), 1.0)
    assert held(set(analyzer.terms("India's discovery of gas")), weights) == set(weights)
    assert held(set(analyzer.terms("the gas")), weights) == set(analyzer.terms("gas"))
    # Under five letters a stem stretches too far: "part" is not "party".
    assert held({"party"}, {"part": 1.0}) == set()
    # Only the endings of a demonym or of a noun the stemmer left a stub of: a longer word is another word.
    for question_word, other in [("Virender", "Viren"), ("elect", "electricity"), ("Olympiad", "Olympics")]:
        question = dict.fromkeys(analyzer.query_terms(question_word), 1.0)
        assert held(set(analyzer.terms(other)), question) == set(), (question_word, other)


async def test_an_answer_is_not_refused_for_a_derivation_of_the_question_word(
    options: ArchiveOptions, news_jsonl: Path
) -> None:
    # The story says "discovery of 112 billion cubic metres of natural gas in Dailekh"; asked "discovered",
    # the answer covered too little of the question to be given.
    (answer,) = await _ask_news(options, news_jsonl, "How much natural gas has Nepal discovered in Dailekh?")
    assert answer.found
    lead = answer.hits[0]
    assert "112 billion cubic metres of natural gas in Dailekh" in lead.excerpt + lead.more
    assert "discovered" in answer.matched


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did the Supreme Court say about stray dogs in Mumbai?", [{"suprem", "court"}, {"mumbai"}]),
        ("Where did Gautam Gambhir go on Independence Day?", [{"gautam", "gambhir"}, {"independ", "day"}]),
        ("What did Secure Meters' CEO say?", [{"secur", "meter", "ceo"}]),  # a possessive stays in the name
        ("Rahul Gandhi said what? And Modi replied.", [{"gandhi"}, {"modi"}]),  # a sentence's first word is no sign
        ('What did "The Hindu" report?', [{"hindu"}]),
        ("who painted the mona lisa?", []),  # typed in lower case: no names, nothing asked of the article
    ],
)
def test_the_names_a_question_asks_about_are_its_runs_of_capitalised_words(
    question: str, expected: list[set[str]]
) -> None:
    assert [set(name) for name in names(question, Analyzer())] == expected


STRAY_DOGS = (
    "---\ntitle: Court orders shelters for strays\n---\nThe Supreme Court told Delhi to move stray dogs to shelters. "
    "The Supreme Court said stray dogs bite thousands of children every year, and shelters must be built.\n"
)
SEHWAG = "---\ntitle: Sehwag recalls Multan\n---\nSehwag scored 319 against Pakistan at Multan, his highest score.\n"


async def test_an_article_that_never_names_what_was_asked_about_is_no_answer(tmp_path: Path) -> None:
    """The story shares "Supreme Court", "stray dogs" and "say" with the question, most of its weight;
    it is about Delhi, and never names Mumbai."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "dogs.md").write_text(STRAY_DOGS)
    (seeds / "sehwag.md").write_text(SEHWAG)
    for i in range(6):
        (seeds / f"f{i}.md").write_text(f"---\ntitle: Filler {i}\n---\nMumbai traffic slowed in the rain on day {i}.\n")
        (seeds / f"v{i}.md").write_text(f"---\ntitle: Shop {i}\n---\nVirender Singh opened shop {i} in the market.\n")
    archive = await Archive.open(ArchiveOptions(seeds_dir=seeds, data_dir=tmp_path / "data"))
    try:
        await archive.reindex()
        mumbai = await archive.ask("What did the Supreme Court say about stray dogs in Mumbai?")
        delhi = await archive.ask("What did the Supreme Court say about stray dogs in Delhi?")
        # One word of a name is enough: the story calls him "Sehwag" only.
        sehwag = await archive.ask("What was Virender Sehwag's highest score against Pakistan at Multan?")
    finally:
        await archive.close()
    assert not mumbai.found and "Mumbai" in mumbai.missing
    assert delhi.found and delhi.hits[0].title == "Court orders shelters for strays"
    assert sehwag.found and sehwag.hits[0].title == "Sehwag recalls Multan"


class _Articles:
    """A passage reader that counts the articles read, for `_share`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.read = 0

    def article_bodies(self, document_id: int) -> list[PassageRow]:
        self.read += 1
        return [PassageRow(2, document_id, "body", 0, len(self.text), None, self.text, "Gas", None, "a.txt")]


@pytest.mark.parametrize(
    ("quoted", "reads", "share"),
    [
        ({"dailekh", "gas", "nepal"}, 0, 1.0),  # over the floor: its article is not read
        ({"nepal"}, 0, 0.2),  # far under it: its article could not make up the difference
        ({"dailekh", "gas"}, 1, 0.8 + CONTEXT_SHARE * 0.2),  # just under: the article names Nepal
    ],
)
def test_an_article_is_read_only_when_it_could_lift_its_answer_over_the_floor(
    quoted: set[str], reads: int, share: float
) -> None:
    weights = {"dailekh": 6.0, "gas": 2.0, "nepal": 2.0}
    reader = _Articles("Nepal has found gas in Dailekh.")
    row = PassageRow(1, 7, "body", 0, 10, None, "Gas found.", "Gas", None, "a.txt")
    found = search._share(
        cast(PassageReader, reader), search._PassagesSeen(Analyzer()), row, quoted, weights, weights, floor=0.82
    )
    assert found == pytest.approx(share)
    assert reader.read == reads
