"""Slash-command options read once, with one message each when a member's input cannot be read.

`DateTransformer` turns "2026-01-14" or "14 Jan 2026" into a date for every
command with a date option; what it cannot read becomes `UnreadableDate`,
which the tree's error handler shows to the member as it is.
"""

from __future__ import annotations

from datetime import date

import discord
from discord import app_commands

from newsbot.retrieval import parse_date


class MemberMistake(app_commands.AppCommandError):
    """A command error whose message is written for the member who ran the command."""


class UnreadableDate(MemberMistake):
    pass


class NotAllowed(MemberMistake, app_commands.CheckFailure):
    pass


class DateTransformer(app_commands.Transformer):
    async def transform(self, interaction: discord.Interaction, value: str) -> date:
        day = parse_date(value)
        if day is None:
            raise UnreadableDate(f"I can't read the date {value[:40]!r}; try 2026-01-14 or 14 Jan 2026.")
        return day


Day = app_commands.Transform[date, DateTransformer]
