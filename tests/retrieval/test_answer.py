from __future__ import annotations

from retrieval.analyzer import Analyzer
from retrieval.answer import ELLIPSIS, excerpt_for

ANALYZER = Analyzer()
PASSAGE = (
    "The summit opened in Baku on Monday. Delegates discussed the weather at length. "
    "Wheat exports through the Black Sea corridor doubled in March. Officials expect them to grow. "
    "The next meeting is in May."
)


def test_excerpt_is_the_sentences_that_cover_the_question() -> None:
    excerpt, spans = excerpt_for(PASSAGE, ANALYZER, ANALYZER.query_terms("wheat exports Black Sea"), 400)
    assert excerpt == "Wheat exports through the Black Sea corridor doubled in March."
    assert [excerpt[a:b] for a, b in spans] == ["Wheat", "exports", "Black", "Sea"]


def test_excerpt_spans_up_to_three_sentences_when_terms_are_spread() -> None:
    excerpt, _ = excerpt_for(PASSAGE, ANALYZER, ANALYZER.query_terms("wheat grow"), 400)
    assert excerpt == "Wheat exports through the Black Sea corridor doubled in March. Officials expect them to grow."


def test_long_excerpt_is_trimmed_at_word_boundaries_around_the_match() -> None:
    passage = " ".join(["filler"] * 120) + " the decisive sanctions vote passed " + " ".join(["tail"] * 120)
    excerpt, spans = excerpt_for(passage, ANALYZER, ANALYZER.query_terms("sanctions vote"), 120)
    assert len(excerpt) <= 120
    assert excerpt.startswith(ELLIPSIS) and excerpt.endswith(ELLIPSIS)
    assert "sanctions vote" in excerpt
    words = excerpt.strip(ELLIPSIS).split()
    assert all(w in {"filler", "the", "decisive", "sanctions", "vote", "passed", "tail"} for w in words)
    assert [excerpt[a:b] for a, b in spans] == ["sanctions", "vote"]
