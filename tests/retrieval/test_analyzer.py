from __future__ import annotations

import pytest

from newsbot.retrieval.analyzer import Analyzer

ANALYZER = Analyzer()


@pytest.mark.parametrize("spelling", ["Azerbaijan’s", "Azerbaijan's", "Azerbaijan", "AZERBAIJAN’S", "azerbaijan‘s"])
def test_possessives_and_curly_apostrophes_fold_to_one_term(spelling: str) -> None:
    assert ANALYZER.terms(spelling) == ["azerbaijan"]


def test_case_stop_words_and_stemming() -> None:
    assert ANALYZER.terms("What did the Ministers say about Sanctions and SANCTIONED exports?") == [
        "minist",
        "say",
        "sanction",
        "sanction",
        "export",
    ]


def test_unicode_compatibility_forms_and_accents_fold() -> None:
    assert ANALYZER.terms("ﬁnance Türkiye café") == ANALYZER.terms("finance Turkiye cafe")


def test_query_terms_are_distinct_in_order() -> None:
    assert ANALYZER.query_terms("Russia, Turkey and Russia sanctions") == ["russia", "turkey", "sanction"]


def test_stemming_and_stop_words_can_be_switched_off() -> None:
    plain = Analyzer(stem=False, stopwords=False)
    assert plain.terms("The ministers said") == ["the", "ministers", "said"]


@pytest.mark.parametrize("question", ['"', "*():^-'", "AND OR NOT", "title:foo~2", "\\", "[]{}"])
def test_query_syntax_characters_are_just_text(question: str) -> None:
    # Questions never go through a query parser, so these are never a syntax error.
    terms = ANALYZER.query_terms(question)
    assert all(term.isalnum() for term in terms)
