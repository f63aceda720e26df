"""Asking: `/ask`, "Ask the archive" on a message, mentions, replies, Q&A channels, threads and forum posts.

Every path ends in the same reply: quoted, dated excerpts with buttons to page
through more results or vote. A reply to an answer, or a message in a thread
the bot started, is a follow-up: searched with its own words first and the
earlier questions' words as context. The buttons are dispatched by their custom
ids (`discord.ui.DynamicItem`), so they work after a restart and no per-answer
view is kept in memory.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from datetime import date
from typing import Any, NamedTuple, cast

import discord
from discord import app_commands
from discord.ext import commands

from newsbot.bot.client import NewsBot
from newsbot.bot.conversations import Asked
from newsbot.bot.gaps import Outcome
from newsbot.bot.render import (
    NO_MENTIONS,
    answer_content,
    answer_embeds,
    clip,
    latest_embed,
    nothing_found,
    question_line,
)
from newsbot.bot.transformers import Day
from newsbot.retrieval import Answer

log = logging.getLogger(__name__)

# Discord allows 3 s for the first reply to an interaction; past this we defer.
DEFER_AFTER_SECONDS = 2.0
_MENTION = re.compile(r"<@!?\d+>")
GONE = "newsbot no longer keeps this question (it is older than the configured days); ask again with `/ask`."
NOT_ASKER = "Only the member who asked can page through these results; ask your own with `/ask`."
THREAD_NAME_LIMIT = 100


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


async def page_of(bot: NewsBot, asked: Asked, page: int) -> tuple[Answer, bool]:
    """Answers up to the end of `page`, and whether a further page exists."""
    wanted = (page + 1) * asked.per_page
    answer = await bot.archive.ask(asked.question, wanted + 1, asked.after, asked.before, context=asked.context)
    has_more = len(answer.hits) > wanted
    answer.hits = answer.hits[:wanted]
    return answer, has_more


class MoreButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"nb:more:(?P<answer>[0-9a-f]{16}):(?P<asker>[0-9]{1,20}):(?P<page>[0-9]{1,3})",
):
    """The next page of an answer, for the member who asked."""

    def __init__(self, answer_id: str, asker_id: int, page: int, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="More results",
                style=discord.ButtonStyle.primary,
                custom_id=f"nb:more:{answer_id}:{asker_id}:{page}",
                disabled=disabled,
            )
        )
        self.answer_id, self.asker_id, self.page = answer_id, asker_id, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> MoreButton:
        return cls(match["answer"], int(match["asker"]), int(match["page"]))

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if interaction.user.id == self.asker_id:
            return True
        await interaction.response.send_message(NOT_ASKER, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return False

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = cast(NewsBot, interaction.client)
        asked = await bot.conversations.get(self.answer_id)
        if asked is None:
            await interaction.response.send_message(GONE, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        page = self.page + 1
        answer, has_more = await page_of(bot, asked, page)
        first = page * asked.per_page
        hits = answer.hits[first:]
        if not hits:
            view = answer_buttons(asked, self.asker_id, self.page, has_more=False)
            await interaction.response.edit_message(view=view, allowed_mentions=NO_MENTIONS)
            return
        await interaction.response.edit_message(
            content=question_line(asked.question, first + 1, first + len(hits)),
            embeds=answer_embeds(hits, first + 1),
            view=answer_buttons(asked, self.asker_id, page, has_more),
            allowed_mentions=NO_MENTIONS,
        )


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"nb:vote:(?P<answer>[0-9a-f]{16}):(?P<helpful>[01])",
):
    """ "Helpful" / "Not helpful": one vote per member per answer; "not helpful" also marks a gap."""

    def __init__(self, answer_id: str, helpful: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Not helpful",
                style=discord.ButtonStyle.success if helpful else discord.ButtonStyle.secondary,
                custom_id=f"nb:vote:{answer_id}:{int(helpful)}",
            )
        )
        self.answer_id, self.helpful = answer_id, helpful

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(match["answer"], match["helpful"] == "1")

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = cast(NewsBot, interaction.client)
        asked = await bot.conversations.get(self.answer_id)
        if asked is None:
            await interaction.response.send_message(GONE, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        changed = await bot.members.record_vote(self.answer_id, interaction.user.id, self.helpful, asked.question)
        if changed and not self.helpful:
            await bot.gaps.record(bot.archive.subject_words(asked.question), asked.question, "not helpful")
        text = "Thanks, your vote is recorded." if changed else "You already voted that way on this answer."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


def answer_buttons(asked: Asked, asker_id: int, page: int, has_more: bool) -> discord.ui.View:
    """An answer's buttons. The view is stopped before it is sent: discord.py then keeps nothing for it,
    and a press reaches the `DynamicItem` registered for its custom id, before or after a restart."""
    view = discord.ui.View(timeout=None)
    view.add_item(MoreButton(asked.id, asker_id, page, disabled=not has_more))
    view.add_item(VoteButton(asked.id, True))
    view.add_item(VoteButton(asked.id, False))
    view.stop()
    return view


class Reply(NamedTuple):
    """What to send for a question: text, embeds, buttons, whether everyone sees it, and its state."""

    content: str
    embeds: list[discord.Embed]
    view: discord.ui.View | None
    public: bool
    asked: Asked | None


def message_text(message: discord.Message) -> str:
    """A message's words: its text, else its embeds' titles and descriptions (another bot's post)."""
    text = _MENTION.sub(" ", message.content)
    if not text.strip():
        text = " ".join(part for embed in message.embeds for part in (embed.title, embed.description) if part)
    return " ".join(text.split())


class AskCog(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.cooldown = Cooldown(bot.settings.bot.cooldown_seconds)
        self.ask_menu = app_commands.ContextMenu(name="Ask the archive", callback=self.ask_about_message)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(MoreButton, VoteButton)
        self.bot.tree.add_command(self.ask_menu)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(MoreButton, VoteButton)
        self.bot.tree.remove_command(self.ask_menu.name, type=self.ask_menu.type)

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

    async def reply_for(
        self,
        questions: tuple[str, ...],
        asker_id: int,
        per_page: int | None = None,
        after: date | None = None,
        before: date | None = None,
    ) -> Reply:
        """The reply to the last of `questions`, the ones before it as context."""
        asked = await self.bot.conversations.remember(
            questions, per_page or self.bot.settings.bot.results_per_page, after, before
        )
        question = asked.question
        answer, has_more = await page_of(self.bot, asked, 0)
        await self.bot.archive.count_question()
        outcome: Outcome = "answered" if answer.found or answer.dated else "nothing"
        await self.bot.gaps.record(self.bot.archive.subject_words(question), question, outcome)
        if answer.dated:  # a question of only dates: that range's headlines
            content = f"Headlines and articles dated {answer.dates}:"
            embed = latest_embed(answer.dated, 0, 1, len(answer.dated))
            return Reply(content, [embed], None, public=True, asked=asked)
        if not answer.found:
            return Reply(nothing_found(answer), [], None, public=False, asked=asked)
        content = answer_content(answer, question_line(question, 1, len(answer.hits)))
        view = answer_buttons(asked, asker_id, 0, has_more)
        return Reply(content, answer_embeds(answer.hits), view, public=True, asked=asked)

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
        after: Day | None = None,
        before: Day | None = None,
    ) -> None:
        problem = self._problem(question, interaction.user.id)
        if problem is not None:
            await interaction.response.send_message(problem, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        await self._answer_interaction(interaction, (question,), results, after, before, private=False)

    async def ask_about_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """ "Ask the archive" on any message: what the archive holds about its text, privately."""
        text = clip(message_text(message), self.bot.settings.bot.max_question_chars)
        problem = self._problem(text, interaction.user.id)
        if problem is not None:
            await interaction.response.send_message(problem, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        await self._answer_interaction(interaction, (text,), None, None, None, private=True)

    async def _answer_interaction(
        self,
        interaction: discord.Interaction,
        questions: tuple[str, ...],
        per_page: int | None,
        after: date | None,
        before: date | None,
        private: bool,
    ) -> None:
        work = asyncio.ensure_future(self.reply_for(questions, interaction.user.id, per_page, after, before))
        done, _ = await asyncio.wait({work}, timeout=DEFER_AFTER_SECONDS)
        if not done:  # a slow archive: keep the interaction alive, then answer
            await interaction.response.defer(thinking=True, ephemeral=private)
        content, embeds, view, public, asked = await work
        ephemeral = private or not public
        view_or_missing = view or discord.utils.MISSING
        if interaction.response.is_done() and ephemeral and not private:
            # The public "thinking…" placeholder would become a public "nothing found":
            # remove it and tell the member privately, as a fast answer would have.
            await interaction.delete_original_response()
            await interaction.followup.send(content, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        if interaction.response.is_done():
            sent = await interaction.followup.send(
                content,
                embeds=embeds,
                view=view_or_missing,
                wait=True,
                ephemeral=ephemeral,
                allowed_mentions=NO_MENTIONS,
            )
            message_id: int | None = sent.id
        else:
            response = await interaction.response.send_message(
                content, embeds=embeds, view=view_or_missing, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
            )
            message_id = response.message_id
        if asked is not None and message_id is not None and not ephemeral:
            await self.bot.conversations.shown_in(asked, message_id)

    async def _send(self, message: discord.Message, reply: Reply, in_thread: bool) -> None:
        """Answer a message: as a reply, or in a new thread named after the question."""
        content, embeds, view, _, asked = reply
        options: dict[str, Any] = {"embeds": embeds, "allowed_mentions": NO_MENTIONS}
        if view is not None:
            options["view"] = view
        if in_thread and asked is not None:
            name = clip(asked.question, THREAD_NAME_LIMIT)
            thread = await message.create_thread(name=name)
            sent = await thread.send(content, **options)
            await self.bot.conversations.started_thread(thread.id, asked)
        else:
            sent = await message.reply(content, mention_author=False, **options)
            thread_id = message.channel.id if isinstance(message.channel, discord.Thread) else None
            if asked is not None and thread_id and await self.bot.conversations.is_bots_thread(thread_id):
                await self.bot.conversations.started_thread(thread_id, asked)  # the thread's latest answer
        if asked is not None:
            await self.bot.conversations.shown_in(asked, sent.id)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None or message.guild is None:
            return
        channel = message.channel
        if isinstance(channel, discord.Thread) and message.id == channel.id:
            return  # a forum post's first message: `on_thread_create` answers the post
        home = channel.parent_id if isinstance(channel, discord.Thread) and channel.parent_id else channel.id
        settings = await self.bot.channel_settings.get(home)
        if not settings.enabled:
            return
        mentioned = me in message.mentions
        text = message_text(message) if mentioned else " ".join(message.content.split())
        if not text and not mentioned:
            return  # no words to read: without the content intent, a message that does not ping us is empty
        earlier: Asked | None = None
        referenced = await self._referenced(message)
        if isinstance(channel, discord.Thread):
            earlier = await self.bot.conversations.in_thread(channel.id)
        if referenced is not None and referenced.author.id == me.id:
            earlier = await self.bot.conversations.by_message(referenced.id) or earlier
        if earlier is None and not mentioned and settings.require_mention:
            return
        questions: tuple[str, ...] = (text,)
        if earlier is not None:
            questions = earlier.then(text)
        elif mentioned and referenced is not None and referenced.author.id != me.id:
            # A mention in a reply to someone else's message asks about that message (with the mention's words).
            about = " ".join(f"{text} {message_text(referenced)}".split())
            questions = (clip(about, self.bot.settings.bot.max_question_chars),)
        problem = self._problem(questions[-1], message.author.id)
        if problem is not None:
            if mentioned or earlier is not None:  # in a Q&A channel, stay quiet rather than scold
                await message.reply(problem, mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        reply = await self.reply_for(questions, message.author.id)
        if not reply.public and not mentioned and earlier is None:
            return  # nothing found for a chat message that was not addressed to us
        new_thread = settings.answer_in == "thread" and not isinstance(channel, discord.Thread)
        await self._send(message, reply, in_thread=new_thread)

    async def _referenced(self, message: discord.Message) -> discord.Message | None:
        """The message this one replies to, if any and still there."""
        reference = message.reference
        if reference is None or reference.message_id is None:
            return None
        if isinstance(reference.resolved, discord.Message):
            return reference.resolved
        try:
            return await message.channel.fetch_message(reference.message_id)
        except discord.HTTPException:
            return None

    @commands.Cog.listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        """A new post in a configured forum channel: answered in its own thread (title and first message)."""
        me = self.bot.user
        if thread.parent_id not in self.bot.settings.bot.forum_channel_ids or me is None or thread.owner_id == me.id:
            return
        settings = await self.bot.channel_settings.get(thread.parent_id)
        if not settings.enabled:
            return
        starter = thread.starter_message
        if starter is None:
            try:
                starter = await thread.fetch_message(thread.id)
            except discord.HTTPException:
                starter = None
        body = message_text(starter) if starter is not None else ""
        question = clip(" ".join(f"{thread.name} {body}".split()), self.bot.settings.bot.max_question_chars)
        reply = await self.reply_for((question,), thread.owner_id or 0)
        content, embeds, view, _, asked = reply
        sent = await thread.send(
            content, embeds=embeds, view=view or discord.utils.MISSING, allowed_mentions=NO_MENTIONS
        )
        if asked is not None:
            await self.bot.conversations.started_thread(thread.id, asked)
            await self.bot.conversations.shown_in(asked, sent.id)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(AskCog(bot))
