"""What the bot tests share: seed articles that test Discord's edges, and starting a bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import discord

from newsbot.bot.client import AutoShardedNewsBot, NewsBot
from newsbot.bot.settings import Settings
from tests.localdiscord import LocalDiscord

HOSTILE = """---
title: Town hall **chaos** <@&1234> @here
date: 2026-01-12
url: https://example.org/town-hall
---
At the town hall, a heckler shouted @everyone and <@987654321> while *activists* waved
__banners__ and ||spoilers|| about the zoning vote.
"""

LONG_TITLE = "Zoning " + " ".join(f"word{i}" for i in range(120))


class LocalBot(NewsBot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s courtesy pause before re-identifying: this Discord is local."""


class LocalAutoShardedBot(LocalBot, AutoShardedNewsBot):
    """`bot.shard_count = "auto"`, as `newsbot_for` builds it, with the same local courtesy."""


async def start_bot(server: LocalDiscord, settings: Settings) -> tuple[LocalBot, asyncio.Task[None]]:
    kind = LocalAutoShardedBot if settings.bot.shard_count == "auto" else LocalBot
    bot = kind(settings, guild_ready_timeout=0.05)
    runner = asyncio.create_task(bot.start("local-test-token"))
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({runner, ready}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
    if runner in done:
        runner.result()
    assert ready in done, "the bot did not become ready"
    return bot, runner


@asynccontextmanager
async def handled(bot: NewsBot, check: Callable[[discord.Message], bool]) -> AsyncIterator[None]:
    """Wait, on leaving the block, until the bot has received a message passing `check` and handled it.

    A test that expects silence needs to know the bot made up its mind, not
    that some time passed: discord.py runs each `on_message` listener in a task
    of that name, so once the message arrived those tasks are awaited. A reply
    would have been sent by then.
    """
    arrived = asyncio.ensure_future(bot.wait_for("message", check=check, timeout=20))
    try:
        yield
        await arrived
    finally:
        arrived.cancel()
    await asyncio.gather(*(t for t in asyncio.all_tasks() if t.get_name() == "discord.py: on_message"))
