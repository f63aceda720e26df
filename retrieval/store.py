"""The SQLite store: the archive's source of truth; the search index is derived from it.

One file in WAL mode, so a bot answering questions and a `newsbot reindex` in a
shell can share it: readers never block the writer and see the last commit.
The schema is versioned with `PRAGMA user_version` and migrated from the
numbered SQL files in `migrations/`, in order, each in one transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast

import aiosqlite

from newsbot.retrieval import reads
from newsbot.retrieval.chunking import sentence_spans
from newsbot.retrieval.migrations import SCHEMA_VERSION, migrations
from newsbot.retrieval.planning import FileState
from newsbot.retrieval.reads import BUSY_TIMEOUT_MS, CHUNK, Pending, T, chunks, day, iso, live

log = logging.getLogger(__name__)

_PAGE_ROWS = 10_000  # rows fetched per hop from a query that may return millions


@dataclass(frozen=True, slots=True)
class LiveDocument:
    id: int
    key: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class NewDocument:
    """Rows to insert for one article, ids already allocated by the single writer."""

    id: int
    key: str
    file: str
    title: str
    date: date | None
    url: str | None
    content_hash: str
    passages: Sequence[tuple[int, str, int, int, dt.date | None, str]]  # pid, kind, start, end, date, text
    headlines: Sequence[tuple[str, dt.date | None]]
    sentences: frozenset[int] = frozenset()  # keys of the body's sentences, for boilerplate detection
    title_key: int = 0
    added: bool = False  # a key the archive did not hold: a new article, not a changed one


@dataclass(frozen=True, slots=True)
class AddedArticle:
    """An article new to the archive: what an announcement shows of it."""

    id: int
    key: str
    title: str
    date: dt.date | None
    url: str | None
    file: str
    lead: str  # its first sentence ("" when it has no body)


def _first_sentence(text: str | None) -> str:
    spans = sentence_spans(text) if text else []
    return text[spans[0].start : spans[0].end] if text and spans else ""


def _count(table: str, as_of: Pending | None, document_column: str = "id") -> tuple[str, tuple[int, ...]]:
    condition, parameters = live(table, as_of, document_column)
    return f"SELECT COUNT(*) FROM {table} WHERE {condition}", parameters


class Store:
    """Async access to the archive database. One instance per connection."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self.db = connection
        self.path = path

    @classmethod
    async def open(cls, path: Path) -> Store:
        """Open (creating if needed) and migrate the database at `path`.

        A new data directory is created 0700 and a new database file 0600: they
        hold members' ids and questions. SQLite gives its `-wal` and `-shm`
        files the database file's mode.
        """
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        connection = await aiosqlite.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA synchronous = NORMAL")
            store = cls(connection, path)
            await store.migrate()
        except BaseException:
            await connection.close()
            raise
        return store

    async def close(self) -> None:
        await self.db.close()

    async def _run(self, read: reads.Read[T]) -> T:
        """One of `reads`' queries, through this connection."""
        try:
            statement = next(read)
            while True:
                async with self.db.execute(*statement) as cursor:
                    rows = cast(reads.Rows, list(await cursor.fetchall()))  # tuples: no row factory is set
                statement = read.send(rows)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    async def schema_version(self) -> int:
        return await self._run(reads.schema_version())

    async def migrate(self) -> None:
        """Apply every migration newer than the file's `user_version`, each atomically."""
        current = await self.schema_version()
        if current > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} has schema version {current}, newer than this newsbot "
                f"({SCHEMA_VERSION}); upgrade newsbot or point data_dir elsewhere"
            )
        for version, name, sql in migrations():
            if version <= current:
                continue
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                # Re-check under the write lock: another process may have migrated.
                if await self.schema_version() >= version:
                    await self.db.execute("ROLLBACK")
                    continue
                for statement in _statements(sql):
                    await self.db.execute(statement)
                await self.db.execute(f"PRAGMA user_version = {version}")
                await self.db.execute("COMMIT")
                log.info("migrated %s to schema %d (%s)", self.path, version, name)
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise

    # -- generations and change detection -------------------------------------

    async def meta(self, key: str, default: str = "") -> str:
        return await self._run(reads.meta(key, default))

    async def generation(self) -> int:
        """The newest generation written, committed to the index or still pending."""
        return int(await self.meta("generation", "0"))

    async def pending(self) -> Pending | None:
        """The generation a writer has started and not finished, if any."""
        return await self._run(reads.pending())

    async def committed_generation(self) -> int:
        """The generation readers answer from: the newest one whose index was committed."""
        return await self._run(reads.committed_generation())

    async def data_version(self) -> int:
        """Changes whenever another connection commits: a cheap "has anything changed?"."""
        async with self.db.execute("PRAGMA data_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    # -- reading for answers ----------------------------------------------------

    async def live_passages(
        self, as_of: Pending | None = None, since: int = 0, batch: int = 50_000
    ) -> AsyncIterator[list[tuple[int, int, str, str | None]]]:
        """Passages as (pid, document_id, text, date), in batches, for building an index.

        `as_of` a pending generation: the passages of the generation before it.
        `since`: only ids from there on (the rows a pending generation added).
        """
        condition, parameters = live("passages", as_of)
        last = since - 1
        while True:
            async with self.db.execute(
                f"SELECT id, document_id, text, date FROM passages WHERE {condition} AND id > ? ORDER BY id LIMIT ?",
                (*parameters, last, batch),
            ) as cursor:
                rows = [(r[0], r[1], r[2], r[3]) for r in await cursor.fetchall()]
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    async def added_since(self, generation: int, limit: int = 1000) -> tuple[int, list[AddedArticle]]:
        """Articles new to the archive in committed generations after `generation` and still live, oldest
        first (at most `limit`), with the generation they are complete up to."""
        pending = await self.pending()
        committed = await self.committed_generation()
        documents, parameters = live("documents", pending)
        sql = (
            "SELECT documents.id, documents.key, documents.title, documents.date, documents.url, documents.file, "
            " (SELECT text FROM passages p WHERE p.document_id = documents.id AND p.kind = 'body'"
            "  ORDER BY p.start LIMIT 1) "
            f"FROM documents WHERE added_in > ? AND added_in <= ? AND {documents} ORDER BY documents.id LIMIT ?"
        )
        async with self.db.execute(sql, (generation, committed, *parameters, limit)) as cursor:
            rows = await cursor.fetchall()
        return committed, [AddedArticle(r[0], r[1], r[2], day(r[3]), r[4], r[5], _first_sentence(r[6])) for r in rows]

    async def counts(self) -> dict[str, int | str | None]:
        """Sizes and dates for `stats`, of the committed generation (what readers answer from)."""
        pending = await self.pending()
        documents = live("documents", pending)
        out: dict[str, int | str | None] = {}
        for name, sql, parameters in (
            ("documents", f"SELECT COUNT(*) FROM documents WHERE {documents[0]}", documents[1]),
            ("passages", *_count("passages", pending)),
            ("headlines", *_count("headlines", pending, "document_id")),
            ("files", "SELECT COUNT(*) FROM files", ()),
            ("newest_date", f"SELECT MAX(date) FROM documents WHERE {documents[0]}", documents[1]),
        ):
            async with self.db.execute(sql, parameters) as cursor:
                row = await cursor.fetchone()
            out[name] = row[0] if row else None
        out["questions_answered"] = int(await self.meta("questions_answered", "0"))
        out["indexed_at"] = await self.meta("indexed_at") or None
        out["generation"] = await self.committed_generation()
        return out

    # -- boilerplate --------------------------------------------------------------

    async def add_sentences(self, rows: Sequence[tuple[int, int, int]]) -> None:
        """(document id, sentence key, title key) rows, for articles stored before keys were kept."""
        await self.db.executemany("INSERT OR IGNORE INTO sentences (document_id, key, title) VALUES (?, ?, ?)", rows)

    async def set_meta(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def boilerplate(self) -> frozenset[int]:
        """Keys of the sentences that are site furniture, not news (see `retrieval/boilerplate.py`)."""
        return await self._run(reads.boilerplate())

    async def sentence_keys_of(self, first_document: int, retired: Sequence[int]) -> set[int]:
        """Keys of the sentences of the articles a generation added (ids from `first_document`) or `retired`.

        By id ranges and lists, which the sentences' primary key serves: a condition
        on the documents' `retired` column would read every sentence of the archive.
        """
        keys: set[int] = set()
        queries: list[tuple[str, tuple[int, ...]]] = [
            ("SELECT key FROM sentences WHERE document_id >= ?", (first_document,))
        ]
        queries += [
            (f"SELECT key FROM sentences WHERE document_id IN ({','.join('?' * len(chunk))})", tuple(chunk))
            for chunk in chunks(sorted(set(retired)))
        ]
        for sql, parameters in queries:
            # A page at a time: after a full build this is every sentence of the archive (36M rows
            # at 10M passages, most keys repeated), too many to hold as rows. Not DISTINCT: SQLite
            # would then read the whole key index in order rather than seek by document id.
            async with self.db.execute(sql, parameters) as cursor:
                while rows := await cursor.fetchmany(_PAGE_ROWS):
                    keys.update(int(row[0]) for row in rows)
        return keys

    async def recount_boilerplate(self, keys: Iterable[int], min_titles: int) -> None:
        """Decide again, over live articles, whether each of `keys` is boilerplate. Inside the writer's transaction."""
        ordered = sorted(keys)
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            await self.db.execute(f"DELETE FROM boilerplate WHERE key IN ({marks})", tuple(chunk))
            if min_titles <= 0:
                continue
            await self.db.execute(
                "INSERT INTO boilerplate (key) SELECT s.key FROM sentences s JOIN documents d ON d.id = s.document_id "
                f"WHERE s.key IN ({marks}) AND d.retired IS NULL GROUP BY s.key HAVING COUNT(DISTINCT s.title) >= ?",
                (*chunk, min_titles),
            )

    async def articles_without_sentences(self, after: int, batch: int = 2_000) -> list[tuple[int, str, list[str]]]:
        """(id, title, body passages) of live articles past id `after` stored before sentence keys were kept."""
        sql = (
            "SELECT d.id, d.title FROM documents d WHERE d.retired IS NULL AND d.id > ? "
            "AND NOT EXISTS (SELECT 1 FROM sentences s WHERE s.document_id = d.id) ORDER BY d.id LIMIT ?"
        )
        async with self.db.execute(sql, (after, batch)) as cursor:
            articles = [(int(r[0]), str(r[1])) for r in await cursor.fetchall()]
        out = []
        for document_id, title in articles:
            sql = "SELECT text FROM passages WHERE document_id = ? AND kind = 'body' ORDER BY id"
            async with self.db.execute(sql, (document_id,)) as cursor:
                out.append((document_id, title, [str(r[0]) for r in await cursor.fetchall()]))
        return out

    # -- questions ----------------------------------------------------------------

    async def count_questions(self, count: int) -> None:
        await self.db.execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'questions_answered'", (count,)
        )

    # -- the single writer's side ------------------------------------------------

    async def file_states(self) -> dict[str, FileState]:
        async with self.db.execute("SELECT path, size, mtime_ns, sha256 FROM files") as cursor:
            return {r[0]: FileState(r[1], r[2], r[3]) for r in await cursor.fetchall()}

    async def files_with_articles(self) -> set[str]:
        """Every file that has a live article, whether or not its state is remembered."""
        async with self.db.execute("SELECT DISTINCT file FROM documents WHERE retired IS NULL") as cursor:
            return {r[0] for r in await cursor.fetchall()}

    async def agreement_sample(self, size: int, as_of: Pending | None = None) -> tuple[int, dict[int, int]]:
        """How many passages a generation has (counted), and a spread sample of its articles' passage counts."""
        return await self._run(reads.live_passage_count(as_of)), await self._run(reads.live_article_sample(size, as_of))

    async def kept_live_count(self) -> int | None:
        """The live passage count inserts and retirements keep (migration 0006), as a shell `ask` reads it."""
        return await self._run(reads.live_passages_kept())

    async def recount_live(self) -> tuple[int | None, int]:
        """Set the kept live passage count to a real count; returns (kept before, counted). Writer lock held."""
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            kept = await self._run(reads.live_passages_kept())
            counted = await self._run(reads.live_passage_count())
            await self.set_meta("live_passages", str(counted))
            await self.db.execute("COMMIT")
        except BaseException:
            await self.db.execute("ROLLBACK")
            raise
        return kept, counted

    async def live_document_count(self) -> int:
        async with self.db.execute("SELECT COUNT(*) FROM documents WHERE retired IS NULL") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def live_documents(self, files: Sequence[str]) -> dict[str, dict[str, LiveDocument]]:
        """Live articles of the given files: file -> key -> article.

        Grouped by file because a file's new articles may only ever be compared
        with that file's old ones.
        """
        found: dict[str, dict[str, LiveDocument]] = {}
        for start in range(0, len(files), CHUNK):
            chunk = files[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            async with self.db.execute(
                f"SELECT id, key, content_hash, file FROM documents WHERE retired IS NULL AND file IN ({marks})",
                tuple(chunk),
            ) as cursor:
                async for r in cursor:
                    found.setdefault(r[3], {})[r[1]] = LiveDocument(r[0], r[1], r[2])
        return found

    async def next_ids(self) -> tuple[int, int]:
        """The next free (document id, passage id); ids are never reused."""
        async with self.db.execute("SELECT name, seq FROM sqlite_sequence") as cursor:
            seq = {r[0]: int(r[1]) for r in await cursor.fetchall()}
        return seq.get("documents", 0) + 1, seq.get("passages", 0) + 1

    async def begin_write(self) -> None:
        await self.db.execute("BEGIN IMMEDIATE")

    async def rollback(self) -> None:
        if self.db.in_transaction:
            await self.db.execute("ROLLBACK")

    async def commit(self) -> None:
        await self.db.execute("COMMIT")

    async def retire(self, document_ids: Sequence[int], generation: int) -> None:
        """Mark articles and their passages and headlines as replaced in `generation`."""
        for chunk in chunks(document_ids):
            marks = ",".join("?" * len(chunk))
            for table, column in (("documents", "id"), ("passages", "document_id"), ("headlines", "document_id")):
                cursor = await self.db.execute(
                    f"UPDATE {table} SET retired = ? WHERE retired IS NULL AND {column} IN ({marks})",
                    (generation, *chunk),
                )
                if table == "passages":
                    await self._count_live(-cursor.rowcount)

    async def insert(self, documents: Sequence[NewDocument], generation: int = 0) -> None:
        """New rows for `documents`; the new articles among them are marked added in `generation`."""
        await self.db.executemany(
            "INSERT INTO documents (id, key, file, title, date, url, content_hash, added_in) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (d.id, d.key, d.file, d.title, iso(d.date), d.url, d.content_hash, generation if d.added else None)
                for d in documents
            ],
        )
        passages = [(p[0], d.id, p[1], p[2], p[3], iso(p[4]), p[5]) for d in documents for p in d.passages]
        await self.db.executemany(
            'INSERT INTO passages (id, document_id, kind, start, "end", date, text) VALUES (?, ?, ?, ?, ?, ?, ?)',
            passages,
        )
        await self._count_live(len(passages))
        await self.db.executemany(
            "INSERT INTO headlines (document_id, title, date) VALUES (?, ?, ?)",
            [(d.id, title, iso(day)) for d in documents for title, day in d.headlines],
        )
        await self.db.executemany(
            "INSERT OR IGNORE INTO sentences (document_id, key, title) VALUES (?, ?, ?)",
            [(d.id, key, d.title_key) for d in documents for key in d.sentences],
        )

    async def _count_live(self, change: int) -> None:
        """Keep `live_passages` (see migration 0006) in step, in the transaction that changed them."""
        await self.db.execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'live_passages'", (change,)
        )

    async def save_files(self, states: Iterable[tuple[str, int, int, str]], removed: Sequence[str]) -> None:
        await self.db.executemany(
            "INSERT INTO files (path, size, mtime_ns, sha256) VALUES (?, ?, ?, ?) ON CONFLICT (path) DO UPDATE "
            "SET size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256",
            list(states),
        )
        await self.db.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in removed])

    async def count_passages(self, document_ids: Sequence[int]) -> int:
        """Passages of these articles, retired or not (for the reindex summary)."""
        total = 0
        for chunk in chunks(document_ids):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT COUNT(*) FROM passages WHERE document_id IN ({marks})"
            async with self.db.execute(sql, tuple(chunk)) as cursor:
                row = await cursor.fetchone()
            total += int(row[0]) if row else 0
        return total

    async def start_generation(self, pending: Pending) -> None:
        """Record, inside the writer's first transaction, that `pending` is being written."""
        await self.set_meta("generation", str(pending.generation))
        await self.set_meta("pending", f"{pending.generation},{pending.first_document},{pending.first_passage}")

    async def retired_in(self, pending: Pending) -> list[int]:
        """Articles of the previous generation that `pending` retired (to delete from its index)."""
        sql = "SELECT id FROM documents WHERE retired = ? AND id < ?"
        async with self.db.execute(sql, (pending.generation, pending.first_document)) as cursor:
            return [int(r[0]) for r in await cursor.fetchall()]

    async def finish_generation(self) -> None:
        """The index has committed the pending generation: make it the committed one, drop what it replaced."""
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            await self._delete_retired("retired IS NOT NULL", ())
            await self.db.execute("DELETE FROM meta WHERE key = 'pending'")
            await self.set_meta("indexed_at", datetime.now(UTC).isoformat(timespec="seconds"))
            await self.db.execute("COMMIT")
        except BaseException:
            await self.db.execute("ROLLBACK")
            raise

    async def purge_retired(self) -> None:
        """Delete rows retired before the committed generation; no index can return them any more.

        Rows a pending generation retired stay: readers still answer from the
        generation they belong to.
        """
        pending = await self.pending()
        condition, parameters = "retired IS NOT NULL", tuple[int, ...]()
        if pending is not None:
            condition, parameters = "retired < ?", (pending.generation,)
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            await self._delete_retired(condition, parameters)
            await self.db.execute("COMMIT")
        except BaseException:
            await self.db.execute("ROLLBACK")
            raise

    async def _delete_retired(self, condition: str, parameters: tuple[int, ...]) -> None:
        """Delete the retired articles matching `condition`, with their sentences, passages and headlines."""
        await self.db.execute(
            f"DELETE FROM sentences WHERE document_id IN (SELECT id FROM documents WHERE {condition})", parameters
        )
        for table in ("passages", "headlines", "documents"):
            await self.db.execute(f"DELETE FROM {table} WHERE {condition}", parameters)


def is_damage(error: sqlite3.DatabaseError) -> bool:
    """SQLITE_CORRUPT ("disk image is malformed") or SQLITE_NOTADB, not a busy or full disk."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def database_is_damaged(path: Path) -> bool:
    """A full check, run only once an error has already said "damaged"."""
    try:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            rows = connection.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as error:
        return is_damage(error)
    return rows != [("ok",)]


def set_aside(path: Path) -> Path:
    """Move a damaged database and its WAL files next to it, under a dated name; returns the new path."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}-{uuid.uuid4().hex[:6]}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            os.replace(source, aside.with_name(aside.name + suffix))
    return aside


def _statements(script: str) -> list[str]:
    """Split a migration into statements (aiosqlite's executescript would commit for us)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
