"""Typo correction on its own: distances, which words are suspects, when to correct or offer choices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from retrieval import Archive, ArchiveOptions
from retrieval.analyzer import Analyzer
from retrieval.spelling import correct, corrected_question, distance, suspects

ANALYZER = Analyzer()


@pytest.mark.parametrize(
    ("a", "b", "keyboard", "expected"),
    [
        ("pakistn", "pakistan", False, 1),  # a letter left out
        ("sqaud", "squad", False, 1),  # two neighbours swapped
        ("ghandi", "gandhi", False, 2),
        ("rusia", "russia", True, 1),
        ("mona", "monk", True, 2),  # a and k are far apart on the keyboard
        ("mona", "mina", True, 1),  # o and i are neighbours
        ("abc", "xyzabc", False, 3),  # past the limit: capped at limit + 1
    ],
)
def test_edit_distance(a: str, b: str, keyboard: bool, expected: int) -> None:
    assert distance(a, b, 1 if keyboard else 2, keyboard=keyboard) == expected


def test_suspects_are_absent_or_rare_long_words_not_numbers_or_short_words() -> None:
    frequencies = {"ghandi": 2, "lisa": 1, "2022": 0, "war": 0, "karabakhg": 0, "russia": 40}
    assert suspects(list(frequencies), frequencies) == ["ghandi", "karabakhg"]


def _counts(table: Mapping[str, int]) -> object:
    def frequencies_of(terms: Sequence[str]) -> Mapping[str, int]:
        return {term: table.get(term, 0) for term in terms}

    return frequencies_of


def test_an_absent_word_is_corrected_to_the_frequent_neighbour() -> None:
    texts = ["Rahul Gandhi spoke in Bihar.", "Gandhi and the Ghani family."]
    fix = correct("ghandi", "Ghandi", 0, texts, ANALYZER, _counts({"gandhi": 110, "ghani": 3}))  # type: ignore[arg-type]
    assert fix is not None
    assert (fix.typed, fix.corrected, fix.term, fix.choices) == ("Ghandi", "Gandhi", "gandhi", ())
    assert fix.candidates[0] == ("Gandhi", "gandhi")  # the others are tried in the question's context
    assert corrected_question("Rahul Ghandi voter list", [fix]) == "Rahul Gandhi voter list"


def test_a_rare_word_is_corrected_only_to_a_far_more_frequent_one() -> None:
    texts = ["Gandhi spoke."]
    assert correct("ghandi", "Ghandi", 2, texts, ANALYZER, _counts({"gandhi": 30})) is None  # type: ignore[arg-type]
    assert correct("ghandi", "Ghandi", 2, texts, ANALYZER, _counts({"gandhi": 110})) is not None  # type: ignore[arg-type]


def test_two_equally_common_neighbours_are_offered_not_chosen() -> None:
    texts = ["Cameron visited Cameroon."]
    counts = _counts({"cameron": 10, "cameroon": 9})
    fix = correct("cameroun", "Cameroun", 0, texts, ANALYZER, counts)  # type: ignore[arg-type]
    assert fix is not None and fix.corrected is None and set(fix.choices) == {"Cameron", "Cameroon"}


def test_a_neighbour_with_another_first_letter_is_not_a_correction() -> None:
    assert correct("mona", "Mona", 0, ["Dona spoke."], ANALYZER, _counts({"dona": 50})) is None  # type: ignore[arg-type]


async def test_the_question_picks_the_neighbour_it_agrees_with(tmp_path: Path) -> None:
    """ "pertol price": "person" is the more common neighbour, "petrol" the one the question is about."""
    root = tmp_path
    seeds = root / "fuel"
    seeds.mkdir()
    for i in range(12):  # "person" is common in this archive...
        (seeds / f"p{i}.md").write_text(f"---\ntitle: Profile {i}\n---\nEach person spoke about the town {i}.\n")
    # ...but only "petrol" goes with "price".
    (seeds / "fuel.md").write_text("---\ntitle: Fuel\n---\nNepal Oil raised the petrol price by five rupees.\n")
    archive = await Archive.open(ArchiveOptions(seeds_dir=seeds, data_dir=root / "data"))
    try:
        await archive.reindex()
        answer = await archive.ask("pertol price")
        assert answer.searched == "petrol price"
        assert answer.hits and answer.hits[0].title == "Fuel"
    finally:
        await archive.close()
