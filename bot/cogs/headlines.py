"""`/latest`: the newest headlines and articles with their dates, a page at a time."""

from __future__ import annotations

import contextlib
import math

import discord
from discord import app_commands
from discord.ext import commands

from newsbot.bot.client import NewsBot
from newsbot.bot.render import NO_MENTIONS, latest_embed
from newsbot.bot.text import discord_markdown
from newsbot.bot.transformers import Day
from newsbot.retrieval import LatestItem

PAGE_SIZE = 10


class LatestView(discord.ui.View):
    """Previous / Next through a list fetched once; only the member who asked can page."""

    def __init__(self, items: list[LatestItem], owner_id: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.items = items
        self.owner_id = owner_id
        self.page = 0
        self.pages = max(1, math.ceil(len(items) / PAGE_SIZE))
        self.message: discord.InteractionMessage | None = None
        self._update_buttons()

    def embed(self) -> discord.Embed:
        start = self.page * PAGE_SIZE
        return latest_embed(self.items[start : start + PAGE_SIZE], self.page, self.pages, len(self.items))

    def _update_buttons(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= self.pages - 1

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "Only the member who asked can turn these pages; try `/latest` yourself.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        return False

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        self.page = min(max(self.page + step, 0), self.pages - 1)
        self._update_buttons()
        await interaction.response.edit_message(embed=self.embed(), view=self, allowed_mentions=NO_MENTIONS)

    @discord.ui.button(label="◀ Newer", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[LatestView]) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Older ▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[LatestView]) -> None:
        await self._turn(interaction, 1)

    async def on_timeout(self) -> None:
        self.previous.disabled = self.next.disabled = True
        if self.message is not None:
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=self, allowed_mentions=NO_MENTIONS)


class HeadlinesCog(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="latest", description="The newest headlines and articles in the archive.")
    @app_commands.describe(
        count="How many items (1–100, default 10)",
        since="Only from this day on, e.g. 2026-01-10",
        topic="Only those about these words, e.g. Ukraine",
    )
    async def latest(
        self,
        interaction: discord.Interaction,
        count: app_commands.Range[int, 1, 100] = 10,
        since: Day | None = None,
        topic: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        items = await self.bot.archive.latest(count, since, topic=topic)
        if not items:
            about = f" about {discord_markdown(topic)}" if topic else ""
            await interaction.response.send_message(
                f"No dated headlines{about} in the archive" + (" since then." if since else "."),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        view = LatestView(items, interaction.user.id, self.bot.settings.bot.button_timeout_seconds)
        sent = await interaction.response.send_message(
            embed=view.embed(), view=view if view.pages > 1 else discord.utils.MISSING, allowed_mentions=NO_MENTIONS
        )
        if isinstance(sent.resource, discord.InteractionMessage):
            view.message = sent.resource


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(HeadlinesCog(bot))
