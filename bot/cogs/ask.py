"""Asking: `/ask`, a message that mentions the bot, and configured Q&A channels.

Every path ends in the same reply: embeds of quoted, dated excerpts and buttons
to page through more results or vote on the answer.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import NewsBot
from bot.render import NO_MENTIONS, answer_content, answer_embeds, latest_embed, nothing_found, question_line
from retrieval import Answer, parse_date

log = logging.getLogger(__name__)

# Discord allows 3 s for the first reply to an interaction; past this we defer.
DEFER_AFTER_SECONDS = 2.0
_MENTION = re.compile(r"<@!?\d+>")


class Cooldown:
    """One question per member per `seconds`; `retry_after` records the attempt when allowed."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: dict[int, float] = {}

    def retry_after(self, user_id: int) -> float:
        now = time.monotonic()
        wait = self._last.get(user_id, -1e9) + self.seconds - now
        if wait > 0:
            return wait
        self._last[user_id] = now
        if len(self._last) > 10_000:  # forget members who asked long ago
            horizon = now - self.seconds
            self._last = {uid: t for uid, t in self._last.items() if t > horizon}
        return 0.0


@dataclass(frozen=True)
class Question:
    """What was asked, and how; kept by the view to fetch further pages."""

    text: str
    asker_id: int
    per_page: int
    after: date | None = None
    before: date | None = None


class AnswerView(discord.ui.View):
    """ "More results" for the asker; "Helpful" / "Not helpful" for everyone, one vote each."""

    def __init__(self, cog: AskCog, question: Question, page: int, has_more: bool) -> None:
        super().__init__(timeout=cog.bot.settings.bot.button_timeout_seconds)
        self.cog = cog
        self.question = question
        self.page = page
        self.answer_id = uuid.uuid4().hex
        self.message: discord.Message | discord.InteractionMessage | None = None
        self.more.disabled = not has_more

    @discord.ui.button(label="More results", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        if interaction.user.id != self.question.asker_id:
            await interaction.response.send_message(
                "Only the member who asked can page through these results; ask your own with `/ask`.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        page = self.page + 1
        answer, has_more = await self.cog.page_of(self.question, page)
        first = page * self.question.per_page
        hits = answer.hits[first:]
        if not hits:
            button.disabled = True
            await interaction.response.edit_message(view=self, allowed_mentions=NO_MENTIONS)
            return
        self.page = page
        button.disabled = not has_more
        await interaction.response.edit_message(
            content=question_line(self.question.text, first + 1, first + len(hits)),
            embeds=answer_embeds(hits, first + 1),
            view=self,
            allowed_mentions=NO_MENTIONS,
        )

    @discord.ui.button(label="Helpful", style=discord.ButtonStyle.success)
    async def helpful(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        await self._vote(interaction, True)

    @discord.ui.button(label="Not helpful", style=discord.ButtonStyle.secondary)
    async def not_helpful(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        await self._vote(interaction, False)

    async def _vote(self, interaction: discord.Interaction, helpful: bool) -> None:
        changed = await self.cog.bot.members.record_vote(
            self.answer_id, interaction.user.id, helpful, self.question.text
        )
        text = "Thanks, your vote is recorded." if changed else "You already voted that way on this answer."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    async def on_timeout(self) -> None:
        """Grey the buttons out so members see they no longer respond."""
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self, allowed_mentions=NO_MENTIONS)
            except discord.HTTPException as error:  # deleted message, expired token: nothing to fix
                log.debug("could not disable buttons: %s", error)


class Reply(NamedTuple):
    """What to send for a question: text, embeds, buttons, and whether everyone sees it."""

    content: str
    embeds: list[discord.Embed]
    view: AnswerView | None
    public: bool


class AskCog(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.cooldown = Cooldown(bot.settings.bot.cooldown_seconds)

    async def page_of(self, question: Question, page: int) -> tuple[Answer, bool]:
        """Answers up to the end of `page`, and whether a further page exists."""
        wanted = (page + 1) * question.per_page
        answer = await self.bot.archive.ask(question.text, wanted + 1, question.after, question.before)
        has_more = len(answer.hits) > wanted
        answer.hits = answer.hits[:wanted]
        return answer, has_more

    def _problem(self, text: str, user_id: int) -> str | None:
        """Why a question cannot be asked now, worded for the member; None when it can."""
        limit = self.bot.settings.bot.max_question_chars
        if not text.strip():
            return "Ask me something, e.g. `/ask question: What did the ICG say about Turkey?`"
        if len(text) > limit:
            return f"Questions can be up to {limit} characters; yours has {len(text)}. Please shorten it."
        wait = self.cooldown.retry_after(user_id)
        if wait > 0:
            return f"You're asking quickly; try again in {wait:.0f} s." if wait >= 1 else "One moment, please."
        return None

    async def _reply_parts(self, question: Question) -> Reply:
        answer, has_more = await self.page_of(question, 0)
        await self.bot.archive.count_question()
        if answer.dated:  # a question of only dates: that range's headlines
            content = f"Headlines and articles dated {answer.dates}:"
            return Reply(content, [latest_embed(answer.dated, 0, 1, len(answer.dated))], None, public=True)
        if not answer.found:
            return Reply(nothing_found(answer), [], None, public=False)
        view = AnswerView(self, question, 0, has_more)
        content = answer_content(answer, question_line(question.text, 1, len(answer.hits)))
        return Reply(content, answer_embeds(answer.hits), view, public=True)

    @app_commands.command(name="ask", description="Ask the news archive a question.")
    @app_commands.describe(
        question="What do you want to know?",
        results="How many answers per page (1–5)",
        after="Only sources dated on or after this day, e.g. 2026-01-10",
        before="Only sources dated on or before this day, e.g. 14 Jan 2026",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: str,
        results: app_commands.Range[int, 1, 5] | None = None,
        after: str | None = None,
        before: str | None = None,
    ) -> None:
        problem: str | None = None
        days: list[date | None] = []
        for label, raw in (("after", after), ("before", before)):
            day = parse_date(raw) if raw else None
            if raw and day is None and problem is None:
                problem = f"I can't read the `{label}` date {raw[:40]!r}; try 2026-01-14 or 14 Jan 2026."
            days.append(day)
        # Checked last: a mistyped date should not cost the member their cooldown.
        problem = problem or self._problem(question, interaction.user.id)
        if problem is not None:
            await interaction.response.send_message(problem, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        request = Question(
            question, interaction.user.id, results or self.bot.settings.bot.results_per_page, days[0], days[1]
        )
        work = asyncio.ensure_future(self._reply_parts(request))
        done, _ = await asyncio.wait({work}, timeout=DEFER_AFTER_SECONDS)
        if not done:  # a slow archive: keep the interaction alive, then answer
            await interaction.response.defer(thinking=True)
        content, embeds, view, public = await work
        ephemeral = not public
        if interaction.response.is_done() and ephemeral:
            # The public "thinking…" placeholder would become a public "nothing found":
            # remove it and tell the member privately, as a fast answer would have.
            await interaction.delete_original_response()
            await interaction.followup.send(content, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        if interaction.response.is_done():
            message = await interaction.followup.send(
                content, embeds=embeds, view=view or discord.utils.MISSING, wait=True, allowed_mentions=NO_MENTIONS
            )
            if view is not None:
                view.message = message
            return
        sent = await interaction.response.send_message(
            content,
            embeds=embeds,
            view=view or discord.utils.MISSING,
            ephemeral=ephemeral,
            allowed_mentions=NO_MENTIONS,
        )
        if view is not None and isinstance(sent.resource, discord.InteractionMessage):
            view.message = sent.resource

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return
        mentioned = me in message.mentions
        in_qa_channel = message.channel.id in self.bot.settings.bot.qa_channel_ids
        if not mentioned and not in_qa_channel:
            return
        text = _MENTION.sub(" ", message.content).strip() if mentioned else message.content.strip()
        problem = self._problem(text, message.author.id)
        if problem is not None:
            if mentioned:  # in a Q&A channel, stay quiet rather than scold
                await message.reply(problem, mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        request = Question(text, message.author.id, self.bot.settings.bot.results_per_page)
        content, embeds, view, public = await self._reply_parts(request)
        if not public and not mentioned:
            return  # nothing found for a chat message that was not addressed to us
        sent = await message.reply(
            content,
            embeds=embeds,
            view=view or discord.utils.MISSING,
            mention_author=False,
            allowed_mentions=NO_MENTIONS,
        )
        if view is not None:
            view.message = sent


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(AskCog(bot))
