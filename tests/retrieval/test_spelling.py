"""Typo correction on its own: distances, which words are suspects, when to correct or offer choices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from newsbot.retrieval import Archive, ArchiveOptions
from newsbot.retrieval.analyzer import Analyzer
from newsbot.retrieval.lexicon import is_english
from newsbot.retrieval.spelling import correct, corrected_question, distance, more_slips, slips, suspects

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


def test_a_stem_cut_short_by_a_typo_is_judged_by_the_word_typed() -> None:
    """ "Breing" stems to "bre", three letters: the word typed has six, and is worth checking."""
    assert suspects(["bre", "war"], {"bre": 0, "war": 0}, {"bre": "Breing", "war": "war"}) == ["bre"]


def test_slips_are_one_typing_error_away_and_keep_the_first_letter_but_for_a_neighbouring_key() -> None:
    typed = slips("ohased")
    assert {"phased", "ohase", "hoased", "ohasde", "ohaased"} <= typed  # neighbour key, dropped, swapped, doubled
    assert "whased" not in typed  # w is far from o: a first letter is seldom mistyped otherwise
    assert "howdy" in more_slips("owdy") and "howdy" not in slips("owdy")  # a first letter left out: rarer
    assert "phone" not in slips("iphone")  # a stray letter before the word is no slip
    assert "dona" not in slips("mona") and "mina" in slips("mona")  # short words: neighbouring keys only


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


def test_a_slip_the_neighbour_passages_do_not_show_is_found_by_lookup() -> None:
    """A mistyped first letter: the fuzzy query, which keeps it, finds no passage."""
    fix = correct("ohas", "ohased", 0, [], ANALYZER, _counts({"phase": 14}))  # type: ignore[arg-type]
    assert fix is not None and (fix.corrected, fix.term) == ("phased", "phase")


def test_a_misspelt_word_the_stemmer_could_not_reduce_is_one_slip_from_the_right_word() -> None:
    """ "ranikngs" stems to "ranikng", three edits from "rank"; the word typed is one swap from "rankings"."""
    fix = correct("ranikng", "ranikngs", 0, [], ANALYZER, _counts({"rank": 23}))  # type: ignore[arg-type]
    assert fix is not None and (fix.corrected, fix.term) == ("rankings", "rank")


def test_a_rare_right_word_behind_a_common_neighbour_is_still_a_candidate() -> None:
    """The passages read all say "bring"; "brink", one slip from "brijnk", is tried in context too."""
    texts = ["They bring water.", "Bringing aid."]
    fix = correct("brijnk", "brijnk", 0, texts, ANALYZER, _counts({"bring": 300, "brink": 1}))  # type: ignore[arg-type]
    assert fix is not None and ("brink", "brink") in fix.candidates


def test_slips_are_looked_up_only_for_a_word_the_archive_lacks() -> None:
    counts = _counts({"back": 500})
    fix = correct("bakc", "bakcing", 0, [], ANALYZER, counts)  # type: ignore[arg-type]
    assert fix is not None and fix.term == "back"
    # "baking" is in the archive, if rarely: a real word, not a slip for the far commoner "backing".
    assert correct("bake", "baking", 1, [], ANALYZER, counts) is None  # type: ignore[arg-type]


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


async def test_a_neighbour_the_answer_lacks_does_not_win_by_being_common(tmp_path: Path) -> None:
    """ "compawre": no passage holds "compare" or "company" beside "balance" and "1994". Either one
    raises the share by taking the absent word's weight away, the commoner "company" the most; the
    likelier "compare" (one edit, not two) is searched."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "karabakh.md").write_text("---\ntitle: Karabakh\n---\nToday the balance is the opposite of 1994.\n")
    for i in range(30):
        (seeds / f"c{i}.md").write_text(f"---\ntitle: Results {i}\n---\nThe company reported profits in town {i}.\n")
    for i in range(3):
        (seeds / f"n{i}.md").write_text(f"---\ntitle: Notes {i}\n---\nCritics compare notes on film {i}.\n")
    archive = await Archive.open(ArchiveOptions(seeds_dir=seeds, data_dir=tmp_path / "data"))
    try:
        await archive.reindex()
        answer = await archive.ask("balance compawre 1994")
        assert answer.searched == "balance compare 1994"
        assert answer.hits and answer.hits[0].title == "Karabakh"
    finally:
        await archive.close()


async def test_a_correction_is_a_word_the_archive_writes(tmp_path: Path) -> None:
    """ "Virender" is one keyboard slip from "Vireneer", which the stemmer reads as "viren", a name this
    archive uses often. The archive never writes "Vireneer": it is no correction to show a member.
    It writes "Virendar", the spelling of the article asked about."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "z-sehwag.md").write_text(
        "---\ntitle: Virendar Sehwag recalls his 319 at Multan\n---\nVirendar Sehwag made 319 against Pakistan.\n"
    )
    for i in range(60):  # more passages than the engine's fuzzy lookup reads, and read before the one on Sehwag
        (seeds / f"v{i}.md").write_text(f"---\ntitle: Council {i}\n---\nViren Shah chaired council meeting {i}.\n")
    archive = await Archive.open(ArchiveOptions(seeds_dir=seeds, data_dir=tmp_path / "data"))
    try:
        await archive.reindex()
        answer = await archive.ask("Did Virender Sehwag make 319 against Pakistan?")
    finally:
        await archive.close()
    shown = {c.corrected for c in answer.corrections} | {choice for c in answer.corrections for choice in c.choices}
    assert "Vireneer" not in shown and "Vireneer" not in (answer.searched or "")
    assert answer.searched == "Did Virendar Sehwag make 319 against Pakistan?"
    assert answer.hits and answer.hits[0].title.startswith("Virendar Sehwag")


def test_a_slip_the_archive_never_writes_is_no_correction() -> None:
    """ "Vireneer" is one slip from "Virender" and the stemmer reads it as "viren", a term the archive uses;
    but the archive writes only "Viren", three edits from what was typed."""
    assert ANALYZER.word_terms("Vireneer") == {"viren"}
    counts = _counts({"viren": 50})
    assert correct("virend", "Virender", 0, [], ANALYZER, counts, lambda term: {"viren"}) is None  # type: ignore[arg-type]
    fix = correct("virend", "Virender", 0, [], ANALYZER, counts, lambda term: {"vireneer"})  # type: ignore[arg-type]
    assert fix is not None and fix.corrected == "Vireneer"  # had a page written it, it would be one


def test_english_words_and_well_known_names_are_told_from_misspellings() -> None:
    assert is_english("impeach") and is_english("Vienna") and is_english("brink")
    assert not is_english("Pakistn") and not is_english("sqaud") and not is_english("Vireneer")


async def test_a_word_english_uses_is_absent_from_the_archive_not_misspelt(tmp_path: Path) -> None:
    """ "impeach" is two edits from "impact", which this archive uses often; it lacks "impeach", which
    is a word: the member is told the archive has nothing on it. A real slip is still corrected."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i in range(12):
        (seeds / f"i{i}.md").write_text(
            f"---\ntitle: Budget {i}\n---\nThe congress vote on the budget had an impact on Pakistan {i}.\n"
        )
    archive = await Archive.open(ArchiveOptions(seeds_dir=seeds, data_dir=tmp_path / "data"))
    try:
        await archive.reindex()
        real = await archive.ask("Did the congress vote to impeach the president?")
        slip = await archive.ask("Did the congress vote have an impact on Pakistn?")
    finally:
        await archive.close()
    assert real.corrections == [] and real.searched is None
    assert "impeach" in real.absent
    assert slip.searched == "Did the congress vote have an impact on Pakistan?"
