"""Moderators' commands: `/reindex` and `/stats`.

Both default to members with Manage Server, and are checked again in code
(`NewsBot.is_admin`), because a server can override a command's permissions.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import NewsBot
from bot.render import NO_MENTIONS, fields_embed
from retrieval import ArchiveError, ReindexBusy, ReindexReport

log = logging.getLogger(__name__)

NOT_ADMIN = "Only server managers (and admins named in newsbot's config) can use this command."
BUSY = "A reindex is already running; questions are answered from the current index until it finishes."


def report_embed(report: ReindexReport) -> discord.Embed:
    """The reindex summary a moderator reads: counts, time, and every skipped file with its reason."""
    rows = [
        ("Added", str(report.added)),
        ("Changed", str(report.changed)),
        ("Removed", str(report.removed)),
        ("Unchanged files", str(report.unchanged)),
        ("Skipped files", str(len(report.skipped))),
        ("Passages", f"+{report.passages_added} / −{report.passages_removed}"),
        ("Time", f"{report.seconds:.2f} s"),
        ("Generation", str(report.generation)),
    ]
    problems = [f"`{item.rel}`: {item.reason}" for item in report.skipped + report.warnings]
    description = "\n".join(problems[:30]) + (f"\n… and {len(problems) - 30} more" if len(problems) > 30 else "")
    if report.rebuilt_index:
        description = "The index was out of step with the store and was rebuilt first.\n" + description
    return fields_embed("Reindex finished", rows, description or None)


def _age(stamp: object) -> str:
    if not isinstance(stamp, str):
        return "never"
    seconds = (datetime.now(UTC) - datetime.fromisoformat(stamp)).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit} ago"
    return f"{max(seconds, 0):.0f} s ago"


class AdminCog(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def _refuse(self, interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="reindex", description="Re-read the seeds directory and update the search index.")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        if not self.bot.is_admin(interaction):
            await self._refuse(interaction, NOT_ADMIN)
            return
        archive = self.bot.archive
        if archive.reindexing:
            await self._refuse(interaction, BUSY)
            return
        # Deferred before any work: a large reindex takes far longer than the 3 s Discord allows.
        await interaction.response.defer(thinking=True, ephemeral=True)
        try:
            report = await archive.reindex()
        except ReindexBusy:
            await interaction.followup.send(BUSY, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        except ArchiveError as error:
            await interaction.followup.send(str(error), ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        log.info("reindex by %s: %s", interaction.user.id, report)
        await interaction.followup.send(embed=report_embed(report), ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="stats", description="Size and health of the news archive.")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def stats(self, interaction: discord.Interaction) -> None:
        if not self.bot.is_admin(interaction):
            await self._refuse(interaction, NOT_ADMIN)
            return
        stats = await self.bot.archive.stats()
        rows = [
            ("Documents", str(stats["documents"])),
            ("Passages", str(stats["passages"])),
            ("Headlines", str(stats["headlines"])),
            ("Newest date", str(stats["newest_date"] or "-")),
            ("Index age", _age(stats["indexed_at"])),
            ("Questions answered", str(stats["questions_answered"])),
            ("Helpful", str(stats["helpful"])),
            ("Not helpful", str(stats["not_helpful"])),
            ("Engine", f"{stats['engine']} (generation {stats['index_generation']})"),
            ("Event loop lag (max)", f"{self.bot.loop_watch.worst * 1000:.0f} ms"),
        ]
        await interaction.response.send_message(
            embed=fields_embed("newsbot archive", rows), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(AdminCog(bot))
