"""What answering reads from the archive database, written once for two kinds of connection.

The `Store` talks to SQLite through aiosqlite, for the bot's event loop; a
question's hot path reads through plain sqlite3 connections from a worker
thread (`PassageReader`), and so does a shell `ask`, which never starts an
event loop at all (issue #14). So that the two never drift apart, each read
that both need is a generator: it yields `(sql, parameters)`, is sent back the
rows, and returns its result. `run` drives one over sqlite3 and `Store._run`
over aiosqlite. Nothing here imports asyncio or aiosqlite.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

BUSY_TIMEOUT_MS = 30_000
AGREEMENT_SAMPLE = 16  # articles whose passages are counted in the index by each check that it agrees with the store
CHUNK = 500  # bound on `IN (...)` list sizes, well under SQLite's variable limit

T = TypeVar("T")
Rows = list[tuple[Any, ...]]
# A read: yields statements, is sent their rows, returns its result.
Read = Generator[tuple[str, tuple[Any, ...]], Rows, T]


def run(connection: sqlite3.Connection, read: Read[T]) -> T:
    """A read, over a plain sqlite3 connection."""
    try:
        statement = next(read)
        while True:
            statement = read.send(connection.execute(*statement).fetchall())
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


class PassageRow(NamedTuple):
    """A passage joined with its document: everything an answer shows.

    A tuple, not a frozen dataclass: one is built per candidate of every question.
    """

    pid: int
    document_id: int
    kind: str
    start: int
    end: int
    date: date | None
    text: str
    title: str
    url: str | None
    file: str


class Pending(NamedTuple):
    """A reindex generation written to the store but not yet committed to the index.

    Its rows are the ones with ids from `first_document` / `first_passage` on;
    rows it replaced carry `retired = generation`. Until the index commits it,
    readers answer from the previous generation (`as_of`), so a writer killed
    half way never shows a mix of the old and the new archive.
    """

    generation: int
    first_document: int
    first_passage: int


@dataclass(frozen=True, slots=True)
class LatestItem:
    title: str
    date: dt.date | None  # `dt.`: a bare `date` here would name this field, not the type
    kind: str  # "article" or "headline"
    url: str | None
    file: str


def live(table: str, as_of: Pending | None, document_column: str = "id") -> tuple[str, tuple[int, ...]]:
    """SQL condition (and its parameters) for the rows of `table` a reader sees.

    With no pending generation: the live rows. With one: the rows of the
    generation before it, i.e. created before it and not retired before it.
    """
    if as_of is None:
        return f"{table}.retired IS NULL", ()
    first = as_of.first_passage if table == "passages" and document_column == "id" else as_of.first_document
    return (
        f"({table}.retired IS NULL OR {table}.retired = ?) AND {table}.{document_column} < ?",
        (as_of.generation, first),
    )


def day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def chunks(items: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


# -- the reads ----------------------------------------------------------------


def schema_version() -> Read[int]:
    rows = yield "PRAGMA user_version", ()
    return int(rows[0][0]) if rows else 0


def meta(key: str, default: str = "") -> Read[str]:
    rows = yield "SELECT value FROM meta WHERE key = ?", (key,)
    return str(rows[0][0]) if rows else default


def pending() -> Read[Pending | None]:
    """The generation a writer has started and not finished, if any."""
    value = yield from meta("pending")
    if not value:
        return None
    generation, first_document, first_passage = (int(part) for part in value.split(","))
    return Pending(generation, first_document, first_passage)


def committed_generation() -> Read[int]:
    """The generation readers answer from: the newest one whose index was committed."""
    started = yield from pending()
    if started is not None:
        return started.generation - 1
    return int((yield from meta("generation", "0")))


def live_passage_count(as_of: Pending | None = None) -> Read[int]:
    """How many passages a generation has, counted: every live id is read."""
    condition, parameters = live("passages", as_of)
    rows = yield f"SELECT COUNT(*) FROM passages WHERE {condition}", parameters
    return int(rows[0][0]) if rows else 0


def live_passages_kept() -> Read[int | None]:
    """How many passages are live, as inserts and retirements have kept it (migration 0006), not counted."""
    value = yield from meta("live_passages")
    return int(value) if value else None


def live_article_sample(size: int, as_of: Pending | None = None) -> Read[dict[int, int]]:
    """Up to `size` of a generation's articles, spread over its id range, each with its passage count.

    What an index is checked against (`Engine.passage_counts`): an index looks an
    article up by its indexed id in microseconds, where finding one passage id
    means scanning a column (milliseconds per id at a few million passages).
    """
    documents, parameters = live("documents", as_of)
    passages, passage_parameters = live("passages", as_of, "document_id")
    # Apart: each alone walks the id order from its end to the first live row; together they scan.
    rows = yield f"SELECT MIN(id) FROM documents WHERE {documents}", parameters
    low = rows[0][0] if rows else None
    rows = yield f"SELECT MAX(id) FROM documents WHERE {documents}", parameters
    high = rows[0][0] if rows else None
    if low is None or high is None:
        return {}
    # From the oldest article to the newest, both included: the newest are the likeliest to be missing
    # from an index left behind.
    starts = sorted({low + (high - low) * place // max(1, size - 1) for place in range(size)})
    sample: dict[int, int] = {}
    for start in starts:  # the first live article from each start
        rows = yield f"SELECT MIN(id) FROM documents WHERE {documents} AND id >= ?", (*parameters, start)
        found = rows[0][0] if rows else None
        if found is not None and found not in sample:
            rows = yield (
                f"SELECT COUNT(*) FROM passages WHERE document_id = ? AND {passages}",
                (found, *passage_parameters),
            )
            sample[int(found)] = int(rows[0][0])
    return sample


def boilerplate() -> Read[frozenset[int]]:
    """Keys of the sentences that are site furniture, not news (see `retrieval/boilerplate.py`)."""
    rows = yield "SELECT key FROM boilerplate", ()
    return frozenset(int(row[0]) for row in rows)


def latest(count: int, since: date | None = None, until: date | None = None) -> Read[list[LatestItem]]:
    """Newest dated articles and headlines, deduplicated by title, newest first.

    From the committed generation: a half-written reindex shows nothing yet.
    """
    floor = iso(since) or "0000-00-00"
    ceiling = iso(until) or "9999-99-99"
    as_of = yield from pending()
    documents, document_parameters = live("documents", as_of)
    headlines, headline_parameters = live("headlines", as_of, "document_id")
    sql = (
        "SELECT title, date, kind, url, file FROM ("
        " SELECT documents.title, documents.date, 'article' AS kind, documents.url, documents.file"
        f"  FROM documents WHERE {documents} AND documents.date >= ? AND documents.date <= ?"
        " UNION ALL"
        " SELECT headlines.title, headlines.date, 'headline', NULL, documents.file FROM headlines"
        f"  JOIN documents ON documents.id = headlines.document_id"
        f"  WHERE {headlines} AND headlines.date >= ? AND headlines.date <= ?"
        ") ORDER BY date DESC, kind ASC, title ASC, file ASC LIMIT ? OFFSET ?"
    )
    seen: set[str] = set()
    items: list[LatestItem] = []
    page, offset = count * 4 + 20, 0
    # Pages of many sites repeat one "Latest news" block: read on until `count` distinct titles.
    while len(items) < count:
        parameters = (*document_parameters, floor, ceiling, *headline_parameters, floor, ceiling, page, offset)
        rows = yield sql, parameters
        for title, when, kind, url, file in rows:
            fold = " ".join(str(title).casefold().split())
            if fold not in seen and len(items) < count:
                seen.add(fold)
                items.append(LatestItem(title, day(when), kind, url, file))
        if len(rows) < page:
            break
        offset += page
    return items


# -- passages, from worker threads ----------------------------------------------

_PASSAGE_ROWS = (
    'SELECT p.id, p.document_id, p.kind, p.start, p."end", p.date, p.text, d.title, d.url, d.file '
    "FROM passages p JOIN documents d ON d.id = p.document_id "
)
_PASSAGES_SQL = _PASSAGE_ROWS + "WHERE p.id IN ({marks})"
_ARTICLE_BODIES_SQL = _PASSAGE_ROWS + "WHERE p.document_id = ? AND p.kind = 'body' ORDER BY p.start"


def _passage_row(r: tuple[Any, ...]) -> PassageRow:
    """A row of `_PASSAGE_ROWS` as a `PassageRow` (its date read back from ISO)."""
    return PassageRow(r[0], r[1], r[2], r[3], r[4], day(r[5]), r[6], r[7], r[8], r[9])


class PassageReader:
    """Passages for answers, read from worker threads with one plain connection per thread.

    A question's hot path (rank, fetch, excerpt) runs in a single worker thread;
    reading there directly saves two more hops through aiosqlite's own thread.
    Retired passages are included: a reader may be one index generation behind.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            connection.execute("PRAGMA query_only = ON")
            connection.execute("PRAGMA mmap_size = 268435456")  # random passage reads, without copies
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def read(self, query: Read[T]) -> T:
        """One of this module's reads, through this thread's connection."""
        return run(self._connection(), query)

    def passages(self, pids: Sequence[int]) -> dict[int, PassageRow]:
        connection = self._connection()
        rows: dict[int, PassageRow] = {}
        for chunk in chunks(list(pids)):
            sql = _PASSAGES_SQL.format(marks=",".join("?" * len(chunk)))
            for r in connection.execute(sql, tuple(chunk)):
                rows[r[0]] = _passage_row(r)
        return rows

    def article_bodies(self, document_id: int) -> list[PassageRow]:
        """An article's body passages in reading order (retired too: they never change once written)."""
        return [_passage_row(r) for r in self._connection().execute(_ARTICLE_BODIES_SQL, (document_id,))]

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
