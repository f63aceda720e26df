"""Knowledge gaps: what members ask that the archive cannot answer, for moderators (`/gaps`).

Stored per question: its subject words (a grouping key and the words as
typed), its text (at most 300 characters), the outcome and when; no member
id, no channel. Rows go after `bot.keep_questions_days`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

import aiosqlite

Outcome = Literal["answered", "nothing", "not helpful"]
_QUESTION_CHARS = 300


@dataclass(frozen=True)
class Gap:
    """Questions on the same words that found nothing or were voted not helpful."""

    words: str  # as the latest asker typed them, comma-separated
    count: int
    last_asked: date
    example: str  # the latest question of the group


class Gaps:
    def __init__(self, db: aiosqlite.Connection, keep_days: int) -> None:
        self.db = db
        self.keep_days = keep_days

    async def record(self, subject: dict[str, str], question: str, outcome: Outcome) -> None:
        """One question's outcome; `subject` maps each subject term to the word as typed."""
        if not subject:
            return  # "what happened?": nothing to group by, nothing the archive lacks
        key = " ".join(sorted(subject))
        shown = ", ".join(dict.fromkeys(subject.values()))
        await self.db.execute(
            "INSERT INTO asked (words, shown, question, outcome, asked_at) VALUES (?, ?, ?, ?, ?)",
            (key, shown, question[:_QUESTION_CHARS], outcome, datetime.now(UTC).isoformat(timespec="seconds")),
        )

    async def top(self, limit: int = 10) -> list[Gap]:
        """The most asked groups that found nothing or were voted not helpful, most asked first."""
        async with self.db.execute(
            "SELECT words, COUNT(*), MAX(asked_at) FROM asked WHERE outcome != 'answered' "
            "GROUP BY words ORDER BY COUNT(*) DESC, MAX(asked_at) DESC LIMIT ?",
            (limit,),
        ) as cursor:
            groups = await cursor.fetchall()
        gaps = []
        for key, count, last in groups:
            async with self.db.execute(
                "SELECT shown, question FROM asked WHERE words = ? AND outcome != 'answered' "
                "ORDER BY asked_at DESC, rowid DESC LIMIT 1",
                (key,),
            ) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            gaps.append(Gap(row[0], int(count), datetime.fromisoformat(last).date(), row[1]))
        return gaps

    async def expire(self) -> int:
        cutoff = (datetime.now(UTC) - timedelta(days=self.keep_days)).isoformat(timespec="seconds")
        async with self.db.execute("DELETE FROM asked WHERE asked_at < ?", (cutoff,)) as cursor:
            return cursor.rowcount
