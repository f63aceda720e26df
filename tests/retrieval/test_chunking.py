from __future__ import annotations

import itertools
from datetime import date

from newsbot.retrieval.chunking import body_passages, passages_for, sentence_spans
from newsbot.retrieval.formats import parse_page
from tests.conftest import SEED


def test_sentences_split_at_ends_but_not_at_abbreviations() -> None:
    text = "The U.S. envoy met Mr. Aliyev on Jan. 5 in Baku. Talks “went well.” Then 3 more rounds followed!"
    assert [text[s.start : s.end] for s in sentence_spans(text)] == [
        "The U.S. envoy met Mr. Aliyev on Jan. 5 in Baku.",
        "Talks “went well.”",
        "Then 3 more rounds followed!",
    ]


def test_passages_end_at_sentence_boundaries_within_target() -> None:
    body = " ".join(f"Sentence number {i} talks about grain exports." for i in range(40))
    spans = body_passages(body, target_chars=200, overlap_chars=60)
    assert len(spans) > 5
    for span in spans:
        text = body[span.start : span.end]
        assert len(text) <= 200
        assert text.startswith("Sentence") and text.endswith(".")
    # Consecutive passages overlap by whole trailing sentences, never more than asked.
    for previous, following in itertools.pairwise(spans):
        assert following.start < previous.end
        assert previous.end - following.start <= 60


def test_every_sentence_is_in_some_passage() -> None:
    body = "First paragraph one. First paragraph two.\n\nSecond paragraph alone.\n\n" + "Long " * 300 + "end."
    spans = body_passages(body, target_chars=300, overlap_chars=50)
    covered = set()
    for span in spans:
        covered.update(range(span.start, span.end))
    for sentence in sentence_spans(body):
        assert sentence.start in covered and sentence.end - 1 in covered


def test_seed_passages_have_offsets_into_the_body_and_headlines_their_own_dates() -> None:
    document = parse_page(SEED.read_text(encoding="utf-8"), SEED.name)
    assert document is not None
    passages = passages_for(document, 600, 150)
    body = [p for p in passages if p.kind == "body"]
    assert body and all(document.body[p.start : p.end] == p.text for p in body)
    assert all(p.date == date(2026, 1, 14) for p in body)
    headlines = [(p.text, p.date) for p in passages if p.kind == "headline"]
    assert headlines == [(h.title, h.date) for h in document.headlines]
    assert headlines[0] == ("Foreign Interests and Native Fatigue: Iran on the Brink", date(2026, 1, 11))
    assert [p.kind for p in passages].count("title") == 1
