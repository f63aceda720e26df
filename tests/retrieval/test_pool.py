"""How deep a question's candidate pool goes: deeper only where a deeper pool could change the answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from newsbot.retrieval import search as search_module
from newsbot.retrieval.analyzer import Analyzer
from newsbot.retrieval.engines import ScoredPassage
from newsbot.retrieval.options import SearchOptions
from newsbot.retrieval.reads import PassageRow


class _Engine:
    """As many equally scored candidates as asked for: a pool that copies could always fill."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def search(self, terms: Sequence[str], k: int, *rest: Any) -> list[ScoredPassage]:
        self.asked.append(k)
        return [ScoredPassage(pid, 10.0) for pid in range(1, k + 1)]

    def frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        return dict.fromkeys(terms, 5)

    def count(self) -> int:
        return 10_000


class _Reader:
    def passages(self, pids: Sequence[int]) -> dict[int, PassageRow]:
        return {}


def _pool_sizes(monkeypatch: pytest.MonkeyPatch, judged_all: bool) -> list[int]:
    # No answer, and copies in most places: what `_hits` says of a pool where copies crowd out answers.
    monkeypatch.setattr(search_module, "_hits", lambda *args: ([], set(), 0.0, 10**6, judged_all))
    engine = _Engine()
    analyzer = Analyzer()
    search_module._rank(
        engine,  # type: ignore[arg-type]
        _Reader(),  # type: ignore[arg-type]
        search_module._PassagesSeen(analyzer),
        SearchOptions(),
        ["wheat", "harvest"],
        [],
        3,
        None,
        None,
        frozenset(),
        None,
        [],
    )
    return engine.asked


def test_copies_crowding_the_pool_make_it_deeper(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _pool_sizes(monkeypatch, judged_all=False) == [12, 48, 192, 768]


def test_no_deeper_pool_once_every_candidate_it_may_judge_was_judged_without_an_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A deeper pool would judge the same first candidates again (the examined limit is reached) and
    # find no answer among them: the same "nothing in the archive", at a quarter of the searches.
    assert _pool_sizes(monkeypatch, judged_all=True) == [12]
