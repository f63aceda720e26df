"""The bot: opens the archive once, loads one cog per feature, syncs slash commands."""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands
from discord.ext import commands

from newsbot.bot.announce import Announcer
from newsbot.bot.channels import ChannelSettings, needs_message_content
from newsbot.bot.conversations import Conversations
from newsbot.bot.gaps import Gaps
from newsbot.bot.members import Members
from newsbot.bot.render import NO_MENTIONS
from newsbot.bot.settings import Settings
from newsbot.bot.transformers import MemberMistake
from newsbot.retrieval import DATABASE_NAME, Archive, ReindexReport, WatcherLock, watch_seeds

log = logging.getLogger(__name__)

# How often a process that does not watch seeds/ checks whether the one that did has stopped.
TAKEOVER_SECONDS = 30.0
EXTENSIONS = (
    "newsbot.bot.cogs.ask",
    "newsbot.bot.cogs.headlines",
    "newsbot.bot.cogs.admin",
    "newsbot.bot.cogs.privacy",
)


def intents_for(settings: Settings) -> discord.Intents:
    """Default intents; message content only when the configuration reads messages without a mention."""
    intents = discord.Intents.default()
    intents.message_content = needs_message_content(settings.bot)
    return intents


class LoopWatch:
    """Measures how late the event loop runs a 100 ms timer: the delay a heartbeat would see.

    discord.py sends heartbeats through this loop, so this is the figure that
    must stay small while questions and reindexes run.
    """

    interval = 0.1

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            planned = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            late = loop.time() - planned
            if late > self.worst:
                self.worst = late
                if late > 0.25:
                    log.warning("the event loop ran %.0f ms late", late * 1000)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


class NewsBot(commands.Bot):
    """Holds what every cog shares: settings, the archive, and when it started."""

    def __init__(self, settings: Settings, **options: object) -> None:
        if isinstance(settings.bot.shard_count, int):
            # One shard of several, each its own `newsbot run` process on the same data directory.
            options = {"shard_id": settings.bot.shard_id, "shard_count": settings.bot.shard_count, **options}
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents_for(settings),
            allowed_mentions=NO_MENTIONS,
            help_command=None,
            **options,  # type: ignore[arg-type]
        )
        self.settings = settings
        self._archive: Archive | None = None
        self._members: Members | None = None
        self.loop_watch = LoopWatch()
        self.conversations: Conversations
        self.gaps: Gaps
        self.channel_settings: ChannelSettings
        self.announcer = Announcer(self)
        self._watcher: asyncio.Task[None] | None = None
        self._stop_watching = asyncio.Event()
        self._watcher_lock = WatcherLock(settings.data_dir)
        self._takeover: asyncio.Task[None] | None = None

    @property
    def archive(self) -> Archive:
        if self._archive is None:
            raise RuntimeError("the archive is opened in setup_hook, before any event")
        return self._archive

    @property
    def members(self) -> Members:
        """What the bot keeps apart from the archive: votes, question chains, gaps, channel settings."""
        if self._members is None:
            raise RuntimeError("the members' store is opened in setup_hook, before any event")
        return self._members

    async def setup_hook(self) -> None:
        self.loop_watch.start()
        data_dir = self.settings.data_dir
        # Opened first: it moves votes an earlier version kept in the archive's database.
        self._members = await Members.open(data_dir, self.settings.bot.keep_votes_days, data_dir / DATABASE_NAME)
        keep = self.settings.bot.keep_questions_days
        self.conversations = Conversations(self._members.db, keep)
        self.gaps = Gaps(self._members.db, keep)
        self.channel_settings = ChannelSettings(self._members.db, self.settings.bot)
        await self.conversations.expire()
        await self.gaps.expire()
        self._archive = await Archive.open(self.settings.archive_options())
        report = await self._archive.ensure_built()
        if report is not None:
            log.info(
                "first start: indexed %d articles of %s in %.2f s",
                report.added,
                self.settings.seeds_dir,
                report.seconds,
            )
        self.tree.error(self.on_app_command_error)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands()
        if not await self._take_the_watch():
            log.info("another newsbot process on this data directory watches seeds/ and announces; this one answers")
            self._takeover = asyncio.create_task(self._wait_for_the_watch())

    async def _take_the_watch(self) -> bool:
        """Watch seeds/ and announce, if no other process on this data directory does; True if this one does."""
        if not self._watcher_lock.try_acquire():
            return False
        await self.announcer.start()
        if self.settings.bot.watch_seeds and self._archive is not None:
            settle = self.settings.bot.watch_settle_seconds
            watching = watch_seeds(self._archive, self.after_reindex, settle=settle, stop=self._stop_watching)
            self._watcher = asyncio.create_task(watching)
            log.info("watching %s for new and changed articles", self.settings.seeds_dir)
        return True

    async def _wait_for_the_watch(self) -> None:
        """Take over the watch when the process holding it stops."""
        while True:
            await asyncio.sleep(TAKEOVER_SECONDS)  # polling a lock another process holds: no event to wait on
            if await self._take_the_watch():
                log.info("took over watching seeds/ from a process that stopped")
                return

    async def after_reindex(self, report: ReindexReport) -> None:
        """Every reindex this process runs ends here: logged, and its new articles announced."""
        if report.added or report.changed or report.removed:
            log.info(
                "reindexed: %d added, %d changed, %d removed in %.2f s",
                report.added,
                report.changed,
                report.removed,
                report.seconds,
            )
        if report.settling:
            log.info("%d files still being written: read once they are left alone", len(report.settling))
        if report.added:
            try:
                await self.announcer.check()
            except discord.HTTPException as error:
                log.warning("could not announce new articles: %s", error)

    async def sync_commands(self) -> None:
        """Globally, or to one development guild (instant) when configured."""
        guild_id = self.settings.bot.dev_guild_id
        if guild_id is not None:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("synced %d slash commands %s", len(synced), f"to guild {guild_id}" if guild_id else "globally")

    async def on_message(self, message: discord.Message, /) -> None:
        """Questions are handled by the ask cog's listener; there are no prefix commands."""

    async def close(self) -> None:
        self.loop_watch.stop()
        if self._takeover is not None:
            self._takeover.cancel()
        self._stop_watching.set()
        if self._watcher is not None:
            try:
                await asyncio.wait_for(self._watcher, 10)
            except (TimeoutError, asyncio.CancelledError):
                log.warning("the seeds watcher did not stop in time")
            self._watcher = None
        await self.announcer.stop()
        self._watcher_lock.release()
        await super().close()
        if self._archive is not None:
            await self._archive.close()
            self._archive = None
        if self._members is not None:
            await self._members.close()
            self._members = None

    def is_admin(self, interaction: discord.Interaction) -> bool:
        """Manage Server, or a configured admin user or role. Checked in code as well as by
        the commands' default permissions, which a server can override."""
        user = interaction.user
        if user.id in self.settings.bot.admin_user_ids:
            return True
        if interaction.guild is None or not isinstance(user, discord.Member):
            return False
        if interaction.permissions.manage_guild or interaction.permissions.administrator:
            return True
        return any(role.id in self.settings.bot.admin_role_ids for role in user.roles)

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """The one place command failures end: a member's mistake (a date, a missing right) gets its one
        message; anything unexpected is logged, with one calm line to the member."""
        if isinstance(error, MemberMistake):
            text = str(error)
        else:
            log.error("command %s failed", interaction.command and interaction.command.name, exc_info=error)
            text = "Something went wrong on my side; please try again in a moment."
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


class AutoShardedNewsBot(NewsBot, commands.AutoShardedBot):
    """`bot.shard_count = "auto"`: as many shards as Discord advises (`GET /gateway/bot`), all in this process.

    discord.py's `AutoShardedBot` asks for the count at login and runs one
    gateway connection per shard; everything newsbot adds lives in `NewsBot`.
    """


def newsbot_for(settings: Settings, **options: object) -> NewsBot:
    """The bot `settings` describe: one shard (or one of several processes' shards), or every shard advised."""
    kind = AutoShardedNewsBot if settings.bot.shard_count == "auto" else NewsBot
    return kind(settings, **options)
