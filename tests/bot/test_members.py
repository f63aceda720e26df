"""What the bot keeps about members: votes only, expired after `keep_votes_days`, moved out of the archive."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsbot.bot.members import DATABASE_NAME, Members
from newsbot.retrieval import DATABASE_NAME as ARCHIVE_DATABASE
from newsbot.retrieval.store import Store


async def test_one_vote_per_member_per_answer(tmp_path: Path) -> None:
    members = await Members.open(tmp_path, keep_days=90)
    try:
        assert await members.record_vote("a", 1, True, "q")
        assert not await members.record_vote("a", 1, True, "q")  # repeated: nothing changes
        assert await members.record_vote("a", 1, False, "q")  # changed their mind
        assert await members.record_vote("a", 2, True, "q")
        assert await members.vote_counts() == (1, 1)
    finally:
        await members.close()


async def test_votes_older_than_the_retention_are_deleted(tmp_path: Path) -> None:
    members = await Members.open(tmp_path, keep_days=30)
    await members.record_vote("recent", 1, True, "kept question")
    old = (datetime.now(UTC) - timedelta(days=31)).isoformat(timespec="seconds")
    await members.db.execute(
        "INSERT INTO votes (answer_id, user_id, helpful, question, voted_at) VALUES ('old', 2, 1, 'old question', ?)",
        (old,),
    )
    await members.close()
    reopened = await Members.open(tmp_path, keep_days=30)  # expiry runs on every start
    try:
        async with reopened.db.execute("SELECT answer_id FROM votes") as cursor:
            assert [row[0] for row in await cursor.fetchall()] == ["recent"]
    finally:
        await reopened.close()


async def test_votes_kept_in_the_archive_by_earlier_versions_move_out_of_it(tmp_path: Path) -> None:
    archive_database = tmp_path / ARCHIVE_DATABASE
    store = await Store.open(archive_database)  # its migrations still create the old `feedback` table
    now = datetime.now(UTC).isoformat(timespec="seconds")
    await store.db.execute(
        "INSERT INTO feedback (answer_id, user_id, helpful, question, voted_at) VALUES ('x', 7, 0, 'old q', ?)", (now,)
    )
    await store.close()
    members = await Members.open(tmp_path, keep_days=90, archive_database=archive_database)
    try:
        assert await members.vote_counts() == (0, 1)
        assert await members.forget(7) == 1
    finally:
        await members.close()
    with sqlite3.connect(archive_database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "feedback" not in tables  # no member data is left behind in the archive


async def test_the_members_database_is_private(tmp_path: Path) -> None:
    members = await Members.open(tmp_path / "data", keep_days=90)
    await members.close()
    assert (tmp_path / "data" / DATABASE_NAME).stat().st_mode & 0o777 == 0o600
