"""Conversations end to end through the local Discord API: follow-ups, replies, gaps, buttons after a restart."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from newsbot.bot.settings import Settings
from tests.bot.harness import LocalBot, handled, start_bot
from tests.bot.test_newsbot import MANAGE_GUILD, answered, buttons
from tests.conftest import SEED
from tests.localdiscord import LocalDiscord, RecordedRequest, matching
from tests.retrieval.test_followups import FIRST, TOURISM  # the same two stories, end to end

KARABAKH_TITLE = "Sustainable peace in Karabakh"


@pytest.fixture
def bot_seeds(tmp_path: Path) -> Path:
    """The seed and one other story about Turkey: a follow-up on Turkey needs its context to choose."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    (seeds / "tourism.md").write_text(TOURISM, encoding="utf-8")
    return seeds


async def bot_reply(server: LocalDiscord, mark: int) -> RecordedRequest:
    reply = await server.wait_for_request(matching("POST", f"/channels/{server.channel_id}/messages"), after=mark)
    assert reply.ok, reply.response
    return reply


def first_title(payload: dict[str, Any]) -> str:
    title: str = payload["embeds"][0]["title"]
    return title


async def test_a_reply_to_an_answer_follows_up_on_its_question(server: LocalDiscord, newsbot: LocalBot) -> None:
    mark = server.mark()
    await server.send_message(FIRST, mentions_bot=True)
    answer = (await bot_reply(server, mark)).response

    mark = server.mark()
    await server.send_message("And Turkey?", mentions_bot=True)  # the same words, asked on their own
    alone = (await bot_reply(server, mark)).json
    assert "tourism" in first_title(alone)

    mark = server.mark()
    await server.send_message("And Turkey?", mentions_bot=True, reference=answer["id"])
    followed = (await bot_reply(server, mark)).json
    assert KARABAKH_TITLE in first_title(followed)
    assert followed["content"].startswith(f"Following up on: *{FIRST}*")
    assert followed["allowed_mentions"] == {"parse": [], "replied_user": False}


async def test_a_chain_of_follow_ups_keeps_the_last_few_questions(server: LocalDiscord, newsbot: LocalBot) -> None:
    mark = server.mark()
    await server.send_message(FIRST, mentions_bot=True)
    previous = (await bot_reply(server, mark)).response
    for question in ("And Turkey?", "And Russia?", "And the EU?", "And France?"):
        mark = server.mark()
        await server.send_message(question, mentions_bot=True, reference=previous["id"])
        previous = (await bot_reply(server, mark)).response
    asked = await newsbot.conversations.by_message(int(previous["id"]))
    assert asked is not None
    assert asked.questions == ("And Russia?", "And the EU?", "And France?")


async def test_a_mention_in_a_reply_to_someone_else_asks_about_their_message(
    server: LocalDiscord, newsbot: LocalBot
) -> None:
    someone = server.next_id()
    theirs = await server.send_message("Who mediated the truce after the Second Karabakh War?", author=someone)
    mark = server.mark()
    await server.send_message("", mentions_bot=True, reference=theirs["id"])
    reply = (await bot_reply(server, mark)).json
    assert str(reply["message_reference"]["message_id"]) != theirs["id"]  # a reply to the member who asked
    assert KARABAKH_TITLE in first_title(reply)
    assert "Russia" in reply["embeds"][0]["description"]


async def test_gaps_lists_what_found_nothing_grouped_by_words(server: LocalDiscord, newsbot: LocalBot) -> None:
    for question in ("How many moons does Jupiter have?", "Jupiter moons: how many?", FIRST):
        await answered(await server.slash("ask", {"question": question}))
    ix = await server.slash("ask", {"question": "Which hotels were full in Antalya?"})
    vote = buttons(await answered(ix))["Not helpful"]
    await answered(await server.click(ix, vote, user_id=server.next_id()))

    refused = await answered(await server.slash("gaps"))
    assert refused["flags"] == 64 and "Only server managers" in refused["content"]
    gaps = await answered(await server.slash("gaps", permissions=MANAGE_GUILD))
    lines = gaps["embeds"][0]["description"].splitlines()
    # Grouped by words whatever their order, shown as the latest asker typed them.
    assert lines[0].startswith("**Jupiter, moons**: asked 2×")
    assert "Jupiter moons: how many?" in lines[0]
    assert any("Antalya" in line and "1×" in line for line in lines[1:])
    assert not any("Karabakh" in line for line in lines)  # answered: not a gap
    stored = await newsbot.members.db.execute_fetchall("SELECT * FROM asked")
    assert all(len(row) == 5 for row in stored)  # words, shown, question, outcome, when: no member id


async def test_buttons_work_after_the_bot_restarts(
    server: LocalDiscord, make_settings: Callable[..., Settings], newsbot: LocalBot
) -> None:
    asker = server.next_id()
    ix = await server.slash("ask", {"question": "Turkey", "results": 1}, user_id=asker)
    first = await answered(ix)
    more = buttons(first)["More results"]
    await newsbot.close()

    restarted, runner = await start_bot(server, make_settings(dev_guild_id=int(server.guild_id)))
    try:
        page = await server.click(ix, more, user_id=asker)
        callback = await page.response()
        assert callback.json["type"] == 7, callback.json
        assert callback.json["data"]["content"].startswith("Results 2–2"), callback.json
        vote = await answered(await server.click(ix, buttons(first)["Helpful"], user_id=server.next_id()))
        assert vote["content"] == "Thanks, your vote is recorded."
    finally:
        await restarted.close()
        await asyncio.wait_for(runner, 5)


async def test_answers_keep_no_view_in_memory(server: LocalDiscord, newsbot: LocalBot) -> None:
    for _ in range(5):
        await answered(await server.slash("ask", {"question": FIRST}))
    store = newsbot._connection._view_store  # what discord.py keeps per message: nothing for answers
    assert not store._views and not store._synced_message_views


async def started(server: LocalDiscord, settings: Settings) -> tuple[LocalBot, asyncio.Task[None]]:
    return await start_bot(server, settings)


async def stop(bot: LocalBot, runner: asyncio.Task[None]) -> None:
    await bot.close()
    await asyncio.wait_for(runner, 5)


async def test_an_answer_in_a_thread_and_a_follow_up_inside_it(
    server: LocalDiscord, make_settings: Callable[..., Settings]
) -> None:
    channel = int(server.channel_id)
    bot, runner = await started(
        server, make_settings(dev_guild_id=int(server.guild_id), channels={channel: {"answer_in": "thread"}})
    )
    try:
        mark = server.mark()
        asked = await server.send_message(FIRST, mentions_bot=True)
        opened = await server.wait_for_request(
            matching("POST", f"/channels/{server.channel_id}/messages/{asked['id']}/threads"), after=mark
        )
        assert opened.ok and opened.json["name"] == FIRST
        thread = opened.response["id"]
        answer = await server.wait_for_request(matching("POST", f"/channels/{thread}/messages"), after=mark)
        assert KARABAKH_TITLE in first_title(answer.json)

        mark = server.mark()
        await server.send_message("And Turkey?", channel_id=thread)  # no mention: the bot's own thread
        follow_up = await server.wait_for_request(matching("POST", f"/channels/{thread}/messages"), after=mark)
        assert follow_up.json["content"].startswith(f"Following up on: *{FIRST}*")
        assert KARABAKH_TITLE in first_title(follow_up.json)
        assert not server.requests_matching(matching("POST", f"/channels/{server.channel_id}/messages"), after=mark)
    finally:
        await stop(bot, runner)


async def test_a_forum_post_is_answered_in_its_own_thread(
    server: LocalDiscord, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(dev_guild_id=int(server.guild_id), forum_channel_ids=[int(server.forum_id)])
    bot, runner = await started(server, settings)
    try:
        mark = server.mark()
        # The post's starter message reaches `on_message` too; the barrier waits until it was handled.
        async with handled(bot, lambda message: message.id == message.channel.id):
            post = await server.create_forum_post("Karabakh peace", "Who mediated the truce after the Second War?")
        answer = await server.wait_for_request(matching("POST", f"/channels/{post['id']}/messages"), after=mark)
        assert KARABAKH_TITLE in first_title(answer.json)
        assert answer.json["allowed_mentions"]["parse"] == []
        assert await bot.conversations.in_thread(int(post["id"])) is not None  # later posts there follow up
        answers = server.requests_matching(matching("POST", f"/channels/{post['id']}/messages"), after=mark)
        assert len(answers) == 1  # the post's first message is the post, not a follow-up to its answer
    finally:
        await stop(bot, runner)


async def test_ask_the_archive_on_a_message_answers_privately(server: LocalDiscord, newsbot: LocalBot) -> None:
    theirs = await server.send_message("Who mediated the truce after the Second Karabakh War?", server.next_id())
    data = await answered(await server.message_command("Ask the archive", theirs["id"]))
    assert data["flags"] == 64
    assert KARABAKH_TITLE in first_title(data)
    assert "Russia" in data["embeds"][0]["description"]


async def test_settings_are_for_moderators_and_switch_a_channel_to_threads(
    server: LocalDiscord, newsbot: LocalBot
) -> None:
    refused = await answered(await server.slash("settings", {"answer_in": "thread"}))
    assert refused["flags"] == 64 and "Only server managers" in refused["content"]
    saved = await answered(await server.slash("settings", {"answer_in": "thread"}, permissions=MANAGE_GUILD))
    fields = {field["name"]: field["value"] for field in saved["embeds"][0]["fields"]}
    assert fields == {"Answers": "on", "Where": "in a new thread", "Which messages": "mentions and replies"}

    mark = server.mark()
    asked = await server.send_message(FIRST, mentions_bot=True)
    opened = await server.wait_for_request(
        matching("POST", f"/channels/{server.channel_id}/messages/{asked['id']}/threads"), after=mark
    )
    assert opened.ok
    await server.wait_for_request(matching("POST", f"/channels/{opened.response['id']}/messages"), after=mark)
    off = await answered(await server.slash("settings", {"enabled": False}, permissions=MANAGE_GUILD))
    assert off["embeds"][0]["fields"][0]["value"] == "off"
    mark = server.mark()
    async with handled(newsbot, lambda message: FIRST in message.content):
        await server.send_message(FIRST, mentions_bot=True)
    assert not server.requests_matching(matching("POST", "/messages"), after=mark)  # switched off: silent
