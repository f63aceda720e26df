"""A one-file reindex reads what it changes, not the whole archive.

At ten million passages the passage table holds gigabytes of text: a
statement that scans it (counting live rows, deleting retired ones, finding
the sentences of changed articles through a condition no index serves) made a
one-file reindex take minutes. Timing that here would fail on a busy machine;
SQLite's query plans say it without a clock.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from newsbot.retrieval import Archive, ArchiveOptions
from newsbot.retrieval.store import Store

BIG_TABLES = ("passages", "sentences")


async def _statements_of_a_one_file_reindex(options: ArchiveOptions, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    archive = await Archive.open(options)
    await archive.reindex()
    statements: list[str] = []
    real_open = Store.open

    async def traced(cls: type[Store], path: Path) -> Store:
        store = await real_open(path)
        await store.db.set_trace_callback(statements.append)
        return store

    monkeypatch.setattr(Store, "open", classmethod(traced))
    (options.seeds_dir / "sorghum.md").write_text(
        "---\ntitle: Sorghum harvest\ndate: 2026-02-01\n---\nThe sorghum harvest doubled this year.\n"
    )
    (options.seeds_dir / "news-articles.jsonl").unlink()  # and one removed: retired rows to delete
    await archive.reindex(allow_removals=True)
    await archive.close()
    return statements


@pytest.fixture
def with_news(options: ArchiveOptions, news_jsonl: Path) -> ArchiveOptions:
    news_jsonl.rename(options.seeds_dir / news_jsonl.name)
    return options


async def test_no_step_of_a_one_file_reindex_scans_the_passages_or_sentences(
    with_news: ArchiveOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = with_news
    statements = await _statements_of_a_one_file_reindex(options, monkeypatch)
    assert any("passages" in s for s in statements)  # the trace saw the writer's work
    database = sqlite3.connect(options.data_dir / "newsbot.sqlite3")
    scans = []
    for statement in statements:
        if not statement.lstrip().upper().startswith(("SELECT", "DELETE", "UPDATE")):
            continue
        for *_, detail in database.execute("EXPLAIN QUERY PLAN " + statement):
            words = str(detail).split()
            # "SCAN passages USING INDEX passages_live" reads only the live ids' index: allowed.
            if words[:1] == ["SCAN"] and words[1] in BIG_TABLES and "passages_live" not in words:
                scans.append((str(detail), statement[:120]))
    assert scans == []
