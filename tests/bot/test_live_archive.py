"""A live archive end to end: files dropped into seeds/ while the bot serves are answered and announced once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from newsbot.bot.settings import Settings
from tests.bot.harness import LocalBot, start_bot
from tests.bot.test_newsbot import answered
from tests.localdiscord import LocalDiscord, RecordedRequest, matching

STORY = """---
title: Sorghum harvest breaks records
date: 2026-01-15
url: https://example.org/sorghum
---
Farmers in the valley brought in a record sorghum harvest this season. Prices fell.
"""


def announcements(server: LocalDiscord, after: int = 0) -> list[RecordedRequest]:
    posts = server.requests_matching(matching("POST", f"/channels/{server.channel_id}/messages"), after=after)
    return [p for p in posts if p.json.get("embeds") and p.json["embeds"][0]["title"].startswith("New in the archive")]


async def wait_for_announcement(server: LocalDiscord, after: int) -> RecordedRequest:
    await server.wait_until(lambda: bool(announcements(server, after)), 20, what="an announcement")
    return announcements(server, after)[0]


async def stop(bot: LocalBot, runner: asyncio.Task[None]) -> None:
    await bot.close()
    await asyncio.wait_for(runner, 15)


def live(make_settings: Callable[..., Settings], server: LocalDiscord, **extra: object) -> Settings:
    return make_settings(
        dev_guild_id=int(server.guild_id),
        watch_seeds=True,
        watch_settle_seconds=0.3,
        announce_channel_id=int(server.channel_id),
        **extra,
    )


async def test_a_dropped_file_is_answered_and_announced_once_also_after_a_restart(
    server: LocalDiscord, make_settings: Callable[..., Settings], bot_seeds: Path
) -> None:
    bot, runner = await start_bot(server, live(make_settings, server))
    try:
        mark = server.mark()
        (bot_seeds / "sorghum.md").write_text(STORY, encoding="utf-8")
        announced = (await wait_for_announcement(server, mark)).json
        description = announced["embeds"][0]["description"]
        assert "[Sorghum harvest breaks records](https://example.org/sorghum)" in description
        assert "15 January 2026" in description and "> Farmers in the valley" in description
        assert announced["allowed_mentions"] == {"parse": []}
        reply = await answered(await server.slash("ask", {"question": "How big was the sorghum harvest?"}))
        assert reply["embeds"][0]["title"].startswith("1. Sorghum harvest")
    finally:
        await stop(bot, runner)

    restarted, runner = await start_bot(server, live(make_settings, server))
    try:
        mark = server.mark()
        changed = STORY.replace("Prices fell.", "Millet prices rose.").replace("01-15", "01-16")
        (bot_seeds / "sorghum.md").write_text(changed, encoding="utf-8")  # changed and re-dated: not new
        for _ in range(100):
            if (await restarted.archive.ask("millet prices")).found:
                break
            await asyncio.sleep(0.1)
        assert (await restarted.archive.ask("millet prices")).found
        await restarted.announcer.check()  # what a poll would do
        assert announcements(server, mark) == []
    finally:
        await stop(restarted, runner)


async def test_an_export_being_written_is_read_once_whole(
    server: LocalDiscord, make_settings: Callable[..., Settings], bot_seeds: Path
) -> None:
    bot, runner = await start_bot(server, live(make_settings, server, announce_limit=3))
    try:
        mark = server.mark()
        export = bot_seeds / "export.jsonl"
        with export.open("w", encoding="utf-8") as handle:
            for number in range(6):  # a scraper writing slowly: never quiet for the settle time
                record = {"title": f"Harbour report {number}", "date": "2026-01-20", "text": f"Ships docked: {number}."}
                handle.write(json.dumps(record) + "\n")
                handle.flush()
                await asyncio.sleep(0.1)
        announced = (await wait_for_announcement(server, mark)).json
        description = announced["embeds"][0]["description"]
        assert description.count("**Harbour report") == 3  # the limit, then the rest counted
        assert description.endswith("… and 3 more in the archive: `/latest` lists them.")
        await asyncio.sleep(1.0)
        assert len(announcements(server, mark)) == 1  # one round, over the whole file
    finally:
        await stop(bot, runner)


async def test_an_announcement_may_ping_only_its_configured_role(
    server: LocalDiscord, make_settings: Callable[..., Settings], bot_seeds: Path
) -> None:
    bot, runner = await start_bot(server, live(make_settings, server, announce_role_id=int(server.role_id)))
    try:
        mark = server.mark()
        (bot_seeds / "sorghum.md").write_text(STORY.replace("@", ""), encoding="utf-8")
        announced = (await wait_for_announcement(server, mark)).json
        assert announced["content"] == f"<@&{server.role_id}>"
        assert announced["allowed_mentions"] == {"parse": [], "roles": [int(server.role_id)]}
    finally:
        await stop(bot, runner)
