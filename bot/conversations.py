"""What each answer was asked with, so its buttons and follow-ups outlive the process.

A button's custom id names its answer (`nb:more:<answer>:<asker>:<page>`); the
answer's row here holds the question chain, page size and dates. A reply to an
answer, or a message in a thread the bot started, continues that chain. No
member ids are stored: the asker's id lives only in Discord's custom id.
Rows go after `bot.keep_questions_days`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import aiosqlite

from newsbot.retrieval import MAX_QUESTION_CHARS

# Questions kept in a chain of follow-ups: the last few, not the whole history.
CHAIN = 3


@dataclass(frozen=True)
class Asked:
    """One answer's question, the earlier ones it follows up on, and how it was asked."""

    id: str
    questions: tuple[str, ...]  # oldest first; the last is this answer's own
    per_page: int
    after: date | None = None
    before: date | None = None

    @property
    def question(self) -> str:
        return self.questions[-1]

    @property
    def context(self) -> list[str]:
        return list(self.questions[:-1])

    def then(self, question: str) -> tuple[str, ...]:
        """The chain a follow-up to this answer continues: the last few questions, not the whole history."""
        return (*self.questions, question)[-CHAIN:]


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Conversations:
    """Answers by id, by the message that shows them, and by the thread the bot started for them."""

    def __init__(self, db: aiosqlite.Connection, keep_days: int) -> None:
        self.db = db
        self.keep_days = keep_days

    async def remember(
        self, questions: Sequence[str], per_page: int, after: date | None = None, before: date | None = None
    ) -> Asked:
        """A new answer's state: its question last, after the (at most `CHAIN` - 1) it follows up on."""
        chain = tuple(question[:MAX_QUESTION_CHARS] for question in questions)[-CHAIN:]
        asked = Asked(secrets.token_hex(8), chain, per_page, after, before)
        await self.db.execute(
            "INSERT INTO answers (id, questions, per_page, after, before, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                asked.id,
                json.dumps(list(chain)),
                per_page,
                after and after.isoformat(),
                before and before.isoformat(),
                _now(),
            ),
        )
        return asked

    async def shown_in(self, asked: Asked, message_id: int) -> None:
        """Record the message that shows an answer: replies to it are follow-ups."""
        await self.db.execute("UPDATE answers SET message_id = ? WHERE id = ?", (message_id, asked.id))

    async def get(self, answer_id: str) -> Asked | None:
        return await self._one("SELECT * FROM answers WHERE id = ?", (answer_id,))

    async def by_message(self, message_id: int) -> Asked | None:
        return await self._one("SELECT * FROM answers WHERE message_id = ?", (message_id,))

    async def started_thread(self, thread_id: int, asked: Asked) -> None:
        """The bot opened `thread_id` for an answer, or answered in it again: its latest answer."""
        await self.db.execute(
            "INSERT INTO threads (thread_id, answer_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (thread_id) DO UPDATE SET answer_id = excluded.answer_id",
            (thread_id, asked.id, _now()),
        )

    async def is_bots_thread(self, thread_id: int) -> bool:
        async with self.db.execute("SELECT 1 FROM threads WHERE thread_id = ?", (thread_id,)) as cursor:
            return await cursor.fetchone() is not None

    async def in_thread(self, thread_id: int) -> Asked | None:
        """The latest answer in a thread the bot started; None in any other thread."""
        return await self._one(
            "SELECT a.* FROM threads t JOIN answers a ON a.id = t.answer_id WHERE t.thread_id = ?", (thread_id,)
        )

    async def _one(self, sql: str, parameters: tuple[object, ...]) -> Asked | None:
        async with self.db.execute(sql, parameters) as cursor:
            row = await cursor.fetchone()
            names = [column[0] for column in cursor.description]
        if row is None:
            return None
        values = dict(zip(names, row, strict=True))
        return Asked(
            values["id"],
            tuple(json.loads(values["questions"])),
            int(values["per_page"]),
            _day(values["after"]),
            _day(values["before"]),
        )

    async def expire(self) -> int:
        """Forget answers (and threads) older than `keep_days`: their buttons then say so."""
        cutoff = (datetime.now(UTC) - timedelta(days=self.keep_days)).isoformat(timespec="seconds")
        async with self.db.execute("DELETE FROM answers WHERE created_at < ?", (cutoff,)) as cursor:
            removed = cursor.rowcount
        await self.db.execute("DELETE FROM threads WHERE answer_id NOT IN (SELECT id FROM answers)")
        return removed
