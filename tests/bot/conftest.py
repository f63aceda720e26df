"""A started local Discord API and a real NewsBot connected to it, on a temporary archive."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from newsbot.bot.settings import Settings, load_settings
from tests.bot.harness import HOSTILE, LONG_TITLE, LocalBot, start_bot
from tests.conftest import SEED
from tests.localdiscord import LocalDiscord


@pytest.fixture
def bot_seeds(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    (seeds / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    body = " ".join(f"The zoning board met again on day {i} and the zoning vote was delayed." for i in range(40))
    (seeds / "long.md").write_text(f"---\ntitle: {LONG_TITLE}\ndate: 2026-01-13\n---\n{body}\n", encoding="utf-8")
    return seeds


@pytest.fixture
def make_settings(tmp_path: Path, bot_seeds: Path) -> Callable[..., Settings]:
    def build(**bot: Any) -> Settings:
        # The watcher is off unless a test is about it: tests change seeds/ and expect /reindex to see it.
        options = {"cooldown_seconds": 0.0, "watch_seeds": False, **bot}
        return load_settings(None, seeds_dir=bot_seeds, data_dir=tmp_path / "data", bot=options)

    return build


@pytest.fixture
async def server() -> AsyncIterator[LocalDiscord]:
    async with LocalDiscord() as local:
        with local.patch_discord():
            yield local
        assert local.internal_errors == []
        assert [r.route for r in local.unhandled] == []


@pytest.fixture
async def newsbot(server: LocalDiscord, make_settings: Callable[..., Settings]) -> AsyncIterator[LocalBot]:
    bot, runner = await start_bot(server, make_settings(dev_guild_id=int(server.guild_id)))
    yield bot
    await bot.close()
    await asyncio.wait_for(runner, 5)
