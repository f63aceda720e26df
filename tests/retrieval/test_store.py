from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from newsbot.retrieval.store import SCHEMA_VERSION, Store, _statements, migrations


def test_migrations_are_numbered_in_order_from_one() -> None:
    versions = [version for version, _, _ in migrations()]
    assert versions == list(range(1, len(versions) + 1))
    assert SCHEMA_VERSION == versions[-1] >= 2


async def test_an_older_schema_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    version, _, sql = migrations()[0]
    with sqlite3.connect(path) as db:  # a database written by the first release
        for statement in _statements(sql):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {version}")
        db.execute("INSERT INTO documents (key, file, title, content_hash) VALUES ('k', 'f.txt', 'Kept', 'h')")
        db.execute("UPDATE meta SET value = '3' WHERE key = 'generation'")
    store = await Store.open(path)
    try:
        assert await store.schema_version() == SCHEMA_VERSION
        assert await store.generation() == 3
        counts = await store.counts()
        assert counts["documents"] == 1 and counts["questions_answered"] == 0
    finally:
        await store.close()


async def test_a_newer_schema_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RuntimeError, match="upgrade newsbot"):
        await Store.open(path)


async def test_database_is_in_wal_mode(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "s.sqlite3")
    try:
        async with store.db.execute("PRAGMA journal_mode") as cursor:
            assert (await cursor.fetchone()) == ("wal",)
    finally:
        await store.close()
