"""Follow-ups: a question read with the ones before it, its own words first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from newsbot.retrieval import Archive
from newsbot.retrieval.options import ArchiveOptions
from tests.conftest import SEED

TOURISM = """---
title: Turkey's tourism boom
date: 2026-01-10
---
Turkey welcomed a record number of visitors this winter. Turkey's hotels in Antalya were full, and
Turkey's airlines added flights from Europe to meet demand.
"""

FIRST = "What did the International Crisis Group report say about Karabakh?"
FOLLOW_UP = "And Turkey?"


@pytest.fixture(params=["tantivy", "rank-bm25"])
async def two_topics(request: pytest.FixtureRequest, tmp_path: Path, seeds_dir: Path) -> AsyncIterator[Archive]:
    (seeds_dir / "tourism.md").write_text(TOURISM, encoding="utf-8")
    opened = await Archive.open(ArchiveOptions(seeds_dir=seeds_dir, data_dir=tmp_path / "data", engine=request.param))
    await opened.reindex()
    yield opened
    await opened.close()


async def test_a_follow_up_needs_the_earlier_question_to_find_its_answer(two_topics: Archive) -> None:
    alone = await two_topics.ask(FOLLOW_UP)
    followed = await two_topics.ask(FOLLOW_UP, context=[FIRST])
    assert alone.hits[0].title == "Turkey's tourism boom"  # without context: the wrong story
    best = followed.hits[0]
    assert best.file == SEED.name
    assert "Turkey" in best.excerpt
    assert followed.context == [FIRST]
    assert followed.matched == ["Turkey"]  # judged on its own words: the context only ranks


async def test_a_follow_up_without_words_of_its_own_asks_about_the_earlier_subject(archive: Archive) -> None:
    answer = await archive.ask("and why?", context=[FIRST])
    assert answer.found
    assert answer.hits[0].file == SEED.name


async def test_context_words_rank_below_the_questions_own(two_topics: Archive) -> None:
    # The tourism question, after an unrelated one: its own words still win.
    answer = await two_topics.ask("Which hotels were full in Antalya?", context=[FIRST])
    assert answer.hits[0].title == "Turkey's tourism boom"
