"""Shared state of the local Discord: the recorded traffic, the guild's objects, and waiting.

Every mixin (:mod:`.rest`, :mod:`.gateway`, :mod:`.driver`) works on the state built here by
:class:`Core`, so there is one place where a message, channel or user lives.
"""

# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import datetime
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .limits import (
    BOT_PERMISSIONS,
    CHANNEL_GUILD_FORUM,
    CHANNEL_GUILD_TEXT,
    CHANNEL_PRIVATE_THREAD,
    CHANNEL_PUBLIC_THREAD,
    DISCORD_EPOCH_MS,
    EVERYONE_PERMISSIONS,
    FLAG_COMPONENTS_V2,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    JOINED_AT,
    PERM_ADMINISTRATOR,
    THREAD_TYPES,
    JSONDict,
)

API_PREFIX = "/api/v10"

RequestPredicate = Callable[["RecordedRequest"], bool]


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Snowflakes:
    """Discord-shaped ids (ms since the Discord epoch << 22), strictly increasing as strings."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> str:
        value = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        if value <= self._last:
            value = self._last + 1
        self._last = value
        return str(value)


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (discord.py sends files as ``files[n]``)."""

    field_name: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    """One REST call as the server saw it, and how it was answered.

    ``path`` is relative to the API base (``/channels/1/messages``), so assertions do not depend
    on the port. ``json`` is the parsed JSON body, or the ``payload_json`` part of a multipart
    body. ``status`` and ``response`` are filled in once the server answered; waiters are woken
    only then, so a waited-for request always carries its status.
    """

    index: int
    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    time: float
    files: list[UploadedFile] = field(default_factory=list)
    status: int = 0
    response: Any = None
    unhandled: bool = False

    @property
    def route(self) -> str:
        """``"METHOD /path"``, the string rate-limit rules and :func:`matching` look at."""
        return f"{self.method} {self.path}"

    @property
    def ok(self) -> bool:
        """Whether the server answered 2xx."""
        return 200 <= self.status < 300


@dataclass(frozen=True)
class GatewayFrame:
    """One payload the client sent over the gateway websocket."""

    index: int
    connection: int
    op: int
    data: Any
    time: float


@dataclass
class GatewayConnection:
    """One websocket connection the client opened (a resume opens a new one)."""

    index: int
    path: str
    query: dict[str, str]
    compress: str | None
    opened_at: float
    closed_at: float | None = None
    close_code: int | None = None


def matching(
    method: str | None = None,
    path: str | re.Pattern[str] | None = None,
    *,
    status: int | None = None,
) -> RequestPredicate:
    """A request predicate: same method, ``path`` a substring (or a regex searched) of the path.

    Why: most waits are "the next POST to this kind of route", and spelling that as a lambda in
    every test hides the intent.
    """

    def predicate(request: RecordedRequest) -> bool:
        if method is not None and request.method != method.upper():
            return False
        if isinstance(path, str) and path not in request.path:
            return False
        if isinstance(path, re.Pattern) and path.search(request.path) is None:
            return False
        return status is None or request.status == status

    return predicate


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(status: int, code: int, message: str, errors: JSONDict | None = None) -> Reply:
    body: JSONDict = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return Reply(status, body)


def not_found() -> Reply:
    return error_reply(404, 0, "404: Not Found")


@dataclass
class RateLimitRule:
    matches: RequestPredicate
    retry_after: float
    remaining: int
    is_global: bool
    scope: str


@dataclass
class PendingDispatch:
    """A dispatch not yet sequenced: queued while the client had no live session."""

    event: str
    data: JSONDict
    intent: int | None


@dataclass
class LiveConnection:
    """A gateway connection, with what is needed to send to it in order."""

    info: GatewayConnection
    ws: web.WebSocketResponse
    request: web.Request
    compressor: Any  # zlib compress object when the client asked for zlib-stream
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class InteractionState:
    id: str
    token: str
    type: int
    created_at: float
    channel_id: str
    guild_id: str | None
    user: JSONDict
    name: str | None
    source_message_id: str | None = None
    callback_type: int | None = None
    original_id: str | None = None
    followup_ids: list[str] = field(default_factory=list)
    command_type: int | None = None
    target_message_id: str | None = None


Handler = Callable[..., Awaitable[Reply]]


class Core:
    """The state every part of :class:`~tests.localdiscord.LocalDiscord` shares, and its objects.

    One guild with a text channel and a forum channel, the @everyone role, one extra role and the
    bot's managed role; one human user (``user_id``) who owns the application.
    """

    def __init__(
        self,
        *,
        bot_id: str | None = None,
        application_id: str | None = None,
        guild_id: str | None = None,
        channel_id: str | None = None,
        forum_id: str | None = None,
        role_id: str | None = None,
        user_id: str | None = None,
        owner_id: str | None = None,
        bot_name: str = "newsbot",
        guild_name: str = "newsbot test guild",
        channel_name: str = "general",
        forum_name: str = "questions",
        role_name: str = "Editors",
        bot_permissions: int = BOT_PERMISSIONS,
        everyone_permissions: int = EVERYONE_PERMISSIONS,
        token: str | None = None,
        heartbeat_interval_ms: int = 41_250,
        ack_heartbeats: bool = True,
        compress: bool = True,
        interaction_deadline: float = 3.0,
        echo_bot_messages: bool = True,
    ) -> None:
        """Ids default to fresh snowflakes; ``token=None`` accepts any token.

        The bot's permissions in the guild are ``everyone_permissions | bot_permissions`` (the
        @everyone role and the bot's managed role); routes that need a permission check exactly
        that, as discord.py computes the same from GUILD_CREATE.

        ``compress=False`` sends plain text gateway frames even when the client asks for
        zlib-stream (discord.py accepts both). ``echo_bot_messages`` dispatches MESSAGE_CREATE /
        UPDATE / DELETE for the bot's own non-ephemeral messages, as Discord does.
        """
        self._ids = Snowflakes()
        self.bot_id = bot_id or self._ids.next()
        self.application_id = application_id or self.bot_id
        self.guild_id = guild_id or self._ids.next()
        self.channel_id = channel_id or self._ids.next()
        self.forum_id = forum_id or self._ids.next()
        self.role_id = role_id or self._ids.next()
        self.bot_role_id = self._ids.next()
        self.user_id = user_id or self._ids.next()
        self.owner_id = owner_id or self.user_id
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.ack_heartbeats = ack_heartbeats
        self.compress = compress
        self.interaction_deadline = interaction_deadline
        self.echo_bot_messages = echo_bot_messages
        self.bot_permissions = bot_permissions

        self.bot_user: JSONDict = {
            "id": self.bot_id,
            "username": bot_name,
            "global_name": None,
            "discriminator": "0",
            "avatar": None,
            "bot": True,
            "public_flags": 0,
            "flags": 0,
        }
        self.users: dict[str, JSONDict] = {self.bot_id: self.bot_user}
        self.user(self.user_id, username="tester")
        self.member_roles: dict[str, list[str]] = {self.bot_id: [self.bot_role_id]}

        self.roles: list[JSONDict] = [
            self._role(self.guild_id, "@everyone", 0, everyone_permissions),
            self._role(self.role_id, role_name, 1, 0),
            self._role(
                self.bot_role_id,
                bot_name,
                2,
                bot_permissions,
                managed=True,
                tags={"bot_id": self.bot_id},
            ),
        ]
        self.channels: dict[str, JSONDict] = {
            self.channel_id: {
                "id": self.channel_id,
                "type": CHANNEL_GUILD_TEXT,
                "guild_id": self.guild_id,
                "name": channel_name,
                "position": 0,
                "permission_overwrites": [],
                "topic": None,
                "nsfw": False,
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "parent_id": None,
                "default_auto_archive_duration": 1440,
                "flags": 0,
            },
            self.forum_id: {
                "id": self.forum_id,
                "type": CHANNEL_GUILD_FORUM,
                "guild_id": self.guild_id,
                "name": forum_name,
                "position": 1,
                "permission_overwrites": [],
                "topic": None,
                "nsfw": False,
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "parent_id": None,
                "default_auto_archive_duration": 1440,
                "flags": 0,
                "available_tags": [],
                "default_reaction_emoji": None,
                "default_thread_rate_limit_per_user": 0,
                "default_sort_order": None,
                "default_forum_layout": 0,
            },
        }
        self.guild_name = guild_name

        # REST state.
        self.requests: list[RecordedRequest] = []
        self.messages: dict[str, JSONDict] = {}
        self.global_commands: list[JSONDict] = []
        self.guild_commands: dict[str, list[JSONDict]] = {}
        self.attachments: dict[str, bytes] = {}
        self.internal_errors: list[str] = []
        self._command_ids: dict[tuple[str | None, str, int], str] = {}
        self._rate_limits: list[RateLimitRule] = []
        self._interactions: dict[str, InteractionState] = {}
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

        # Gateway state.
        self.gateway_connections: list[GatewayConnection] = []
        self.gateway_frames: list[GatewayFrame] = []
        self.heartbeats: list[float] = []
        self.identifies = 0
        self.resumes = 0
        self.intents: int | None = None
        self.session_id: str | None = None
        self.dispatched: list[JSONDict] = []
        self.suppressed: list[JSONDict] = []
        self._seq = 0
        self._log: list[JSONDict] = []
        self._outbox: list[PendingDispatch] = []
        self._live: LiveConnection | None = None
        self.shards_identified: list[tuple[int, int, int]] = []  # (shard id, shard count, connection index)
        self.recommended_shards = 1  # what `GET /gateway/bot` advises an automatically sharded bot
        self._connections: list[LiveConnection] = []
        self._gateway_lock = asyncio.Lock()
        self._changed = asyncio.Condition()

        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ addresses

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """The value for ``discord.http.Route.BASE``."""
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """The value for ``DiscordWebSocket.DEFAULT_GATEWAY`` (and ``GET /gateway``'s url)."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        """Sent in READY; a distinct path so tests can see the client resumed where told."""
        return f"ws://127.0.0.1:{self.port}/gateway-resume"

    # ------------------------------------------------------------------ objects

    def next_id(self) -> str:
        """A fresh snowflake, larger than every id handed out before."""
        return self._ids.next()

    def user(self, user_id: str | None = None, *, username: str | None = None, bot: bool = False) -> JSONDict:
        """The user object for ``user_id`` (default: the test user), created on first use."""
        uid = user_id or self.user_id
        if uid not in self.users:
            self.users[uid] = {
                "id": uid,
                "username": username or f"user{uid[-4:]}",
                "global_name": None,
                "discriminator": "0",
                "avatar": None,
                "bot": bot,
                "public_flags": 0,
            }
        return self.users[uid]

    def _role(
        self,
        role_id: str,
        name: str,
        position: int,
        permissions: int,
        *,
        managed: bool = False,
        tags: JSONDict | None = None,
    ) -> JSONDict:
        role: JSONDict = {
            "id": role_id,
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": managed,
            "mentionable": False,
            "flags": 0,
        }
        if tags is not None:
            role["tags"] = tags
        return role

    def member(self, user_id: str | None = None, *, roles: Iterable[str] | None = None) -> JSONDict:
        """A guild member object; ``roles`` (if given) becomes the member's role list."""
        user = self.user(user_id)
        if roles is not None:
            self.member_roles[user["id"]] = [str(r) for r in roles]
        return {
            "user": user,
            "nick": None,
            "avatar": None,
            "banner": None,
            "roles": list(self.member_roles.get(user["id"], [])),
            "joined_at": JOINED_AT,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }

    def guild(self) -> JSONDict:
        """The full guild object as sent in GUILD_CREATE."""
        members = [self.member(uid) for uid in self.member_roles]
        ours = [c for c in self.channels.values() if c.get("guild_id") == self.guild_id]
        return {
            "id": self.guild_id,
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": self.owner_id,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": self.roles,
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": self.channel_id,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": JOINED_AT,
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "voice_states": [],
            "members": members,
            "channels": [c for c in ours if c["type"] not in THREAD_TYPES],
            "threads": [c for c in ours if c["type"] in THREAD_TYPES],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def dm_channel(self, user_id: str | None = None) -> JSONDict:
        """The DM channel between the bot and a user, created on first use."""
        user = self.user(user_id)
        for channel in self.channels.values():
            if channel["type"] == 1 and channel["recipients"][0]["id"] == user["id"]:
                return channel
        channel = {
            "id": self.next_id(),
            "type": 1,
            "recipients": [user],
            "last_message_id": None,
            "flags": 0,
        }
        self.channels[channel["id"]] = channel
        return channel

    def _mentions_in(self, content: str) -> list[JSONDict]:
        ids = dict.fromkeys(re.findall(r"<@!?(\d+)>", content or ""))
        return [self.users[uid] for uid in ids if uid in self.users]

    def _new_message(
        self,
        channel_id: str,
        author: JSONDict,
        payload: Mapping[str, Any],
        files: Sequence[UploadedFile] = (),
        *,
        message_type: int = 0,
        extra: Mapping[str, Any] | None = None,
        message_id: str | None = None,
    ) -> JSONDict:
        channel = self.channels.get(channel_id, {})
        content = payload.get("content") or ""
        message: JSONDict = {
            "id": message_id or self.next_id(),
            "type": message_type,
            "channel_id": channel_id,
            "author": author,
            "content": content,
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": False,
            "mentions": self._mentions_in(content),
            "mention_roles": list(dict.fromkeys(re.findall(r"<@&(\d+)>", content))),
            "attachments": self._attachments_for(payload, files, []),
            "embeds": self._normalise_embeds(payload.get("embeds")),
            "components": self._normalise_components(payload.get("components")),
            "pinned": False,
            "flags": int(payload.get("flags") or 0),
            "reactions": [],
        }
        if "guild_id" in channel:
            message["guild_id"] = channel["guild_id"]
        if payload.get("nonce") is not None:
            message["nonce"] = payload["nonce"]
        parse = (payload.get("allowed_mentions") or {"parse": ["everyone"]}).get("parse") or []
        message["mention_everyone"] = "@everyone" in content and "everyone" in parse
        if extra:
            message.update(extra)
        self.messages[message["id"]] = message
        if channel:
            channel["last_message_id"] = message["id"]
            if channel["type"] in THREAD_TYPES and message["id"] != channel_id:
                # Discord counts messages after the starter message only.
                channel["message_count"] += 1
                channel["total_message_sent"] += 1
        return message

    def _thread(
        self, parent: JSONDict, name: str, owner_id: str, *, thread_id: str | None = None, **options: Any
    ) -> JSONDict:
        """Store a new public thread of ``parent`` (a thread is a channel, with thread metadata)."""
        now = now_iso()
        archive = options.get("auto_archive_duration") or parent.get("default_auto_archive_duration", 1440)
        thread: JSONDict = {
            "id": thread_id or self.next_id(),
            "type": int(options.get("type") or CHANNEL_PUBLIC_THREAD),
            "guild_id": parent["guild_id"],
            "parent_id": parent["id"],
            "owner_id": owner_id,
            "name": name,
            "last_message_id": None,
            "rate_limit_per_user": int(options.get("rate_limit_per_user") or 0),
            "message_count": 0,
            "total_message_sent": 0,
            "member_count": 1,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": int(archive),
                "archive_timestamp": now,
                "locked": False,
                "create_timestamp": now,
            },
        }
        if parent["type"] == CHANNEL_GUILD_FORUM:
            thread["applied_tags"] = [str(t) for t in options.get("applied_tags") or []]
        if thread["type"] == CHANNEL_PRIVATE_THREAD:
            thread["thread_metadata"]["invitable"] = bool(options.get("invitable", True))
        self.channels[thread["id"]] = thread
        return thread

    async def _announce_thread(self, thread: JSONDict) -> None:
        """THREAD_CREATE for a new thread, as Discord sends it to a bot with the GUILDS intent."""
        await self._dispatch("THREAD_CREATE", {**thread, "newly_created": True}, INTENT_GUILDS)

    def bot_has(self, permission: int) -> bool:
        """Whether the bot's guild permissions (its roles, @everyone included) hold ``permission``."""
        granted = 0
        mine = {self.guild_id, *self.member_roles.get(self.bot_id, [])}
        for role in self.roles:
            if role["id"] in mine:
                granted |= int(role["permissions"])
        return bool(granted & PERM_ADMINISTRATOR) or granted & permission == permission

    async def _dispatch(self, event: str, data: JSONDict, intent: int | None) -> None:
        """Send (or queue) a gateway dispatch that the ``intent`` gates; see :mod:`.gateway`."""
        raise NotImplementedError

    async def _send(self, live: LiveConnection, frame: JSONDict) -> bool:
        """Send one frame on a gateway connection; see :mod:`.gateway`."""
        raise NotImplementedError

    def _normalise_embeds(self, embeds: Any) -> list[JSONDict]:
        result = []
        for embed in embeds or []:
            shown = dict(embed)
            shown.setdefault("type", "rich")
            result.append(shown)
        return result

    def _normalise_components(self, components: Any) -> list[JSONDict]:
        # Discord numbers every component in its answer ("id"); discord.py reads it when present.
        counter = itertools.count(1)

        def number(items: list[Any]) -> list[JSONDict]:
            result = []
            for comp in items:
                shown = dict(comp)
                shown.setdefault("id", next(counter))
                if isinstance(shown.get("components"), list):
                    shown["components"] = number(shown["components"])
                result.append(shown)
            return result

        return number(list(components or []))

    def _attachments_for(
        self, payload: Mapping[str, Any], files: Sequence[UploadedFile], existing: list[JSONDict]
    ) -> list[JSONDict]:
        described = {str(a.get("id")): a for a in payload.get("attachments") or [] if isinstance(a, dict)}
        kept = [a for a in existing if a["id"] in described] if "attachments" in payload else list(existing)
        for index, upload in enumerate(files):
            attachment_id = self.next_id()
            self.attachments[attachment_id] = upload.data
            meta = described.get(str(index), {})
            filename = meta.get("filename") or upload.filename
            url = f"{self.base_url}/attachments/{attachment_id}/{filename}"
            item: JSONDict = {
                "id": attachment_id,
                "filename": filename,
                "size": len(upload.data),
                "url": url,
                "proxy_url": url,
                "content_type": upload.content_type,
            }
            if meta.get("description"):
                item["description"] = meta["description"]
            kept.append(item)
        return kept

    def _apply_edit(self, message: JSONDict, payload: Mapping[str, Any], files: Sequence[UploadedFile]) -> None:
        if "content" in payload:
            message["content"] = payload["content"] or ""
            message["mentions"] = self._mentions_in(message["content"])
        if "embeds" in payload:
            message["embeds"] = self._normalise_embeds(payload["embeds"])
        if "components" in payload:
            message["components"] = self._normalise_components(payload["components"])
        if "flags" in payload and payload["flags"] is not None:
            # Only some flags may be changed by an edit; ephemeral stays what it was.
            keep = int(message.get("flags", 0)) & (FLAG_EPHEMERAL | FLAG_COMPONENTS_V2)
            message["flags"] = keep | (int(payload["flags"]) & ~(FLAG_EPHEMERAL | FLAG_LOADING))
        if "attachments" in payload or files:
            message["attachments"] = self._attachments_for(payload, files, message.get("attachments", []))
        message["flags"] = int(message.get("flags", 0)) & ~FLAG_LOADING
        message["edited_timestamp"] = now_iso()

    @staticmethod
    def _one_level(message: JSONDict | None) -> JSONDict | None:
        # Discord nests a referenced message one level deep only.
        if message is None:
            return None
        return {k: v for k, v in message.items() if k != "referenced_message"}

    def _message_intent(self, channel_id: str) -> int:
        is_dm = self.channels.get(channel_id, {}).get("type") == 1
        return INTENT_DIRECT_MESSAGES if is_dm else INTENT_GUILD_MESSAGES

    # ------------------------------------------------------------------ recording and waiting

    def mark(self) -> int:
        """The index of the next recorded request; pass it as ``after=`` to wait without races."""
        return len(self.requests)

    def gateway_mark(self) -> int:
        """Like :meth:`mark`, for frames the client sends over the gateway."""
        return len(self.gateway_frames)

    def requests_matching(self, predicate: RequestPredicate, *, after: int = 0) -> list[RecordedRequest]:
        """Answered requests (from index ``after`` on) for which ``predicate`` is true."""
        return [r for r in self.requests[after:] if r.status and predicate(r)]

    @property
    def unhandled(self) -> list[RecordedRequest]:
        """Requests to routes this fake does not serve (answered 404): a sign the bot needs more."""
        return [r for r in self.requests if r.unhandled]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0, *, what: str = "condition") -> None:
        """Wait until ``predicate()`` holds; it is re-checked after every request and gateway event.

        Raises AssertionError on timeout, listing the last requests, so a failing test says why.
        """
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
            except TimeoutError:
                recent = ", ".join(f"{r.route} -> {r.status}" for r in self.requests[-8:]) or "none"
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}; last requests: {recent}"
                ) from None

    async def wait_for_request(
        self, predicate: RequestPredicate, timeout: float = 5.0, *, after: int = 0
    ) -> RecordedRequest:
        """The first answered request at index >= ``after`` matching ``predicate`` (waits).

        Take ``after = server.mark()`` *before* triggering the action, so a request that arrives
        before this call starts is still found.
        """

        def found() -> bool:
            return bool(self.requests_matching(predicate, after=after))

        await self.wait_until(found, timeout, what="a matching request")
        return self.requests_matching(predicate, after=after)[0]

    async def wait_for_bot_message(
        self, *, after: int = 0, channel_id: str | None = None, timeout: float = 5.0
    ) -> JSONDict:
        """The message the bot created by ``POST /channels/{id}/messages`` (index >= ``after``)."""
        channel = re.escape(channel_id) if channel_id else r"\d+"
        pattern = re.compile(rf"^/channels/{channel}/messages$")
        request = await self.wait_for_request(matching("POST", pattern, status=200), timeout, after=after)
        message: JSONDict = request.response
        return message

    async def wait_for_gateway(
        self, predicate: Callable[[GatewayFrame], bool], timeout: float = 5.0, *, after: int = 0
    ) -> GatewayFrame:
        """The first frame the client sent (index >= ``after``) matching ``predicate``."""

        def found() -> bool:
            return any(predicate(f) for f in self.gateway_frames[after:])

        await self.wait_until(found, timeout, what="a matching gateway frame")
        return next(f for f in self.gateway_frames[after:] if predicate(f))
