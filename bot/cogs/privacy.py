"""`/forget-me`: a member erases what the bot stored about them.

What is stored (votes on answers, with the question) is listed in
`bot/members.py` and the README; this command removes all of it for the
member who runs it, in any server, privately.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from newsbot.bot.client import NewsBot
from newsbot.bot.render import NO_MENTIONS

log = logging.getLogger(__name__)


def forgotten_text(removed: int) -> str:
    if not removed:
        return "newsbot had nothing stored about you: no votes. It keeps nothing else about members."
    votes = "vote" if removed == 1 else "votes"
    return (
        f"Done: newsbot deleted {removed} {votes} you gave, with the questions they were on. "
        "It keeps nothing else about members."
    )


class PrivacyCog(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="forget-me", description="Delete everything newsbot stored about you (your votes).")
    async def forget_me(self, interaction: discord.Interaction) -> None:
        removed = await self.bot.members.forget(interaction.user.id)
        log.info("a member asked to be forgotten: %d records deleted", removed)
        await interaction.response.send_message(forgotten_text(removed), ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(PrivacyCog(bot))
