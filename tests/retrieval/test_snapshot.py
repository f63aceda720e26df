"""`open_snapshot`: a shell `ask` answers from the archive as it stands, or leaves it to the `Archive`.

The snapshot must answer exactly as the `Archive` does, and must refuse
(return None) in every state where the `Archive` would first write something:
no archive, a reindex under way, a migration to apply, an index that is
missing or disagrees with the store. Answering from those would be answering
from an archive that is not the committed one.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from newsbot.retrieval import Archive, ArchiveOptions, reads
from newsbot.retrieval import snapshot as snapshot_module
from newsbot.retrieval.engines import TantivyEngine, current_index
from newsbot.retrieval.lifecycle import IndexKeeper
from newsbot.retrieval.migrations import SCHEMA_VERSION
from newsbot.retrieval.snapshot import DATABASE_NAME, open_snapshot
from newsbot.retrieval.store import Store

QUESTIONS = (
    "What did the ICG say about Russia and Turkey?",
    "Oreshnik missile",
    "What did the ICG say on 14 January 2026?",
    "what happened last week",
    "How many moons does Jupiter have?",
    "Rusia sanctons",  # typos
    "",
)
TODAY = date(2026, 1, 20)


async def built(options: ArchiveOptions) -> None:
    archive = await Archive.open(options)
    await archive.reindex()
    await archive.close()


def database(options: ArchiveOptions) -> sqlite3.Connection:
    return sqlite3.connect(options.data_dir / DATABASE_NAME, isolation_level=None)


async def test_a_snapshot_answers_as_the_archive_does(options: ArchiveOptions) -> None:
    await built(options)
    snapshot = open_snapshot(options)
    assert snapshot is not None
    archive = await Archive.open(options)
    try:
        for question in QUESTIONS:
            assert snapshot.ask(question, today=TODAY) == await archive.ask(question, today=TODAY), question
        assert snapshot.latest(5) == await archive.latest(5)
        assert snapshot.latest(5, topic="Oreshnik") == await archive.latest(5, topic="Oreshnik")
        assert snapshot.ask(QUESTIONS[0]).found  # the comparison is of real answers
    finally:
        snapshot.close()
        await archive.close()


async def test_no_archive_yet_is_left_to_the_archive(options: ArchiveOptions) -> None:
    assert open_snapshot(options) is None
    assert not (options.data_dir / DATABASE_NAME).exists()  # and nothing was created by looking


async def test_a_reindex_under_way_is_left_to_the_archive(options: ArchiveOptions) -> None:
    await built(options)
    with database(options) as db:
        db.execute("INSERT INTO meta (key, value) VALUES ('pending', '2,1000,1000')")
    assert open_snapshot(options) is None


async def test_a_database_of_another_schema_is_left_to_the_archive(options: ArchiveOptions) -> None:
    await built(options)
    with database(options) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    assert open_snapshot(options) is None


async def test_a_missing_or_damaged_index_is_left_to_the_archive(options: ArchiveOptions) -> None:
    await built(options)
    index = current_index(options.data_dir)
    assert index is not None and open_snapshot(options) is not None
    for path in index.iterdir():
        if path.suffix in (".idx", ".term", ".store"):
            path.write_bytes(b"\x00" * 64)  # damaged segment files
    assert open_snapshot(options) is None
    shutil.rmtree(index)
    assert open_snapshot(options) is None


async def test_an_index_that_disagrees_with_the_store_is_left_to_the_archive(options: ArchiveOptions) -> None:
    await built(options)
    with database(options) as db:
        db.execute("UPDATE meta SET value = '7' WHERE key = 'generation'")  # the index holds generation 1
    assert open_snapshot(options) is None
    with database(options) as db:
        db.execute("UPDATE meta SET value = '1' WHERE key = 'generation'")
        assert open_snapshot(options) is not None
        # One passage fewer, as the writer would have kept it: a store older than its index.
        db.execute("UPDATE passages SET retired = 1 WHERE id = (SELECT MAX(id) FROM passages)")
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) - 1 WHERE key = 'live_passages'")
    assert open_snapshot(options) is None


async def test_an_index_with_the_right_count_but_other_articles_is_left_to_the_archive(
    options: ArchiveOptions,
) -> None:
    await built(options)
    with database(options) as db:
        # As many passages as the index holds, but one of them moved to another article.
        (article,) = db.execute("SELECT id FROM documents WHERE retired IS NULL").fetchone()
        db.execute("UPDATE passages SET document_id = ? WHERE id = (SELECT MAX(id) FROM passages)", (article + 1000,))
    assert open_snapshot(options) is None


async def test_the_in_memory_engine_is_left_to_the_archive(options: ArchiveOptions) -> None:
    await built(options)
    assert open_snapshot(replace(options, engine="rank-bm25")) is None


def test_a_data_directory_that_is_not_one_is_left_to_the_archive(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DATABASE_NAME).write_bytes(b"not a database at all" * 100)
    assert open_snapshot(ArchiveOptions(seeds_dir=tmp_path, data_dir=data)) is None


@pytest.fixture
def with_news(options: ArchiveOptions, news_jsonl: Path) -> ArchiveOptions:
    news_jsonl.rename(options.seeds_dir / news_jsonl.name)  # 231 articles: more than the sample holds
    return options


async def test_the_check_samples_the_newest_articles(with_news: ArchiveOptions) -> None:
    options = with_news
    await built(options)
    with database(options) as db:
        newest, second = (
            row[0] for row in db.execute("SELECT id FROM documents WHERE retired IS NULL ORDER BY id DESC LIMIT 2")
        )
        sample = reads.run(db, reads.live_article_sample(reads.AGREEMENT_SAMPLE))
        assert newest in sample and min(sample) == db.execute("SELECT MIN(id) FROM documents").fetchone()[0]
        assert open_snapshot(options) is not None
        # The same total, but one passage of the second-newest article now the newest's.
        db.execute(
            "UPDATE passages SET document_id = ? WHERE id = (SELECT MIN(id) FROM passages WHERE document_id = ?)",
            (newest, second),
        )
    assert open_snapshot(options) is None


async def test_a_drifted_kept_count_is_recounted_by_the_archive(
    options: ArchiveOptions, caplog: pytest.LogCaptureFixture
) -> None:
    await built(options)
    with database(options) as db:
        db.execute("UPDATE meta SET value = '999' WHERE key = 'live_passages'")
    assert open_snapshot(options) is None  # a shell ask cannot trust it, and leaves it to the archive
    archive = await Archive.open(options)
    await archive.close()
    assert "kept count of live passages had drifted" in caplog.text
    with database(options) as db:
        kept = int(db.execute("SELECT value FROM meta WHERE key = 'live_passages'").fetchone()[0])
        assert kept == db.execute("SELECT COUNT(*) FROM passages WHERE retired IS NULL").fetchone()[0]
    assert open_snapshot(options) is not None


async def test_only_a_failing_engine_gets_the_index_rebuilt(
    options: ArchiveOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    await built(options)
    archive = await Archive.open(options)
    repairs: list[object] = []
    real_repair = IndexKeeper.repair

    async def counted(self: IndexKeeper, store: Store) -> None:
        repairs.append(store)
        await real_repair(self, store)

    monkeypatch.setattr(IndexKeeper, "repair", counted)
    try:
        # A bug elsewhere in answering is not the index's fault: no rebuild, and the error shows.
        def broken(question: str, today: date) -> object:
            raise ValueError("a bug in reading dates")

        with monkeypatch.context() as patch:
            patch.setattr(snapshot_module, "question_dates", broken)
            with pytest.raises(ValueError, match="a bug in reading dates"):
                await archive.ask(QUESTIONS[0])
        assert repairs == []
        # The engine failing on a question (damaged files surface as ValueError) gets it rebuilt, and an answer.
        real_search = TantivyEngine.search
        failures = [ValueError("An IO error occurred: 'Invalid data'")]

        def failing(self: TantivyEngine, *args: object, **kwargs: object) -> object:
            if failures:
                raise failures.pop()
            return real_search(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(TantivyEngine, "search", failing)
        answer = await archive.ask(QUESTIONS[0])
        assert answer.found and len(repairs) == 1
    finally:
        await archive.close()


async def test_a_rebuild_recounts_the_kept_count_too(options: ArchiveOptions) -> None:
    await built(options)
    with database(options) as db:
        db.execute("UPDATE meta SET value = '999' WHERE key = 'live_passages'")
    shutil.rmtree(options.data_dir / "index")  # the index lost as well: opening rebuilds it
    archive = await Archive.open(options)
    await archive.close()
    with database(options) as db:
        kept = int(db.execute("SELECT value FROM meta WHERE key = 'live_passages'").fetchone()[0])
        assert kept == db.execute("SELECT COUNT(*) FROM passages WHERE retired IS NULL").fetchone()[0]
