from __future__ import annotations

from newsbot.retrieval.analyzer import Analyzer
from newsbot.retrieval.answer import ELLIPSIS, excerpt_for

ANALYZER = Analyzer()
PASSAGE = (
    "The summit opened in Baku on Monday. Delegates discussed the weather at length. "
    "Wheat exports through the Black Sea corridor doubled in March. Officials expect them to grow. "
    "The next meeting is in May."
)


def weights_for(question: str) -> dict[str, float]:
    return dict.fromkeys(ANALYZER.query_terms(question), 1.0)


def test_excerpt_opens_with_the_matching_sentence_and_keeps_context_within_the_limit() -> None:
    excerpt, spans = excerpt_for(PASSAGE, ANALYZER, weights_for("wheat exports Black Sea"), 400)
    assert excerpt == (
        "Wheat exports through the Black Sea corridor doubled in March. Officials expect them to grow. "
        "The next meeting is in May."
    )
    assert [excerpt[a:b] for a, b in spans] == ["Wheat", "exports", "Black", "Sea"]
    short, _ = excerpt_for(PASSAGE, ANALYZER, weights_for("wheat exports Black Sea"), 70)
    assert short == "Wheat exports through the Black Sea corridor doubled in March."


def test_excerpt_covers_terms_spread_over_sentences() -> None:
    excerpt, _ = excerpt_for(PASSAGE, ANALYZER, weights_for("Baku weather"), 90)
    assert excerpt == "The summit opened in Baku on Monday. Delegates discussed the weather at length."


def test_rarer_terms_outweigh_common_ones() -> None:
    # "summit" is everywhere in this archive, "corridor" rare: its sentence wins.
    excerpt, _ = excerpt_for(PASSAGE, ANALYZER, {"summit": 0.1, "corridor": 3.0}, 70)
    assert excerpt == "Wheat exports through the Black Sea corridor doubled in March."


def test_long_excerpt_is_trimmed_at_word_boundaries_around_the_match() -> None:
    passage = " ".join(["filler"] * 120) + " the decisive sanctions vote passed " + " ".join(["tail"] * 120)
    excerpt, spans = excerpt_for(passage, ANALYZER, weights_for("sanctions vote"), 120)
    assert len(excerpt) <= 120
    assert excerpt.startswith(ELLIPSIS) and excerpt.endswith(ELLIPSIS)
    assert "sanctions vote" in excerpt
    words = excerpt.strip(ELLIPSIS).split()
    assert all(w in {"filler", "the", "decisive", "sanctions", "vote", "passed", "tail"} for w in words)
    assert [excerpt[a:b] for a, b in spans] == ["sanctions", "vote"]
