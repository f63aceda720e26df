"""The bot's conversation state in SQLite: question chains, threads, gaps, channel settings, and their expiry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from newsbot.bot.channels import ChannelSettings, needs_message_content
from newsbot.bot.conversations import CHAIN, Conversations
from newsbot.bot.gaps import Gaps
from newsbot.bot.members import Members
from newsbot.bot.settings import BotOptions, ChannelOptions


@pytest.fixture
async def members(tmp_path: Path) -> AsyncIterator[Members]:
    opened = await Members.open(tmp_path, keep_days=90)
    yield opened
    await opened.close()


async def test_an_answer_is_found_by_id_and_by_message_with_its_dates(members: Members) -> None:
    store = Conversations(members.db, keep_days=30)
    asked = await store.remember(("Who won?",), 3, date(2026, 1, 1), None)
    await store.shown_in(asked, 42)
    assert await store.get(asked.id) == asked
    assert await store.by_message(42) == asked
    assert await store.by_message(43) is None
    assert asked.after == date(2026, 1, 1) and asked.context == []


async def test_a_chain_keeps_only_the_last_questions(members: Members) -> None:
    store = Conversations(members.db, keep_days=30)
    asked = await store.remember(("q0",), 3)
    for number in range(1, 6):
        asked = await store.remember(asked.then(f"q{number}"), 3)
    assert asked.questions == tuple(f"q{n}" for n in range(6 - CHAIN, 6))
    assert asked.question == "q5" and asked.context == ["q3", "q4"]


async def test_a_thread_remembers_its_latest_answer(members: Members) -> None:
    store = Conversations(members.db, keep_days=30)
    first = await store.remember(("first",), 3)
    later = await store.remember(first.then("later"), 3)
    await store.started_thread(7, first)
    await store.started_thread(7, later)
    assert await store.in_thread(7) == later
    assert await store.is_bots_thread(7) and not await store.is_bots_thread(8)


async def test_old_answers_and_their_threads_expire(members: Members) -> None:
    store = Conversations(members.db, keep_days=30)
    old = await store.remember(("old",), 3)
    kept = await store.remember(("kept",), 3)
    await store.started_thread(7, old)
    stamp = (datetime.now(UTC) - timedelta(days=31)).isoformat(timespec="seconds")
    await members.db.execute("UPDATE answers SET created_at = ? WHERE id = ?", (stamp, old.id))
    assert await store.expire() == 1
    assert await store.get(old.id) is None and await store.get(kept.id) == kept
    assert not await store.is_bots_thread(7)


async def test_gaps_group_by_words_and_skip_answered_questions(members: Members) -> None:
    gaps = Gaps(members.db, keep_days=30)
    await gaps.record({"moon": "moons", "jupit": "Jupiter"}, "How many moons does Jupiter have?", "nothing")
    await gaps.record({"jupit": "Jupiter", "moon": "moons"}, "Jupiter moons?", "not helpful")
    await gaps.record({"karabakh": "Karabakh"}, "Karabakh?", "answered")
    await gaps.record({}, "what happened?", "nothing")  # no subject: nothing to group
    top = await gaps.top()
    assert [(gap.words, gap.count, gap.example) for gap in top] == [("Jupiter, moons", 2, "Jupiter moons?")]
    stamp = (datetime.now(UTC) - timedelta(days=31)).isoformat(timespec="seconds")
    await members.db.execute("UPDATE asked SET asked_at = ?", (stamp,))
    assert await gaps.expire() == 3
    assert await gaps.top() == []


async def test_channel_settings_start_from_the_config_and_keep_moderators_changes(members: Members) -> None:
    options = BotOptions(qa_channel_ids=[1], channels={2: ChannelOptions(answer_in="thread")})
    settings = ChannelSettings(members.db, options)
    assert not (await settings.get(1)).require_mention  # a Q&A channel answers every message
    assert (await settings.get(2)).answer_in == "thread"
    assert await settings.get(3) == ChannelOptions()  # named nowhere: mentions, inline
    changed = await settings.change(2, enabled=False)
    assert changed == ChannelOptions(enabled=False, answer_in="thread")  # the rest as configured
    again = await settings.change(2, require_mention=False)
    assert again == ChannelOptions(enabled=False, answer_in="thread", require_mention=False)


def test_the_content_intent_is_asked_for_only_when_the_config_needs_it() -> None:
    assert not needs_message_content(BotOptions())
    assert not needs_message_content(BotOptions(channels={1: ChannelOptions(enabled=False)}))
    assert needs_message_content(BotOptions(channels={1: ChannelOptions(answer_in="thread")}))
    assert needs_message_content(BotOptions(forum_channel_ids=[5]))
    assert needs_message_content(BotOptions(qa_channel_ids=[5]))
