"""`newsbot run` as an operator starts it: a real process, a token from the environment."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.localdiscord import LocalDiscord


def environment(tmp_path: Path, bot_seeds: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    env.update(PYTHONPATH=str(ROOT), NEWSBOT_SEEDS_DIR=str(bot_seeds), NEWSBOT_DATA_DIR=str(tmp_path / "data"), **extra)
    return env


async def newsbot_run(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "newsbot.bot.cli", "run", cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_run_without_a_token_exits_with_one_clear_line(tmp_path: Path, bot_seeds: Path) -> None:
    process = await newsbot_run(environment(tmp_path, bot_seeds), tmp_path)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert stderr.decode().strip().splitlines() == [
        "newsbot: DISCORD_TOKEN is not set; put your bot's token in the environment or in an untracked .env file "
        "(README: Running in Discord)"
    ]


async def test_run_connects_to_a_local_api_with_a_fake_token_and_stops_on_sigterm(
    tmp_path: Path, bot_seeds: Path
) -> None:
    async with LocalDiscord() as server:
        (tmp_path / ".env").write_text("DISCORD_TOKEN=fake-token-from-dotenv\n")  # read from an untracked .env
        env = environment(tmp_path, bot_seeds, NEWSBOT_BOT__API_BASE_URL=server.api_base)
        process = await newsbot_run(env, tmp_path)
        try:
            await server.wait_until(lambda: server.identifies == 1, 60, what="IDENTIFY from newsbot run")
            await server.wait_until(lambda: bool(server.global_commands), 10, what="global command sync")
            ix = await server.slash("ask", {"question": "Oreshnik missile"})
            callback = await ix.response(timeout=10)
            assert callback.json["data"]["embeds"][0]["title"].startswith("1. The Use of the “Oreshnik” Missile")
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, stderr.decode()
        assert "fake-token-from-dotenv" not in stderr.decode()
        assert {c["name"] for c in server.global_commands} >= {"ask", "forget-me", "latest", "reindex", "stats"}


async def test_run_with_a_rejected_token_exits_non_zero(tmp_path: Path, bot_seeds: Path) -> None:
    async with LocalDiscord(token="the-right-token") as server:
        env = environment(tmp_path, bot_seeds, NEWSBOT_BOT__API_BASE_URL=server.api_base, DISCORD_TOKEN="wrong")
        process = await newsbot_run(env, tmp_path)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert "newsbot: Discord rejected the token in DISCORD_TOKEN" in stderr.decode()


# `newsbot run` with Discord unreachable, as on a machine with no network: the
# REST base points at a port nothing listens on, so the login's connection fails.
UNREACHABLE = r"""
import sys
import discord.http
from newsbot.bot.cli import main

discord.http.Route.BASE = "http://127.0.0.1:9/api/v10"
sys.exit(main(["run"]))
"""


async def test_run_without_a_network_exits_with_one_clear_line(tmp_path: Path, bot_seeds: Path) -> None:
    env = environment(tmp_path, bot_seeds, DISCORD_TOKEN="some-token")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", UNREACHABLE, cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    lines = [line for line in stderr.decode().splitlines() if " INFO " not in f" {line}"]  # log lines are timestamped
    assert process.returncode == 1
    assert len(lines) == 1 and lines[0].startswith("newsbot: cannot reach Discord"), lines
    assert "voice" not in stderr.decode() and "some-token" not in stderr.decode()
