"""Two `newsbot run` processes, one shard each, on one data directory: one watches seeds/, both answer."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tests.bot.test_runner import environment, newsbot_run
from tests.localdiscord import LocalDiscord
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
