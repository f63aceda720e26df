"""What the bot remembers about members, in its own SQLite file, and how a member makes it forget.

Kept apart from the archive (`retrieval`): articles are the operator's data,
votes are members' data. Each member can erase theirs with `/forget-me`, and
votes older than `bot.keep_votes_days` are deleted on their own.

Stored per vote: the answer's id, the member's id, helpful or not, the
question's text (at most 500 characters) and when. Nothing else about members
is written anywhere: the per-member cooldown lives in memory only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

DATABASE_NAME = "members.sqlite3"
_QUESTION_CHARS = 500

# The schema's history, applied in order and recorded in `PRAGMA user_version`.
_MIGRATIONS = (
    """
    CREATE TABLE votes (
        answer_id  TEXT NOT NULL,
        user_id    INTEGER NOT NULL,
        helpful    INTEGER NOT NULL CHECK (helpful IN (0, 1)),
        question   TEXT NOT NULL,
        voted_at   TEXT NOT NULL,
        PRIMARY KEY (answer_id, user_id)
    );
    CREATE INDEX votes_user ON votes(user_id);
    CREATE INDEX votes_voted_at ON votes(voted_at);
    """,
    # Conversations (bot/conversations.py) and knowledge gaps (bot/gaps.py): no member ids.
    """
    CREATE TABLE answers (
        id          TEXT PRIMARY KEY,
        message_id  INTEGER,
        questions   TEXT NOT NULL,
        per_page    INTEGER NOT NULL,
        after       TEXT,
        before      TEXT,
        created_at  TEXT NOT NULL
    );
    CREATE INDEX answers_message ON answers(message_id);
    CREATE INDEX answers_created_at ON answers(created_at);
    CREATE TABLE threads (
        thread_id   INTEGER PRIMARY KEY,
        answer_id   TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    CREATE TABLE asked (
        words       TEXT NOT NULL,
        shown       TEXT NOT NULL,
        question    TEXT NOT NULL,
        outcome     TEXT NOT NULL CHECK (outcome IN ('answered', 'nothing', 'not helpful')),
        asked_at    TEXT NOT NULL
    );
    CREATE INDEX asked_asked_at ON asked(asked_at);
    CREATE TABLE channel_settings (
        channel_id       INTEGER PRIMARY KEY,
        enabled          INTEGER,
        answer_in        TEXT,
        require_mention  INTEGER,
        changed_at       TEXT NOT NULL
    );
    """,
    # Announcements (bot/announce.py): articles announced, and the archive generation read up to.
    """
    CREATE TABLE announced (
        key           TEXT PRIMARY KEY,
        announced_at  TEXT NOT NULL
    );
    CREATE TABLE bot_state (
        name   TEXT PRIMARY KEY,
        value  TEXT NOT NULL
    );
    """,
)


def _private_file(path: Path) -> Path:
    """Create the file (and its folder) readable by this user only, unless it exists: it holds member ids."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Members:
    """Members' votes on answers: recorded, counted, expired, and erased on request."""

    def __init__(self, connection: aiosqlite.Connection, keep_days: int) -> None:
        self.db = connection
        self.keep_days = keep_days

    @classmethod
    async def open(cls, data_dir: Path, keep_days: int, archive_database: Path | None = None) -> Members:
        """Open (created 0600 if new) the members' database; move in the archive's old votes; expire old ones."""
        path = _private_file(data_dir / DATABASE_NAME)
        connection = await aiosqlite.connect(path, isolation_level=None)
        try:
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA busy_timeout = 30000")
            members = cls(connection, keep_days)
            await members._migrate()
            # ATTACH would create a missing file: look first.
            if archive_database is not None and await asyncio.to_thread(archive_database.is_file):
                await members._move_votes_from(archive_database)
            await members.expire()
        except BaseException:
            await connection.close()
            raise
        return members

    async def close(self) -> None:
        await self.db.close()

    async def _migrate(self) -> None:
        async with self.db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = int(row[0]) if row else 0
        for number, script in enumerate(_MIGRATIONS[version:], start=version + 1):
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                for statement in (part.strip() for part in script.split(";")):
                    if statement:
                        await self.db.execute(statement)
                await self.db.execute(f"PRAGMA user_version = {number}")
                await self.db.execute("COMMIT")
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise

    async def _move_votes_from(self, archive_database: Path) -> None:
        """Earlier versions kept votes in the archive's database: move them here, once, and drop them there."""
        try:
            await self.db.execute("ATTACH DATABASE ? AS archive", (str(archive_database),))
        except sqlite3.DatabaseError as error:
            log.warning("could not look for old votes in %s: %s", archive_database.name, error)
            return
        try:
            async with self.db.execute(
                "SELECT 1 FROM archive.sqlite_master WHERE type = 'table' AND name = 'feedback'"
            ) as cursor:
                if await cursor.fetchone() is None:
                    return
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                await self.db.execute(
                    "INSERT OR IGNORE INTO votes (answer_id, user_id, helpful, question, voted_at) "
                    "SELECT answer_id, user_id, helpful, question, voted_at FROM archive.feedback"
                )
                await self.db.execute("DROP TABLE archive.feedback")
                await self.db.execute("COMMIT")
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            log.info("moved members' votes out of the archive database into %s", DATABASE_NAME)
        finally:
            await self.db.execute("DETACH DATABASE archive")

    async def record_vote(self, answer_id: str, user_id: int, helpful: bool, question: str) -> bool:
        """Store a member's vote; False when it only repeated their existing vote."""
        async with self.db.execute(
            "SELECT helpful FROM votes WHERE answer_id = ? AND user_id = ?", (answer_id, user_id)
        ) as cursor:
            row = await cursor.fetchone()
        if row is not None and bool(row[0]) == helpful:
            return False
        await self.db.execute(
            "INSERT INTO votes (answer_id, user_id, helpful, question, voted_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (answer_id, user_id) DO UPDATE SET helpful = excluded.helpful, voted_at = excluded.voted_at",
            (answer_id, user_id, int(helpful), question[:_QUESTION_CHARS], _now()),
        )
        return True

    async def vote_counts(self) -> tuple[int, int]:
        """(helpful, not helpful) over the votes still kept."""
        async with self.db.execute("SELECT COALESCE(SUM(helpful), 0), COUNT(*) FROM votes") as cursor:
            row = await cursor.fetchone()
        helpful, total = (int(row[0]), int(row[1])) if row else (0, 0)
        return helpful, total - helpful

    async def forget(self, user_id: int) -> int:
        """Erase everything stored about one member; returns how many records went."""
        async with self.db.execute("DELETE FROM votes WHERE user_id = ?", (user_id,)) as cursor:
            return cursor.rowcount

    async def expire(self) -> int:
        """Delete votes older than `keep_days`; returns how many went."""
        cutoff = (datetime.now(UTC) - timedelta(days=self.keep_days)).isoformat(timespec="seconds")
        async with self.db.execute("DELETE FROM votes WHERE voted_at < ?", (cutoff,)) as cursor:
            return cursor.rowcount
