"""Announcing articles new to the archive in a channel: each once, across restarts too.

After every reindex this process runs (the seeds watcher, `/reindex`), and every
`POLL_SECONDS` for those run elsewhere (`newsbot reindex` in a shell), the
archive is asked for articles added since the generation last read. Changed or
re-dated articles are not new to it, so they are never announced. Each key is
recorded as announced *before* its message is sent: a crash between the two
loses one announcement rather than repeating it. The archive as it was when
announcements were first switched on is not announced.

Mentions stay off, except `bot.announce_role_id`: that one role, on that message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord

from newsbot.bot.render import EMBED_DESCRIPTION_LIMIT, NO_MENTIONS, lines_within, link, masked_link
from newsbot.bot.text import discord_markdown
from newsbot.retrieval import AddedArticle, human_date

if TYPE_CHECKING:
    from newsbot.bot.client import NewsBot

log = logging.getLogger(__name__)

POLL_SECONDS = 30.0
_LEAD_CHARS = 200
_STATE = "announced_generation"
_PAGE = 1000  # new articles read per check, at most


def announcement_lines(articles: Sequence[AddedArticle]) -> list[str]:
    """One entry per article: its title (linked when the url is sound), date and first sentence."""
    lines = []
    for article in articles:
        title = discord_markdown(article.title, limit=200)
        url = link(article.url)
        head = f"**{masked_link(title, url) if url else title}**"
        day = f" · {human_date(article.date)}" if article.date else ""
        lead = f"\n> {discord_markdown(article.lead, limit=_LEAD_CHARS)}" if article.lead else ""
        lines.append(f"{head}{day}{lead}")
    return lines


def announcement_embed(articles: Sequence[AddedArticle], limit: int) -> discord.Embed:
    """Up to `limit` articles, as many whole entries as fit, then "and N more"."""
    lines = lines_within(announcement_lines(articles[:limit]), EMBED_DESCRIPTION_LIMIT - 100)
    more = len(articles) - len(lines)
    if more:
        lines.append(f"… and {more} more in the archive: `/latest` lists them.")
    title = "New in the archive" if len(articles) > 1 else "New in the archive: 1 article"
    return discord.Embed(title=title, description="\n".join(lines))


class Announcer:
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.options = bot.settings.bot
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._started = False  # only the process that watches seeds/ announces (see NewsBot)

    @property
    def enabled(self) -> bool:
        return self.options.announce_channel_id is not None

    async def start(self) -> None:
        """Remember where the archive stands (the first time), then poll for other processes' reindexes."""
        if not self.enabled or self._started:
            return
        if await self._read_state() is None:
            await self._write_state(await self.bot.archive.generation())
        self._started = True
        self._task = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                await self.check()
            except (discord.HTTPException, OSError) as error:
                log.warning("could not announce new articles: %s", error)

    async def check(self) -> int:
        """Announce what the archive added since last time; returns how many articles were announced."""
        if not self._started:
            return 0
        async with self._lock:
            since = await self._read_state() or 0
            upto, added = await self.bot.archive.added_since(since, limit=_PAGE)
            db = self.bot.members.db
            now = datetime.now(UTC).isoformat(timespec="seconds")
            # Read and record in one write transaction: two processes checking at once (one
            # taking over the watch as the other stops) cannot both find an article fresh.
            await db.execute("BEGIN IMMEDIATE")
            try:
                keys = [article.key for article in added]
                marks = ",".join("?" * len(keys))
                async with db.execute(f"SELECT key FROM announced WHERE key IN ({marks})", keys) as cursor:
                    done = {row[0] for row in await cursor.fetchall()}
                fresh = [article for article in added if article.key not in done]
                await db.executemany(
                    "INSERT OR IGNORE INTO announced (key, announced_at) VALUES (?, ?)", [(a.key, now) for a in fresh]
                )
                # A full page means more may wait in the same generations: resume from here next time.
                await self._write_state(upto if len(added) < _PAGE else since)
                await db.execute("COMMIT")
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            if fresh:
                await self._post(fresh)
            return len(fresh)

    async def _post(self, articles: Sequence[AddedArticle]) -> None:
        channel_id = self.options.announce_channel_id
        assert channel_id is not None
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            channel = await self.bot.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("bot.announce_channel_id %s is not a channel newsbot can post in", channel_id)
            return
        role = self.options.announce_role_id
        content = f"<@&{role}>" if role is not None else None
        mentions = NO_MENTIONS
        if role is not None:
            mentions = discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(role)])
        embed = announcement_embed(articles, self.options.announce_limit)
        await channel.send(content, embed=embed, allowed_mentions=mentions)
        log.info("announced %d new articles", len(articles))

    async def _read_state(self) -> int | None:
        async with self.bot.members.db.execute("SELECT value FROM bot_state WHERE name = ?", (_STATE,)) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else None

    async def _write_state(self, generation: int) -> None:
        await self.bot.members.db.execute(
            "INSERT INTO bot_state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (_STATE, str(generation)),
        )
