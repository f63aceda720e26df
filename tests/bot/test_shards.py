"""Sharding: two `newsbot run` processes, one shard each, on one data directory (one watches seeds/, both
answer); or every shard Discord advises in one process."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from newsbot.bot.client import AutoShardedNewsBot, NewsBot, newsbot_for
from newsbot.bot.settings import ConfigError, Settings
from tests.bot.harness import start_bot
from tests.bot.test_runner import environment, newsbot_run
from tests.localdiscord import LocalDiscord, matching
from tests.retrieval.test_watch import STORY

GUILD_ON_SHARD_ONE = str(1001 << 22)  # (guild_id >> 22) % 2 == 1: Discord sends its events to shard 1


async def test_two_shards_share_a_data_directory_one_watches_and_the_other_answers_from_its_index(
    tmp_path: Path, bot_seeds: Path
) -> None:
    async with LocalDiscord(guild_id=GUILD_ON_SHARD_ONE) as server:
        assert server.guild_shard(2) == 1
        processes = []
        try:
            for shard in (0, 1):  # shard 0 first: it takes the watch; the guild is served by shard 1
                env = environment(
                    tmp_path,
                    bot_seeds,
                    DISCORD_TOKEN="local-token",
                    NEWSBOT_BOT__API_BASE_URL=server.api_base,
                    NEWSBOT_BOT__SHARD_COUNT="2",
                    NEWSBOT_BOT__SHARD_ID=str(shard),
                    NEWSBOT_BOT__WATCH_SETTLE_SECONDS="0.2",
                )
                processes.append(await newsbot_run(env, tmp_path))
                await server.wait_until(
                    lambda shard=shard: any(s[0] == shard for s in server.shards_identified), 60, what=f"shard {shard}"
                )
            await server.wait_connected(30)  # the guild's shard holds the live session
            ix = await server.slash("ask", {"question": "Oreshnik missile"})
            assert (await ix.response(timeout=20)).json["data"]["embeds"][0]["title"].startswith("1. The Use of")

            (bot_seeds / "sorghum.md").write_text(STORY, encoding="utf-8")  # shard 0's watcher reindexes
            for _ in range(100):
                ix = await server.slash("ask", {"question": "How big was the sorghum harvest?"})
                data = (await ix.response(timeout=20)).json["data"]
                if data.get("embeds"):
                    break
                await asyncio.sleep(0.2)
            assert data["embeds"][0]["title"].startswith("1. Sorghum harvest")  # shard 1 answers from the new index
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            outputs = [await asyncio.wait_for(process.communicate(), 30) for process in processes]
        logs = [stderr.decode() for _, stderr in outputs]
        assert all(process.returncode == 0 for process in processes), logs
        assert "watching " in logs[0] and "another newsbot process on this data directory watches" in logs[1]
        assert {(shard, count) for shard, count, _ in server.shards_identified} == {(0, 2), (1, 2)}


async def test_automatic_sharding_runs_every_advised_shard_in_one_process(
    make_settings: Callable[..., Settings],
) -> None:
    async with LocalDiscord(guild_id=GUILD_ON_SHARD_ONE) as server:
        server.recommended_shards = 2
        with server.patch_discord():
            bot, runner = await start_bot(server, make_settings(dev_guild_id=int(server.guild_id), shard_count="auto"))
            try:
                assert isinstance(bot, AutoShardedNewsBot) and bot.shard_count == 2
                assert sorted((shard, count) for shard, count, _ in server.shards_identified) == [(0, 2), (1, 2)]
                assert server.requests_matching(matching("GET", "/gateway/bot"))  # the count Discord advised
                ix = await server.slash("ask", {"question": "Oreshnik missile"})  # reaches shard 1
                assert (await ix.response(timeout=20)).json["data"]["embeds"][0]["title"].startswith("1. The Use of")
            finally:
                await bot.close()
                await asyncio.wait_for(runner, 5)
        assert server.internal_errors == []


async def test_newsbot_run_builds_the_bot_the_shard_settings_describe(make_settings: Callable[..., Settings]) -> None:
    assert type(newsbot_for(make_settings(shard_count="auto"))) is AutoShardedNewsBot
    one_of_two = newsbot_for(make_settings(shard_count=2, shard_id=1))
    assert type(one_of_two) is NewsBot and (one_of_two.shard_id, one_of_two.shard_count) == (1, 2)
    assert type(newsbot_for(make_settings())) is NewsBot


def test_automatic_sharding_takes_no_shard_id(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ConfigError, match="with shard_count 'auto' leave it out"):
        make_settings(shard_count="auto", shard_id=0)
    with pytest.raises(ConfigError, match="a number of shards from 1 to 1000, or 'auto'"):
        make_settings(shard_count="many")
