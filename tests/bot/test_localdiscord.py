"""The local Discord API drives the real discord.py client end to end.

A minimal bot (one slash command tree, a mention handler, a message-bound view and a
persistent view) is run against :class:`LocalDiscord`; each test checks what the client sent
or how it recovered, so the fake is known to be faithful before the newsbot relies on it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

try:  # `python -m pytest` from the repository root puts the root on sys.path
    from tests.localdiscord import LocalDiscord, RecordedRequest, matching
    from tests.localdiscord.limits import EVERYONE_PERMISSIONS, PERM_CREATE_PUBLIC_THREADS
except ModuleNotFoundError:  # a conftest.py in tests/ puts tests/ itself on sys.path instead
    from localdiscord import LocalDiscord, RecordedRequest, matching  # type: ignore[no-redef,import-not-found]
    from localdiscord.limits import (  # type: ignore[no-redef,import-not-found]
        EVERYONE_PERMISSIONS,
        PERM_CREATE_PUBLIC_THREADS,
    )

TOKEN = "local-test-token"  # any string: the local API accepts every token by default


class MenuView(discord.ui.View):
    """A message-bound view: discord.py routes its clicks by message id and custom_id."""

    def __init__(self, clicks: list[int]) -> None:
        super().__init__(timeout=60)
        self.clicks = clicks

    @discord.ui.button(label="More", custom_id="newsbot:more", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button[MenuView]) -> None:
        self.clicks.append(interaction.user.id)
        await interaction.response.edit_message(content=f"more for {interaction.user.name}", view=None)


class FeedbackView(discord.ui.View):
    """A persistent view (no timeout, fixed custom_id): answers clicks on any message."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Helpful", custom_id="newsbot:helpful")
    async def helpful(self, interaction: discord.Interaction, button: discord.ui.Button[FeedbackView]) -> None:
        await interaction.response.send_message("Thanks for the feedback.", ephemeral=True)


class PingBot(discord.Client):
    """The smallest bot that exercises every path the newsbot will use."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,  # READY fires this long after the last GUILD_CREATE
        )
        self.guild_id = guild_id
        self.tree = app_commands.CommandTree(self)
        self.clicks: list[int] = []
        self.seen: asyncio.Queue[discord.Message] = asyncio.Queue()
        self.command_errors: list[BaseException] = []
        self.resumed_count = 0
        self.threads: asyncio.Queue[discord.Thread] = asyncio.Queue()
        self._add_commands()

    def _add_commands(self) -> None:
        @self.tree.command(description="Reply with pong.")
        async def ping(interaction: discord.Interaction, text: str) -> None:
            await interaction.response.send_message(f"pong: {text}")

        @self.tree.command(description="Reply only to the caller.")
        async def secret(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("only you can see this", ephemeral=True)

        @self.tree.command(description="Think, then answer.")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("done thinking")

        @self.tree.command(description="Answer too late.")
        async def late(interaction: discord.Interaction, delay: float) -> None:
            await asyncio.sleep(delay)
            await interaction.response.send_message("sorry, late")

        @self.tree.command(description="Show a button.")
        async def menu(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("menu", view=MenuView(self.clicks))

        async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
            await interaction.response.send_message(f"{message.author.name} said: {message.content}")

        self.tree.add_command(app_commands.ContextMenu(name="Quote", callback=quote))

        @self.tree.error
        async def on_tree_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
            self.command_errors.append(error)

    async def setup_hook(self) -> None:
        guild = discord.Object(self.guild_id)
        self.tree.copy_global_to(guild=guild)
        await self.tree.sync(guild=guild)
        self.add_view(FeedbackView())

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Skip discord.py's 5 s pause before a non-initial IDENTIFY (a real-Discord courtesy)."""

    async def on_message(self, message: discord.Message) -> None:
        assert self.user is not None
        if message.author.id == self.user.id:
            return
        await self.seen.put(message)
        if self.user in message.mentions:
            await message.reply("I read you.", mention_author=False)

    async def on_resumed(self) -> None:
        self.resumed_count += 1

    async def on_thread_create(self, thread: discord.Thread) -> None:
        await self.threads.put(thread)


@contextlib.asynccontextmanager
async def running_bot(server: LocalDiscord) -> AsyncIterator[PingBot]:
    """Start a PingBot with ``bot.start`` in a task, wait for READY, close it on exit."""
    bot = PingBot(int(server.guild_id))
    runner = asyncio.create_task(bot.start(TOKEN))
    ready = asyncio.create_task(bot.wait_until_ready())
    try:
        done, _ = await asyncio.wait({runner, ready}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            runner.result()  # login or connect failed: raise that error
        assert ready in done, "the bot did not become ready within 5s"
        yield bot
    finally:
        ready.cancel()
        await bot.close()
        await asyncio.wait_for(runner, 5)


@pytest.fixture
async def bot(server: LocalDiscord) -> AsyncIterator[PingBot]:
    async with running_bot(server) as started:
        yield started


def text_channel(bot: PingBot, server: LocalDiscord) -> discord.TextChannel:
    channel = bot.get_channel(int(server.channel_id))
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_bot_connects_and_sees_the_guild(server: LocalDiscord, bot: PingBot) -> None:
    guild = bot.get_guild(int(server.guild_id))

    assert bot.user is not None and bot.user.id == int(server.bot_id)
    assert guild is not None and guild.name == "newsbot test guild"
    assert [c.id for c in guild.text_channels] == [int(server.channel_id)]
    assert guild.get_role(int(server.role_id)) is not None
    assert guild.me is not None and guild.me.guild_permissions.send_messages
    assert (server.identifies, server.resumes) == (1, 0)
    assert server.gateway_connections[0].compress == "zlib-stream"
    synced = server.requests_matching(
        matching("PUT", f"/applications/{server.application_id}/guilds/{server.guild_id}/commands")
    )
    assert sorted(c["name"] for c in synced[0].json) == ["Quote", "late", "menu", "ping", "secret", "slow"]
    forum = guild.get_channel(int(server.forum_id))
    assert isinstance(forum, discord.ForumChannel) and forum.name == "questions"


async def test_slash_command_round_trip(server: LocalDiscord, bot: PingBot) -> None:
    ix = await server.slash("ping", {"text": "hello"})

    callback = await ix.response()

    assert ix.payload["data"]["options"] == [{"name": "text", "type": 3, "value": "hello"}]
    assert callback.status == 200
    assert callback.query == {"with_response": "1"}
    assert callback.json["type"] == 4
    assert callback.json["data"]["content"] == "pong: hello"
    assert callback.json["data"]["allowed_mentions"] == {"parse": []}
    assert "flags" not in callback.json["data"]
    original = await ix.wait_original()
    assert original["content"] == "pong: hello"
    assert original["interaction_metadata"]["id"] == ix.id


async def test_ephemeral_reply_carries_flag_64(server: LocalDiscord, bot: PingBot) -> None:
    ix = await server.slash("secret")

    callback = await ix.response()

    assert callback.json["type"] == 4
    assert callback.json["data"]["flags"] == 64
    original = await ix.wait_original()
    # Discord never dispatches ephemeral messages over the gateway.
    assert all(frame["d"].get("id") != original["id"] for frame in server.dispatched)


async def test_followup_after_thinking_fills_the_loading_message(server: LocalDiscord, bot: PingBot) -> None:
    ix = await server.slash("slow")

    deferral = await ix.response()
    followup = await ix.followup()
    original = await ix.wait_original()

    assert deferral.json == {"type": 5}
    assert followup.query["wait"] == "1"
    assert followup.json["content"] == "done thinking"
    assert original["id"] == followup.response["id"]
    assert original["content"] == "done thinking"


async def test_reply_too_late_is_rejected_as_unknown_interaction(server: LocalDiscord) -> None:
    server.interaction_deadline = 0.1
    async with running_bot(server) as bot:
        ix = await server.slash("late", {"delay": 0.3})

        callback = await ix.response()
        await server.wait_until(lambda: bool(bot.command_errors), what="the command error")

    assert ix.payload["data"]["options"] == [{"name": "delay", "type": 10, "value": 0.3}]
    assert (callback.status, callback.response["code"]) == (404, 10062)
    error = bot.command_errors[0]
    assert isinstance(error, app_commands.CommandInvokeError)
    assert isinstance(error.original, discord.NotFound)


async def test_mention_is_answered_with_allowed_mentions(server: LocalDiscord, bot: PingBot) -> None:
    mark = server.mark()

    asked = await server.send_message("what happened today?", mentions_bot=True)
    reply = await server.wait_for_request(matching("POST", "/messages"), after=mark)

    assert asked["content"].startswith(f"<@{server.bot_id}> ")
    assert reply.path == f"/channels/{server.channel_id}/messages"
    assert reply.json["content"] == "I read you."
    assert reply.json["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert str(reply.json["message_reference"]["message_id"]) == asked["id"]
    assert reply.response["referenced_message"]["id"] == asked["id"]


async def test_message_content_is_hidden_without_the_intent(server: LocalDiscord, bot: PingBot) -> None:
    await server.send_message("no mention here")
    await server.send_message("hey bot", mentions_bot=True)

    plain = await asyncio.wait_for(bot.seen.get(), 5)
    mentioned = await asyncio.wait_for(bot.seen.get(), 5)

    assert plain.content == ""  # Intents.default() lacks message_content
    assert mentioned.content == f"<@{server.bot_id}> hey bot"


async def test_button_click_reaches_the_view(server: LocalDiscord, bot: PingBot) -> None:
    ix = await server.slash("menu")
    original = await ix.wait_original()
    button = original["components"][0]["components"][0]

    click = await server.click(ix, "newsbot:more")
    callback = await click.response()

    assert button["custom_id"] == "newsbot:more"
    assert click.payload["message"]["id"] == original["id"]
    assert callback.json["type"] == 7
    assert callback.json["data"]["content"] == "more for tester"
    assert callback.json["data"]["components"] == []
    assert bot.clicks == [int(server.user_id)]
    assert server.messages[original["id"]]["content"] == "more for tester"


async def test_persistent_view_answers_a_click_on_an_old_message(server: LocalDiscord, bot: PingBot) -> None:
    row = {
        "type": 1,
        "components": [{"type": 2, "style": 1, "label": "Helpful", "custom_id": "newsbot:helpful"}],
    }
    old = server.create_message("Was this answer helpful?", components=[row])

    click = await server.click(old, "newsbot:helpful")
    callback = await click.response()

    assert callback.json["type"] == 4
    assert callback.json["data"]["content"] == "Thanks for the feedback."
    assert callback.json["data"]["flags"] == 64


OVER_LIMIT: list[tuple[str, dict[str, Any], str]] = [
    ("content", {"content": "x" * 2001}, "In content:"),
    ("title", {"embed": discord.Embed(title="t" * 257)}, "In embeds.0.title:"),
    ("description", {"embed": discord.Embed(description="d" * 4097)}, "In embeds.0.description:"),
    (
        "field_value",
        {"embed": discord.Embed().add_field(name="n", value="v" * 1025)},
        "In embeds.0.fields.0.value:",
    ),
    (
        "embed_total",
        {"embeds": [discord.Embed(description="a" * 4000), discord.Embed(description="b" * 2001)]},
        "Embed size exceeds maximum size of 6000",
    ),
]


@pytest.mark.parametrize(("kwargs", "expected"), [c[1:] for c in OVER_LIMIT], ids=[c[0] for c in OVER_LIMIT])
async def test_over_limit_message_is_rejected_with_400(
    server: LocalDiscord, bot: PingBot, kwargs: dict[str, Any], expected: str
) -> None:
    mark = server.mark()

    with pytest.raises(discord.HTTPException) as raised:
        await text_channel(bot, server).send(**kwargs)

    assert (raised.value.status, raised.value.code) == (400, 50035)
    assert expected in raised.value.text
    rejected = await server.wait_for_request(matching("POST", "/messages"), after=mark)
    assert rejected.status == 400


async def test_over_limit_interaction_reply_is_rejected(server: LocalDiscord, bot: PingBot) -> None:
    ix = await server.slash("ping", {"text": "x" * 2000})

    callback = await ix.response()
    await server.wait_until(lambda: bool(bot.command_errors), what="the command error")

    assert (callback.status, callback.response["code"]) == (400, 50035)
    assert "content" in callback.response["errors"]["data"]
    assert not ix.acknowledged


def _button(custom_id: str, label: str = "ok") -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": label, "custom_id": custom_id}


# Payloads discord.py itself refuses to build (it checks 10 embeds and 25 view items
# client-side), sent raw to prove the server enforces the same limits as Discord.
RAW_OVER_LIMIT: list[tuple[str, dict[str, Any], int, str]] = [
    ("eleven_embeds", {"embeds": [{"title": str(i)} for i in range(11)]}, 50035, "embeds"),
    (
        "six_rows",
        {"components": [{"type": 1, "components": [_button(f"r{i}")]} for i in range(6)]},
        50035,
        "components",
    ),
    (
        "six_buttons",
        {"components": [{"type": 1, "components": [_button(f"b{i}") for i in range(6)]}]},
        50035,
        "components",
    ),
    (
        "long_custom_id",
        {"components": [{"type": 1, "components": [_button("c" * 101)]}]},
        50035,
        "components",
    ),
    (
        "long_label",
        {"components": [{"type": 1, "components": [_button("x", "l" * 81)]}]},
        50035,
        "components",
    ),
    ("empty", {"content": ""}, 50006, ""),
]


@pytest.mark.parametrize(
    ("payload", "code", "error_key"),
    [c[1:] for c in RAW_OVER_LIMIT],
    ids=[c[0] for c in RAW_OVER_LIMIT],
)
async def test_server_enforces_limits_discord_py_checks_itself(
    server: LocalDiscord, payload: dict[str, Any], code: int, error_key: str
) -> None:
    url = f"{server.api_base}/channels/{server.channel_id}/messages"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=payload, headers={"Authorization": f"Bot {TOKEN}"}) as response,
    ):
        body = await response.json()

    assert response.status == 400
    assert response.headers["Content-Type"] == "application/json"
    assert body["code"] == code
    if error_key:
        assert error_key in body["errors"]
    assert server.requests[-1].status == 400


@pytest.mark.parametrize("is_global", [False, True], ids=["bucket", "global"])
async def test_rate_limited_send_is_retried_after_retry_after(
    server: LocalDiscord, bot: PingBot, is_global: bool
) -> None:
    channel = text_channel(bot, server)
    server.rate_limit_next("POST /channels/", retry_after=0.3, global_=is_global)
    mark = server.mark()

    sent = await channel.send("after the limit")

    posts = server.requests_matching(matching("POST", "/messages"), after=mark)
    assert [r.status for r in posts] == [429, 200]
    assert posts[1].time - posts[0].time >= 0.3
    assert sent.id == int(posts[1].response["id"])


async def test_ordinary_rate_limit_headers_cause_no_waiting(server: LocalDiscord, bot: PingBot) -> None:
    channel = text_channel(bot, server)
    loop = asyncio.get_running_loop()
    started = loop.time()

    for n in range(5):
        await channel.send(f"message {n}")

    # Reset-After is 1s: any pre-emptive sleep by discord.py would show here.
    assert loop.time() - started < 0.8


async def test_rate_limited_interaction_callback_is_retried(server: LocalDiscord, bot: PingBot) -> None:
    server.rate_limit_next("/callback", retry_after=0.2)

    ix = await server.slash("ping", {"text": "slowly"})
    callback = await ix.response()

    attempts: list[RecordedRequest] = server.requests_matching(matching("POST", f"/{ix.token}/callback"))
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].time - attempts[0].time >= 0.2
    assert callback.json["data"]["content"] == "pong: slowly"


@pytest.mark.parametrize("code", [4000, None], ids=["close-4000", "connection-lost"])
async def test_dropped_gateway_is_resumed(server: LocalDiscord, bot: PingBot, code: int | None) -> None:
    session = server.session_id
    frames = server.gateway_mark()
    mark = server.mark()

    await server.drop_gateway(code)
    asked = await server.send_message("still there?", mentions_bot=True)
    reply = await server.wait_for_request(matching("POST", "/messages"), after=mark)

    resume = await server.wait_for_gateway(lambda f: f.op == 6, after=frames)
    assert resume.data["session_id"] == session
    assert resume.data["seq"] >= 2  # READY and GUILD_CREATE were seen
    assert (server.identifies, server.resumes) == (1, 1)
    assert server.gateway_connections[-1].path == "/gateway-resume"
    assert str(reply.json["message_reference"]["message_id"]) == asked["id"]
    await server.wait_until(lambda: bot.resumed_count == 1, what="on_resumed")


async def test_invalidated_session_identifies_again(server: LocalDiscord, bot: PingBot) -> None:
    await server.invalidate_session()
    await server.wait_until(lambda: server.identifies == 2, what="a second IDENTIFY")
    await server.wait_connected()

    ix = await server.slash("ping", {"text": "new session"})

    assert (await ix.response()).json["data"]["content"] == "pong: new session"


async def test_heartbeats_follow_the_hello_interval() -> None:
    async with LocalDiscord(heartbeat_interval_ms=100) as local:
        with local.patch_discord():
            async with running_bot(local) as bot:
                await local.wait_until(lambda: len(local.heartbeats) >= 5, what="5 heartbeats")
                latency = bot.latency

    # Heartbeats keep coming and are acknowledged (the client measured a round
    # trip); how punctual they are is a benchmark's question, not a test's.
    assert len(local.heartbeats) >= 5
    assert 0.0 <= latency < float("inf")


async def _post_raw(server: LocalDiscord, path: str, payload: dict[str, Any]) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.api_base}{path}", json=payload, headers={"Authorization": f"Bot {TOKEN}"}) as response,
    ):
        return response.status, await response.json()


async def test_bot_starts_a_thread_from_a_message_and_posts_in_it(server: LocalDiscord, bot: PingBot) -> None:
    parent = await text_channel(bot, server).send("Today's question")

    thread = await parent.create_thread(name="Discussion")
    inside = await thread.send("first reply in the thread")
    fetched = await bot.fetch_channel(thread.id)
    starter = await thread.fetch_message(thread.id)

    assert thread.id == parent.id and thread.type is discord.ChannelType.public_thread
    assert thread.parent_id == int(server.channel_id) and thread.owner_id == int(server.bot_id)
    assert (await asyncio.wait_for(bot.threads.get(), 5)).id == thread.id
    created = next(f["d"] for f in server.dispatched if f["t"] == "THREAD_CREATE")
    assert created["newly_created"] is True and created["parent_id"] == server.channel_id
    assert {"owner_id", "thread_metadata", "member_count", "message_count"} <= created.keys()
    stored = server.messages[str(inside.id)]
    assert (stored["channel_id"], stored["guild_id"]) == (str(thread.id), server.guild_id)
    assert server.threads[str(thread.id)]["message_count"] == 1
    assert isinstance(fetched, discord.Thread) and fetched.name == "Discussion"
    assert starter.id == parent.id and starter.content == "Today's question"


@pytest.mark.parametrize("name", ["", "n" * 101, None], ids=["empty", "too-long", "missing"])
async def test_thread_name_must_be_1_to_100_characters(server: LocalDiscord, name: str | None) -> None:
    message = server.create_message("start here")
    payload = {} if name is None else {"name": name}

    status, body = await _post_raw(server, f"/channels/{server.channel_id}/messages/{message['id']}/threads", payload)

    assert (status, body["code"]) == (400, 50035)
    assert "name" in body["errors"]
    assert server.threads == {}


async def test_threads_need_their_permissions() -> None:
    async with LocalDiscord(bot_permissions=0, everyone_permissions=EVERYONE_PERMISSIONS) as local:
        message = local.create_message("start here")
        started = await _post_raw(
            local, f"/channels/{local.channel_id}/messages/{message['id']}/threads", {"name": "t"}
        )
    # Allowed to create public threads and nothing else.
    async with LocalDiscord(bot_permissions=PERM_CREATE_PUBLIC_THREADS, everyone_permissions=0) as muted:
        thread = (await _post_raw(muted, f"/channels/{muted.channel_id}/threads", {"name": "t", "type": 11}))[1]
        posted = await _post_raw(muted, f"/channels/{thread['id']}/messages", {"content": "hi"})

    assert (started[0], started[1]["code"]) == (403, 50013)  # no CREATE_PUBLIC_THREADS
    assert thread["type"] == 11 and "message" not in thread
    assert (posted[0], posted[1]["code"]) == (403, 50013)  # no SEND_MESSAGES_IN_THREADS


async def test_bot_opens_a_forum_post_with_its_starter_message(server: LocalDiscord, bot: PingBot) -> None:
    forum = bot.get_channel(int(server.forum_id))
    assert isinstance(forum, discord.ForumChannel)

    post = await forum.create_thread(name="Weekly digest", content="What happened this week")
    status, body = await _post_raw(server, f"/channels/{server.forum_id}/threads", {"name": "no message"})

    assert post.thread.id == post.message.id and post.message.channel.id == post.thread.id
    assert server.messages[str(post.thread.id)]["channel_id"] == str(post.thread.id)
    assert server.threads[str(post.thread.id)]["parent_id"] == server.forum_id
    assert (status, body["code"]) == (400, 50035) and "message" in body["errors"]


async def test_member_forum_post_reaches_the_bot_as_thread_then_message(server: LocalDiscord, bot: PingBot) -> None:
    thread = await server.create_forum_post("Why is the sky blue?", "Asking for a friend")
    mark = server.mark()
    await server.send_message("any news?", mentions_bot=True, channel_id=thread["id"])

    opened = await asyncio.wait_for(bot.threads.get(), 5)
    starter = await asyncio.wait_for(bot.seen.get(), 5)
    followup = await asyncio.wait_for(bot.seen.get(), 5)
    reply = await server.wait_for_bot_message(after=mark, channel_id=thread["id"])

    events = [f["t"] for f in server.dispatched if f["t"] in ("THREAD_CREATE", "MESSAGE_CREATE")]
    assert events[:2] == ["THREAD_CREATE", "MESSAGE_CREATE"]
    assert (thread["type"], thread["parent_id"], thread["owner_id"]) == (11, server.forum_id, server.user_id)
    assert opened.id == int(thread["id"]) and isinstance(opened.parent, discord.ForumChannel)
    assert starter.id == opened.id and starter.channel.id == opened.id and starter.type is discord.MessageType.default
    assert followup.channel.id == opened.id and followup.guild is not None
    assert reply["referenced_message"]["id"] == str(followup.id)
    assert server.threads == {thread["id"]: thread}


async def test_reply_to_an_unknown_message_is_rejected_unless_told_not_to_fail(server: LocalDiscord) -> None:
    path = f"/channels/{server.channel_id}/messages"
    unknown = {"message_id": server.next_id()}

    rejected = await _post_raw(server, path, {"content": "re", "message_reference": unknown})
    sent = await _post_raw(
        server, path, {"content": "re", "message_reference": {**unknown, "fail_if_not_exists": False}}
    )

    assert (rejected[0], rejected[1]["code"]) == (400, 50035)
    assert rejected[1]["errors"]["message_reference"]["_errors"][0]["code"] == "MESSAGE_REFERENCE_UNKNOWN_MESSAGE"
    assert sent[0] == 200 and sent[1]["type"] == 0 and "message_reference" not in sent[1]


@pytest.mark.parametrize("mention_reply", [True, False], ids=["ping-on", "ping-off"])
async def test_a_reply_to_the_bot_mentions_it_unless_the_ping_is_off(
    server: LocalDiscord, bot: PingBot, mention_reply: bool
) -> None:
    answer = await text_channel(bot, server).send("the answer")
    stored = server.messages[str(answer.id)]

    reply = await server.send_message("thanks!", reference=stored["id"], mention_reply=mention_reply)
    seen = await asyncio.wait_for(bot.seen.get(), 5)

    assert reply["type"] == 19 and reply["referenced_message"]["author"]["id"] == server.bot_id
    assert seen.reference is not None and seen.reference.message_id == answer.id
    assert isinstance(seen.reference.resolved, discord.Message) and seen.reference.resolved.author == bot.user
    assert (bot.user in seen.mentions) is mention_reply
    assert seen.content == ("thanks!" if mention_reply else "")  # Intents.default() lacks message_content


async def test_message_context_menu_command(server: LocalDiscord, bot: PingBot) -> None:
    target = await server.send_message("Jupiter has 95 moons")

    ix = await server.message_command("Quote", target["id"])
    callback = await ix.response()

    registered = {c["name"]: c["type"] for c in server.guild_commands[server.guild_id]}
    assert registered["Quote"] == 3
    data = ix.payload["data"]
    assert (data["type"], data["target_id"]) == (3, target["id"])
    assert data["resolved"]["messages"][target["id"]]["content"] == "Jupiter has 95 moons"
    assert callback.json["data"]["content"] == "tester said: Jupiter has 95 moons"
    assert (await ix.wait_original())["interaction_metadata"]["target_message_id"] == target["id"]
    with pytest.raises(ValueError, match="no message command"):
        await server.message_command("Unknown", target["id"])
    with pytest.raises(ValueError, match="no message command"):
        await server.message_command("ping", target["id"])  # a chat-input command


async def test_buttons_of_an_old_message_work_after_a_restart_and_only_those(server: LocalDiscord) -> None:
    async with running_bot(server) as first:
        sent = await text_channel(first, server).send("Was this helpful?", view=FeedbackView())
    disabled = {"type": 2, "style": 1, "label": "Off", "custom_id": "newsbot:off", "disabled": True}
    old = server.create_message("older", components=[{"type": 1, "components": [disabled]}])

    async with running_bot(server):
        click = await server.click(str(sent.id), "newsbot:helpful")
        callback = await click.response()
        with pytest.raises(ValueError, match="no component 'newsbot:nope'"):
            await server.click(str(sent.id), "newsbot:nope")
        with pytest.raises(ValueError, match="disabled"):
            await server.click(old, "newsbot:off")

    assert (server.identifies, click.payload["data"]["component_type"]) == (2, 2)
    assert callback.json["data"]["content"] == "Thanks for the feedback."
