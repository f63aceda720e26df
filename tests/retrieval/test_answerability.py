"""The answerability decision on its own: coverage by idf weight, frame words, strength."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsbot.retrieval import Archive
from newsbot.retrieval.analyzer import Analyzer
from newsbot.retrieval.answerability import (
    CONTEXT_SHARE,
    answer_coverage,
    coverage,
    coverage_weights,
    frame_terms,
    strength,
    surface_words,
)
from newsbot.retrieval.options import ArchiveOptions


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


async def test_an_answer_is_not_refused_for_a_word_its_article_holds_elsewhere(
    options: ArchiveOptions, news_jsonl: Path
) -> None:
    # The oil price story names the summit and Brent's price in its quotes, and "crude" only further down.
    shutil.copy(news_jsonl, options.seeds_dir / "articles.jsonl")
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        answer = await archive.ask("What price was Brent crude trading at ahead of the Trump-Putin meeting?")
        near_miss = await archive.ask("Did Airtel's network go down in Sri Lanka too?")
    finally:
        await archive.close()
    assert answer.found
    lead = answer.hits[0]
    assert lead.url and "TrumpPutin-Meeting-Keeps-Oil-Markets" in lead.url
    assert "ICE Brent hovering near $66 a barrel" in lead.excerpt + lead.more
    assert lead.coverage >= options.search.partial_coverage
    # A story that merely shares some of a question's words is still no answer.
    assert not near_miss.found
