"""Any text in: no crash out, offsets inside the text, limits respected."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsbot.retrieval.analyzer import Analyzer
from newsbot.retrieval.answer import excerpt_for
from newsbot.retrieval.chunking import body_passages, passages_for, sentence_spans
from newsbot.retrieval.dates import parse_date
from newsbot.retrieval.formats import parse_jsonl, parse_markdown, parse_page

ANALYZER = Analyzer()
# Text shaped like scraped pages: words, punctuation, quotes, dates, newlines, odd Unicode.
pieces = st.sampled_from(
    [
        "Latest news",
        "11.Jan.2026",
        "14 Jan 2026",
        "U.S.",
        "Mr.",
        ". ",
        "! ",
        "? ",
        "\n",
        "\n\n",
        "“",
        "”",
        "’s",
        "---\n",
        "# ",
        "title: x\n",
        "\u00a0",
        "\x00",
        "\ufffd",
        "ﬁ",
        "  ",
    ]
)
texts = st.lists(st.one_of(st.text(max_size=30), pieces), max_size=60).map("".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_page_and_markdown_parsers_never_crash_and_keep_offsets_in_the_body(text: str) -> None:
    for parse in (parse_page, parse_markdown):
        document = parse(text, "x.txt")
        if document is None:
            continue
        for passage in passages_for(document, 200, 50):
            assert 0 <= passage.start <= passage.end <= len(document.body)
            if passage.kind == "body":
                assert document.body[passage.start : passage.end] == passage.text
                assert passage.text.strip() == passage.text != ""


@settings(max_examples=200)
@given(st.lists(texts, max_size=5))
def test_jsonl_parser_turns_any_lines_into_articles_or_warnings(lines: list[str]) -> None:
    for item in parse_jsonl(iter(lines), "x.jsonl"):
        assert item is not None


@settings(max_examples=300)
@given(texts, st.integers(100, 800), st.integers(0, 99))
def test_chunks_stay_within_the_text_and_the_target(text: str, target: int, overlap: int) -> None:
    for span in body_passages(text, target, overlap):
        assert 0 <= span.start < span.end <= len(text)
        assert span.end - span.start <= target
    for span in sentence_spans(text):
        assert 0 <= span.start < span.end <= len(text)


@settings(max_examples=300)
@given(texts, texts)
def test_analyzer_and_excerpts_handle_any_text(passage: str, question: str) -> None:
    terms = ANALYZER.query_terms(question)
    assert all(term and term == term.lower() for term in terms)
    excerpt, spans = excerpt_for(passage, ANALYZER, dict.fromkeys(terms, 1.0), 120)
    assert len(excerpt) <= 120
    for start, end in spans:
        assert 0 <= start < end <= len(excerpt)


@given(st.text(max_size=50))
def test_date_parser_returns_a_date_or_none(text: str) -> None:
    assert parse_date(text) is None or isinstance(parse_date(text), date)
