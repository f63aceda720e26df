"""Where and how newsbot answers: per-channel settings from the config file, changed by `/settings`.

The config file gives each channel's starting behaviour (`[bot.channels.<id>]`,
and `qa_channel_ids` for channels that answer every message); a moderator's
`/settings` change is stored in SQLite and wins over the file until changed
again. A channel named nowhere answers mentions inline.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import aiosqlite

from newsbot.bot.settings import AnswerIn, BotOptions, ChannelOptions


class ChannelSettings:
    def __init__(self, db: aiosqlite.Connection, options: BotOptions) -> None:
        self.db = db
        self.options = options

    def configured(self, channel_id: int) -> ChannelOptions:
        """What the config file says for a channel."""
        if channel_id in self.options.channels:
            return self.options.channels[channel_id]
        return ChannelOptions(require_mention=channel_id not in self.options.qa_channel_ids)

    async def get(self, channel_id: int) -> ChannelOptions:
        """The config file's settings with the moderators' changes over them."""
        base = self.configured(channel_id)
        async with self.db.execute(
            "SELECT enabled, answer_in, require_mention FROM channel_settings WHERE channel_id = ?", (channel_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return base
        changes: dict[str, Any] = {}
        if row[0] is not None:
            changes["enabled"] = bool(row[0])
        if row[1] is not None:
            changes["answer_in"] = cast(AnswerIn, row[1])
        if row[2] is not None:
            changes["require_mention"] = bool(row[2])
        return base.model_copy(update=changes)

    async def change(
        self,
        channel_id: int,
        *,
        enabled: bool | None = None,
        answer_in: AnswerIn | None = None,
        require_mention: bool | None = None,
    ) -> ChannelOptions:
        """Store a moderator's change (None leaves a value as it is); returns the channel's settings now."""
        await self.db.execute(
            "INSERT INTO channel_settings (channel_id, enabled, answer_in, require_mention, changed_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel_id) DO UPDATE SET "
            "enabled = COALESCE(excluded.enabled, enabled), answer_in = COALESCE(excluded.answer_in, answer_in), "
            "require_mention = COALESCE(excluded.require_mention, require_mention), changed_at = excluded.changed_at",
            (
                channel_id,
                None if enabled is None else int(enabled),
                answer_in,
                None if require_mention is None else int(require_mention),
                datetime.now(UTC).isoformat(timespec="seconds"),
            ),
        )
        return await self.get(channel_id)


def needs_message_content(options: BotOptions) -> bool:
    """Whether the configuration reads messages that do not mention the bot: every message of a channel,
    follow-ups in the bot's threads, forum posts. Discord sends their text only with the content intent."""
    return bool(options.qa_channel_ids or options.forum_channel_ids) or any(
        not channel.require_mention or channel.answer_in == "thread" for channel in options.channels.values()
    )
