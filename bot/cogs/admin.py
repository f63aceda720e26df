"""Moderators' commands: `/reindex`, `/stats`, `/gaps` and `/settings`.

All default to members with Manage Server, and are checked again in one place
(`AdminCog.interaction_check`, with `NewsBot.is_admin`), because a server can
override a command's permissions.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import discord
from discord import app_commands
from discord.ext import commands

from newsbot.bot.client import NewsBot
from newsbot.bot.render import NO_MENTIONS, fields_embed, lines_within
from newsbot.bot.settings import AnswerIn
from newsbot.bot.text import discord_markdown
from newsbot.bot.transformers import NotAllowed
from newsbot.retrieval import ArchiveError, ReindexBusy, ReindexReport, RemovalsNeedConsent

log = logging.getLogger(__name__)

GAPS_SHOWN = 15
NOT_ADMIN = "Only server managers (and admins named in newsbot's config) can use this command."
BUSY = "A reindex is already running; questions are answered from the current index until it finishes."
NOT_YOURS = "Only the moderator who ran this /reindex can answer it."
CANCELLED = "Cancelled: nothing was changed."


def consent_text(error: RemovalsNeedConsent) -> str:
    """What a moderator reads before allowing a mass removal (the shell's wording names a flag instead)."""
    return (
        f"Stopped: {error.files} files are gone from the seeds folder, which would remove {error.removing} of the "
        f"archive's {error.total} articles ({error.removing / error.total:.0%}). Nothing was changed. If the "
        "folder is unmounted or was emptied by mistake, restore it and cancel; if the removal is intended, confirm."
    )


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
    # File names are escaped, not put in code spans: a backtick in a name would end the span.
    problems = report.problems() + report.warnings
    description = _whole_lines([f"{discord_markdown(item.rel)}: {discord_markdown(item.reason)}" for item in problems])
    if report.rebuilt_index:
        description = "The index was out of step with the store and was rebuilt first.\n" + description
    return fields_embed("Reindex finished", rows, description or None)


def _whole_lines(lines: list[str], budget: int = 3000) -> str:
    """As many whole lines as fit in `budget` characters, then how many were left out: no reason cut mid-sentence."""
    shown = lines_within(lines, budget - 80)  # room for the closing "… and N more" line
    left = len(lines) - len(shown)
    return "\n".join(shown) + (f"\n… and {left} more (`newsbot reindex` in a shell lists them all)" if left else "")


def _age(stamp: object) -> str:
    if not isinstance(stamp, str):
        return "never"
    seconds = (datetime.now(UTC) - datetime.fromisoformat(stamp)).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit} ago"
    return f"{max(seconds, 0):.0f} s ago"


class ConfirmRemovals(discord.ui.View):
    """Asks the moderator who ran `/reindex` to allow a reindex that would remove much of the archive."""

    def __init__(self, cog: AdminCog, moderator_id: int) -> None:
        super().__init__(timeout=600)
        self.cog = cog
        self.moderator_id = moderator_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.moderator_id and self.cog.bot.is_admin(interaction):
            return True
        await interaction.response.send_message(NOT_YOURS, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return False

    @discord.ui.button(label="Remove them and reindex", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmRemovals]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Reindexing, removals allowed…", view=None)
        await self.cog.run_reindex(interaction, allow_removals=True)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmRemovals]) -> None:
        self.stop()
        await interaction.response.edit_message(content=CANCELLED, view=None)


class AdminCog(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Every command here is for moderators; the tree's error handler tells anyone else why not."""
        if not self.bot.is_admin(interaction):
            raise NotAllowed(NOT_ADMIN)
        return True

    async def _refuse(self, interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="reindex", description="Re-read the seeds directory and update the search index.")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        if self.bot.archive.reindexing:
            await self._refuse(interaction, BUSY)
            return
        # Deferred before any work: a large reindex takes far longer than the 3 s Discord allows.
        await interaction.response.defer(thinking=True, ephemeral=True)
        await self.run_reindex(interaction, allow_removals=False)

    async def run_reindex(self, interaction: discord.Interaction, allow_removals: bool) -> None:
        """Reindex and report in a private follow-up; a mass removal asks for confirmation first."""
        send = interaction.followup.send
        try:
            report = await self.bot.archive.reindex(allow_removals=allow_removals)
        except ReindexBusy:
            await send(BUSY, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        except RemovalsNeedConsent as error:
            view = ConfirmRemovals(self, interaction.user.id)
            await send(consent_text(error), view=view, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        except ArchiveError as error:
            await send(str(error), ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        log.info("reindex by %s (removals allowed: %s): %s", interaction.user.id, allow_removals, report)
        await send(embed=report_embed(report), ephemeral=True, allowed_mentions=NO_MENTIONS)
        await self.bot.after_reindex(report)  # its new articles announced

    @app_commands.command(name="stats", description="Size and health of the news archive.")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def stats(self, interaction: discord.Interaction) -> None:
        stats = await self.bot.archive.stats()
        helpful, not_helpful = await self.bot.members.vote_counts()
        rows = [
            ("Documents", str(stats["documents"])),
            ("Passages", str(stats["passages"])),
            ("Headlines", str(stats["headlines"])),
            ("Newest date", str(stats["newest_date"] or "-")),
            ("Index age", _age(stats["indexed_at"])),
            ("Questions answered", str(stats["questions_answered"])),
            ("Helpful", str(helpful)),
            ("Not helpful", str(not_helpful)),
            ("Engine", f"{stats['engine']} (generation {stats['index_generation']})"),
            ("Event loop lag (max)", f"{self.bot.loop_watch.worst * 1000:.0f} ms"),
        ]
        await interaction.response.send_message(
            embed=fields_embed("newsbot archive", rows), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="gaps", description="What members ask that the archive cannot answer.")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def gaps(self, interaction: discord.Interaction) -> None:
        gaps = await self.bot.gaps.top(GAPS_SHOWN)
        keep = self.bot.settings.bot.keep_questions_days
        if not gaps:
            text = f"No unanswered or unhelpful questions in the last {keep} days."
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        lines = [
            f"**{discord_markdown(gap.words, limit=120)}**: asked {gap.count}× (last {gap.last_asked.isoformat()}), "
            f"e.g. “{discord_markdown(gap.example, limit=200)}”"
            for gap in gaps
        ]
        embed = discord.Embed(
            title="What the archive lacks",
            description="\n".join(lines_within(lines, 3800)),
        )
        embed.set_footer(text=f"Questions that found nothing or were voted not helpful, last {keep} days.")
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="settings", description="How newsbot answers in a channel.")
    @app_commands.describe(
        channel="The channel (default: this one)",
        enabled="Answer in this channel at all",
        answer_in="Reply inline, or in a new thread named after the question",
        require_mention="Answer only messages that mention newsbot (off: every message)",
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def settings(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | discord.ForumChannel | None = None,
        enabled: bool | None = None,
        answer_in: AnswerIn | None = None,
        require_mention: bool | None = None,
    ) -> None:
        channel_id = channel.id if channel is not None else interaction.channel_id
        if channel_id is None:
            raise NotAllowed("Name a channel.")
        store = self.bot.channel_settings
        if enabled is None and answer_in is None and require_mention is None:
            now = await store.get(channel_id)
            verb = "Settings"
        else:
            now = await store.change(channel_id, enabled=enabled, answer_in=answer_in, require_mention=require_mention)
            log.info("channel %s settings changed by %s: %s", channel_id, interaction.user.id, now)
            verb = "Saved"
        rows = [
            ("Answers", "on" if now.enabled else "off"),
            ("Where", "in a new thread" if now.answer_in == "thread" else "inline"),
            ("Which messages", "mentions and replies" if now.require_mention else "every message"),
        ]
        note = None
        if not now.require_mention and not self.bot.intents.message_content:
            note = (
                "Answering every message needs the message content intent: enable it for the bot in the "
                "Developer Portal and name this channel under `[bot.channels]` in the config, then restart."
            )
        await interaction.response.send_message(
            embed=fields_embed(f"{verb} for <#{channel_id}>", rows, note), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(AdminCog(bot))
