"""A local stand-in for Discord's REST API v10 and gateway, for testing the real discord.py client.

Why: the bot must be tested through the real discord.py client (its serialisation, rate-limit
handling, view routing and gateway resume logic), but Discord is never reachable from tests.
This module serves just enough of Discord on 127.0.0.1 for an unmodified ``discord.Client`` /
``commands.Bot`` to log in, receive gateway events and answer them, while recording every REST
call so tests can assert on the exact payloads the bot sent.

Pointing a client at it takes two class attributes (see :meth:`LocalDiscord.patch_discord`):
``discord.http.Route.BASE`` for REST, and ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``,
because a non-sharded discord.py 2.7 client never asks ``GET /gateway``: it connects straight to
``DEFAULT_GATEWAY`` and later resumes at the ``resume_gateway_url`` from READY.

Deliberately Discord-like behaviour (each one a bug class the bot could otherwise ship with):

* message limits answered with HTTP 400 / code 50035 "Invalid Form Body" (content, embeds,
  components), empty messages with 50006;
* one acknowledgement per interaction (40060), a 3 second deadline for the first one (10062),
  follow-ups only after an acknowledgement (10015), and a follow-up after a "thinking" deferral
  filling the loading message, as Discord does;
* injected HTTP 429s with the headers discord.py needs to retry (including ``Via``: without
  it discord.py treats a 429 as a Cloudflare ban and raises instead of retrying);
* gateway intents: no MESSAGE_CREATE without GUILD_MESSAGES, and empty content without
  MESSAGE_CONTENT unless the bot is mentioned or wrote the message;
* a gateway session that can be dropped, resumed (missed dispatches replayed) or invalidated.
"""

# Every wait here takes a ``timeout=`` on purpose: a test must never hang on a bot that did
# not answer, and a default bound at each call site is clearer than asyncio.timeout blocks.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import datetime
import hashlib
import itertools
import json
import logging
import re
import secrets
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

from aiohttp import WSMsgType, web

__all__ = [
    "GatewayConnection",
    "GatewayFrame",
    "InteractionHandle",
    "LocalDiscord",
    "RecordedRequest",
    "UploadedFile",
    "matching",
]

_log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
RequestPredicate = Callable[["RecordedRequest"], bool]

DISCORD_EPOCH_MS = 1_420_070_400_000
API_PREFIX = "/api/v10"

# Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# Gateway intents that decide which events the fake delivers.
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

# Message flags.
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_COMPONENTS_V2 = 1 << 15

# Interaction types and callback types.
INTERACTION_PING = 1
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_MESSAGE_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5
CALLBACK_PONG = 1
CALLBACK_CHANNEL_MESSAGE = 4
CALLBACK_DEFERRED_CHANNEL_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE_MESSAGE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE_RESULT = 8
CALLBACK_MODAL = 9

# Application command option types.
OPTION_SUB_COMMAND = 1
OPTION_SUB_COMMAND_GROUP = 2
OPTION_STRING = 3
OPTION_INTEGER = 4
OPTION_BOOLEAN = 5
OPTION_USER = 6
OPTION_CHANNEL = 7
OPTION_ROLE = 8
OPTION_MENTIONABLE = 9
OPTION_NUMBER = 10

# Permission bits used for sensible defaults.
_PERM_CREATE_INSTANT_INVITE = 1 << 0
_PERM_ADD_REACTIONS = 1 << 6
_PERM_VIEW_CHANNEL = 1 << 10
_PERM_SEND_MESSAGES = 1 << 11
_PERM_EMBED_LINKS = 1 << 14
_PERM_ATTACH_FILES = 1 << 15
_PERM_READ_MESSAGE_HISTORY = 1 << 16
_PERM_USE_EXTERNAL_EMOJIS = 1 << 18
_PERM_CHANGE_NICKNAME = 1 << 26
_PERM_USE_APPLICATION_COMMANDS = 1 << 31
_PERM_SEND_MESSAGES_IN_THREADS = 1 << 38

EVERYONE_PERMISSIONS = (
    _PERM_CREATE_INSTANT_INVITE
    | _PERM_ADD_REACTIONS
    | _PERM_VIEW_CHANNEL
    | _PERM_SEND_MESSAGES
    | _PERM_EMBED_LINKS
    | _PERM_ATTACH_FILES
    | _PERM_READ_MESSAGE_HISTORY
    | _PERM_USE_EXTERNAL_EMOJIS
    | _PERM_CHANGE_NICKNAME
    | _PERM_USE_APPLICATION_COMMANDS
    | _PERM_SEND_MESSAGES_IN_THREADS
)
BOT_PERMISSIONS = EVERYONE_PERMISSIONS

# Discord's documented limits (https://discord.com/developers/docs/resources/message).
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FOOTER = 2048
MAX_EMBED_AUTHOR = 256
MAX_EMBED_FIELDS = 25
MAX_EMBED_FIELD_NAME = 256
MAX_EMBED_FIELD_VALUE = 1024
MAX_EMBED_TOTAL = 6000
MAX_ACTION_ROWS = 5
MAX_ROW_COMPONENTS = 5
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
MAX_V2_COMPONENTS = 40

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
JOINED_AT = "2024-01-01T00:00:00.000000+00:00"


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class _Snowflakes:
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
class _Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, code: int, message: str, errors: JSONDict | None = None) -> _Reply:
    body: JSONDict = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return _Reply(status, body)


def _not_found() -> _Reply:
    return _error(404, 0, "404: Not Found")


@dataclass
class _RateLimitRule:
    matches: RequestPredicate
    retry_after: float
    remaining: int
    is_global: bool
    scope: str


@dataclass
class _Pending:
    """A dispatch not yet sequenced: queued while the client had no live session."""

    event: str
    data: JSONDict
    intent: int | None


@dataclass
class _Live:
    """A gateway connection, with what is needed to send to it in order."""

    info: GatewayConnection
    ws: web.WebSocketResponse
    request: web.Request
    compressor: Any  # zlib compress object when the client asked for zlib-stream
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class _Interaction:
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


class _FormErrors:
    """Builds Discord's nested ``errors``: ``{"embeds": {"0": {"title": {"_errors": [...]}}}}``."""

    def __init__(self) -> None:
        self.tree: JSONDict = {}

    def add(self, path: Sequence[str | int], code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_length(self, path: Sequence[str | int], value: Any, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def __bool__(self) -> bool:
        return bool(self.tree)


def _embed_chars(embed: Mapping[str, Any]) -> int:
    """Characters Discord counts toward the 6000 per-message embed total."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for item in embed.get("fields") or []:
        total += len(item.get("name") or "") + len(item.get("value") or "")
    return total


def _check_components(errors: _FormErrors, components: Any, flags: int, prefix: tuple[str | int, ...]) -> None:
    if not isinstance(components, list):
        return
    seen: set[str] = set()
    v2 = bool(flags & FLAG_COMPONENTS_V2)
    if not v2 and len(components) > MAX_ACTION_ROWS:
        errors.add(
            (*prefix, "components"),
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {MAX_ACTION_ROWS} or fewer in length.",
        )

    total = 0

    def walk(items: list[Any], path: tuple[str | int, ...]) -> None:
        nonlocal total
        for i, comp in enumerate(items):
            if not isinstance(comp, dict):
                continue
            total += 1
            here = (*path, i)
            custom_id = comp.get("custom_id")
            if isinstance(custom_id, str):
                errors.max_length((*here, "custom_id"), custom_id, MAX_CUSTOM_ID)
                if custom_id in seen:
                    errors.add(
                        (*here, "custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                seen.add(custom_id)
            if comp.get("type") == 2:
                errors.max_length((*here, "label"), comp.get("label"), MAX_BUTTON_LABEL)
            children = comp.get("components")
            if isinstance(children, list):
                if comp.get("type") == 1 and len(children) > MAX_ROW_COMPONENTS:
                    errors.add(
                        (*here, "components"),
                        "BASE_TYPE_MAX_LENGTH",
                        f"Must be {MAX_ROW_COMPONENTS} or fewer in length.",
                    )
                walk(children, (*here, "components"))
            accessory = comp.get("accessory")
            if isinstance(accessory, dict):
                walk([accessory], (*here, "accessory"))

    walk(components, (*prefix, "components"))
    if v2 and total > MAX_V2_COMPONENTS:
        errors.add(
            (*prefix, "components"),
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {MAX_V2_COMPONENTS} or fewer in total.",
        )


def message_form_errors(payload: Mapping[str, Any], prefix: tuple[str | int, ...] = ()) -> JSONDict:
    """Discord's ``errors`` object for a message payload over its limits, or ``{}`` when valid.

    Shared by channel messages, interaction callbacks (with ``prefix=("data",)``) and webhook
    executions/edits, because Discord applies the same limits to all of them.
    """
    errors = _FormErrors()
    errors.max_length((*prefix, "content"), payload.get("content"), MAX_CONTENT)

    embeds = payload.get("embeds")
    if isinstance(embeds, list):
        if len(embeds) > MAX_EMBEDS:
            errors.add(
                (*prefix, "embeds"),
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_EMBEDS} or fewer in length.",
            )
        total = 0
        for i, embed in enumerate(embeds):
            if not isinstance(embed, dict):
                continue
            here = (*prefix, "embeds", i)
            errors.max_length((*here, "title"), embed.get("title"), MAX_EMBED_TITLE)
            errors.max_length((*here, "description"), embed.get("description"), MAX_EMBED_DESCRIPTION)
            errors.max_length((*here, "footer", "text"), (embed.get("footer") or {}).get("text"), MAX_EMBED_FOOTER)
            errors.max_length((*here, "author", "name"), (embed.get("author") or {}).get("name"), MAX_EMBED_AUTHOR)
            fields = embed.get("fields") or []
            if len(fields) > MAX_EMBED_FIELDS:
                errors.add(
                    (*here, "fields"),
                    "BASE_TYPE_MAX_LENGTH",
                    f"Must be {MAX_EMBED_FIELDS} or fewer in length.",
                )
            for j, item in enumerate(fields):
                if isinstance(item, dict):
                    errors.max_length((*here, "fields", j, "name"), item.get("name"), MAX_EMBED_FIELD_NAME)
                    errors.max_length((*here, "fields", j, "value"), item.get("value"), MAX_EMBED_FIELD_VALUE)
            total += _embed_chars(embed)
        if total > MAX_EMBED_TOTAL:
            errors.add(
                (*prefix, "embeds"),
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}",
            )

    _check_components(errors, payload.get("components"), int(payload.get("flags") or 0), prefix)

    mentions = payload.get("allowed_mentions")
    if isinstance(mentions, dict):
        parse = mentions.get("parse") or []
        for kind in ("users", "roles"):
            if kind in parse and mentions.get(kind):
                errors.add(
                    (*prefix, "allowed_mentions"),
                    "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                )
    return errors.tree


def _is_empty_message(payload: Mapping[str, Any], files: Sequence[UploadedFile]) -> bool:
    return not (
        payload.get("content")
        or payload.get("embeds")
        or payload.get("components")
        or payload.get("sticker_ids")
        or payload.get("poll")
        or files
    )


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true")


class InteractionHandle:
    """A dispatched interaction, to await how the bot answered it.

    The interaction token is unique, so every wait here matches only this interaction's
    requests, whenever they arrived: no marks needed, no races.
    """

    def __init__(self, server: LocalDiscord, payload: JSONDict) -> None:
        self.server = server
        self.payload = payload
        self.id: str = payload["id"]
        self.token: str = payload["token"]

    def __repr__(self) -> str:
        return f"<InteractionHandle id={self.id} type={self.payload['type']}>"

    def _final(self, kind: str) -> RequestPredicate:
        # The final answer to a request: 429s are retried by the client, so skip them.
        callback = f"/interactions/{self.id}/{self.token}/callback"
        webhook = f"/webhooks/{self.server.application_id}/{self.token}"

        def predicate(request: RecordedRequest) -> bool:
            if request.status == 429:
                return False
            if kind == "callback":
                return request.method == "POST" and request.path == callback
            if kind == "followup":
                return request.method == "POST" and request.path == webhook
            return request.method == "PATCH" and request.path == f"{webhook}/messages/@original"

        return predicate

    async def _nth(self, kind: str, index: int, timeout: float) -> RecordedRequest:
        predicate = self._final(kind)

        def found() -> bool:
            return len(self.server.requests_matching(predicate)) > index

        await self.server.wait_until(found, timeout, what=f"{kind} #{index} for {self!r}")
        return self.server.requests_matching(predicate)[index]

    async def response(self, timeout: float = 5.0) -> RecordedRequest:
        """The bot's ``POST .../callback`` as finally answered (``.json``: ``type``, ``data``)."""
        return await self._nth("callback", 0, timeout)

    async def followup(self, index: int = 0, timeout: float = 5.0) -> RecordedRequest:
        """The ``index``-th follow-up ``POST /webhooks/{app}/{token}``."""
        return await self._nth("followup", index, timeout)

    async def original_edit(self, index: int = 0, timeout: float = 5.0) -> RecordedRequest:
        """The ``index``-th ``PATCH /webhooks/{app}/{token}/messages/@original``."""
        return await self._nth("edit", index, timeout)

    @property
    def acknowledged(self) -> bool:
        """Whether a callback was accepted."""
        state = self.server._interactions.get(self.token)
        return state is not None and state.callback_type is not None

    @property
    def original(self) -> JSONDict | None:
        """The current original response message, or None if there is none yet."""
        state = self.server._interactions.get(self.token)
        if state is None or state.original_id is None:
            return None
        return self.server.messages.get(state.original_id)

    @property
    def followups(self) -> list[JSONDict]:
        """The follow-up messages still stored, in the order they were sent."""
        state = self.server._interactions.get(self.token)
        if state is None:
            return []
        return [self.server.messages[mid] for mid in state.followup_ids if mid in self.server.messages]

    async def wait_original(self, timeout: float = 5.0) -> JSONDict:
        """The original response once it exists and is no longer a "thinking" placeholder."""

        def ready() -> bool:
            message = self.original
            return message is not None and not int(message.get("flags", 0)) & FLAG_LOADING

        await self.server.wait_until(ready, timeout, what=f"original response of {self!r}")
        original = self.original
        assert original is not None
        return original


class LocalDiscord:
    """Discord API v10 (REST + gateway) on 127.0.0.1, for the real discord.py client.

    One guild with one text channel, the @everyone role, one extra role and the bot's managed
    role; one human user (``user_id``) who owns the application. Use as an async context manager
    or call :meth:`start` / :meth:`stop`; point discord.py at it with :meth:`patch_discord`.
    """

    def __init__(
        self,
        *,
        bot_id: str | None = None,
        application_id: str | None = None,
        guild_id: str | None = None,
        channel_id: str | None = None,
        role_id: str | None = None,
        user_id: str | None = None,
        owner_id: str | None = None,
        bot_name: str = "newsbot",
        guild_name: str = "newsbot test guild",
        channel_name: str = "general",
        role_name: str = "Editors",
        bot_permissions: int = BOT_PERMISSIONS,
        token: str | None = None,
        heartbeat_interval_ms: int = 41_250,
        ack_heartbeats: bool = True,
        compress: bool = True,
        interaction_deadline: float = 3.0,
        echo_bot_messages: bool = True,
    ) -> None:
        """Ids default to fresh snowflakes; ``token=None`` accepts any token.

        ``compress=False`` sends plain text gateway frames even when the client asks for
        zlib-stream (discord.py accepts both). ``echo_bot_messages`` dispatches MESSAGE_CREATE /
        UPDATE / DELETE for the bot's own non-ephemeral messages, as Discord does.
        """
        self._ids = _Snowflakes()
        self.bot_id = bot_id or self._ids.next()
        self.application_id = application_id or self.bot_id
        self.guild_id = guild_id or self._ids.next()
        self.channel_id = channel_id or self._ids.next()
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
            self._role(self.guild_id, "@everyone", 0, EVERYONE_PERMISSIONS),
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
                "type": 0,
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
            }
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
        self._rate_limits: list[_RateLimitRule] = []
        self._interactions: dict[str, _Interaction] = {}
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Awaitable[_Reply]]]] = []
        self._register_routes()

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
        self._outbox: list[_Pending] = []
        self._live: _Live | None = None
        self._connections: list[_Live] = []
        self._gateway_lock = asyncio.Lock()
        self._changed = asyncio.Condition()

        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

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

    async def start(self) -> None:
        """Listen on an ephemeral port of 127.0.0.1."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._handle_gateway)
        app.router.add_get("/gateway-resume", self._handle_gateway)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self._handle_attachment)
        app.router.add_route("*", "/{tail:.*}", self._handle_rest)
        # A short shutdown timeout: a test's teardown should not wait on idle keep-alive sockets.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close gateway connections (1001, going away) and stop listening."""
        for live in list(self._connections):
            with contextlib.suppress(Exception):
                await live.ws.close(code=1001, message=b"server stopping")
        self._live = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalDiscord:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway here, restoring both on exit.

        Both are needed: a non-sharded discord.py 2.7 client never calls ``GET /gateway``.
        """
        import discord.gateway
        import discord.http
        import yarl

        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

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
            "channels": [c for c in self.channels.values() if c.get("guild_id") == self.guild_id],
            "threads": [],
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
    ) -> JSONDict:
        channel = self.channels.get(channel_id, {})
        content = payload.get("content") or ""
        message: JSONDict = {
            "id": self.next_id(),
            "type": message_type,
            "channel_id": channel_id,
            "author": author,
            "content": content,
            "timestamp": _now_iso(),
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
        return message

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
        message["edited_timestamp"] = _now_iso()

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

    @property
    def connected(self) -> bool:
        """Whether a client holds a live session (READY or RESUMED sent on an open socket)."""
        return self._live is not None

    async def wait_connected(self, timeout: float = 5.0) -> None:
        """Wait until a client holds a live session."""
        await self.wait_until(lambda: self._live is not None, timeout, what="a live gateway session")

    # ------------------------------------------------------------------ rate limits

    def rate_limit_next(
        self,
        route: str | RequestPredicate,
        retry_after: float = 0.3,
        count: int = 1,
        global_: bool = False,
        scope: Literal["user", "global", "shared"] | None = None,
    ) -> None:
        """Answer the next ``count`` matching requests with HTTP 429.

        ``route`` is a predicate, or a substring of ``"METHOD /path"`` (``"POST /channels/"``,
        ``"/callback"``).
        """
        if isinstance(route, str):
            needle = route

            def by_route(request: RecordedRequest) -> bool:
                return needle in request.route

            matches: RequestPredicate = by_route
        else:
            matches = route
        self._rate_limits.append(
            _RateLimitRule(matches, retry_after, count, global_, scope or ("global" if global_ else "user"))
        )

    def _rate_limited(self, request: RecordedRequest) -> _Reply | None:
        for rule in self._rate_limits:
            if rule.remaining > 0 and rule.matches(request):
                rule.remaining -= 1
                after = f"{rule.retry_after:.3f}"
                headers = {
                    "Retry-After": str(max(1, int(rule.retry_after + 0.999))),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + rule.retry_after:.3f}",
                    "X-RateLimit-Reset-After": after,
                    "X-RateLimit-Bucket": self._bucket(request),
                    "X-RateLimit-Scope": rule.scope,
                    # discord.py treats a 429 without Via as a Cloudflare ban and raises.
                    "Via": "1.1 google",
                }
                if rule.is_global:
                    headers["X-RateLimit-Global"] = "true"
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": rule.retry_after,
                    "global": rule.is_global,
                }
                return _Reply(429, body, headers)
        return None

    @staticmethod
    def _bucket(request: RecordedRequest) -> str:
        template = re.sub(r"/(interactions|webhooks)/(\d+)/[^/]+", r"/\1/{id}/{token}", request.path)
        template = re.sub(r"/\d+", "/{id}", template)
        return hashlib.sha1(f"{request.method} {template}".encode()).hexdigest()[:20]

    def _ordinary_rate_headers(self, request: RecordedRequest) -> dict[str, str]:
        # Generous numbers: discord.py only sleeps pre-emptively when Remaining reaches 0.
        return {
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "49",
            "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
            "X-RateLimit-Reset-After": "1.000",
            "X-RateLimit-Bucket": self._bucket(request),
        }

    # ------------------------------------------------------------------ REST plumbing

    def _register_routes(self) -> None:
        snow = r"(?P<{}>\d+)"
        token = r"(?P<token>[^/]+)"
        app = snow.format("app")
        table: list[tuple[str, str, Callable[..., Awaitable[_Reply]]]] = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/users/" + snow.format("user_id"), self._get_user),
            ("POST", "/users/@me/channels", self._create_dm),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("PUT", f"/applications/{app}/commands", self._put_commands),
            ("GET", f"/applications/{app}/commands", self._get_commands),
            ("POST", f"/applications/{app}/commands", self._post_command),
            (
                "PUT",
                f"/applications/{app}/guilds/" + snow.format("guild") + "/commands",
                self._put_commands,
            ),
            (
                "GET",
                f"/applications/{app}/guilds/" + snow.format("guild") + "/commands",
                self._get_commands,
            ),
            (
                "POST",
                f"/applications/{app}/guilds/" + snow.format("guild") + "/commands",
                self._post_command,
            ),
            ("GET", "/guilds/" + snow.format("guild"), self._get_guild),
            (
                "GET",
                "/guilds/" + snow.format("guild") + "/members/" + snow.format("user_id"),
                self._get_member,
            ),
            ("GET", "/channels/" + snow.format("channel"), self._get_channel),
            ("GET", "/channels/" + snow.format("channel") + "/messages", self._get_messages),
            ("POST", "/channels/" + snow.format("channel") + "/messages", self._post_message),
            (
                "GET",
                "/channels/" + snow.format("channel") + "/messages/" + snow.format("mid"),
                self._get_message,
            ),
            (
                "PATCH",
                "/channels/" + snow.format("channel") + "/messages/" + snow.format("mid"),
                self._patch_message,
            ),
            (
                "DELETE",
                "/channels/" + snow.format("channel") + "/messages/" + snow.format("mid"),
                self._delete_message,
            ),
            (
                "PUT",
                "/channels/"
                + snow.format("channel")
                + "/messages/"
                + snow.format("mid")
                + r"/reactions/(?P<emoji>[^/]+)/@me",
                self._put_reaction,
            ),
            ("POST", "/channels/" + snow.format("channel") + "/typing", self._typing),
            ("POST", "/interactions/" + snow.format("iid") + f"/{token}/callback", self._callback),
            ("POST", f"/webhooks/{app}/{token}", self._webhook_execute),
            ("GET", f"/webhooks/{app}/{token}/messages/(?P<mid>@original|\\d+)", self._webhook_get),
            (
                "PATCH",
                f"/webhooks/{app}/{token}/messages/(?P<mid>@original|\\d+)",
                self._webhook_edit,
            ),
            (
                "DELETE",
                f"/webhooks/{app}/{token}/messages/(?P<mid>@original|\\d+)",
                self._webhook_delete,
            ),
        ]
        self._routes = [(method, re.compile(f"^{pattern}$"), handler) for method, pattern, handler in table]

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        content_type = request.content_type
        if content_type == "multipart/form-data":
            payload: Any = None
            files: list[UploadedFile] = []
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    if name == "payload_json":
                        payload = json.loads(data)
                    else:
                        files.append(UploadedFile(name, value.filename, value.content_type, data))
                elif name == "payload_json":
                    payload = json.loads(value if isinstance(value, str) else bytes(value))
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        if content_type == "application/json":
            return json.loads(raw), []
        return raw.decode("utf-8", "replace"), []

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        api_path = path[len(API_PREFIX) :] if path.startswith(API_PREFIX + "/") else path
        try:
            body, files = await self._read_body(request)
        except (ValueError, UnicodeDecodeError):
            body, files = None, []
        wanted = ("Content-Type", "Authorization", "User-Agent", "X-Audit-Log-Reason")
        record = RecordedRequest(
            index=len(self.requests),
            method=request.method,
            path=api_path,
            query=dict(request.query),
            json=body,
            headers={h: request.headers[h] for h in wanted if h in request.headers},
            time=time.monotonic(),
            files=files,
        )
        self.requests.append(record)
        try:
            reply = await self._route(record, api_path, path.startswith(API_PREFIX + "/"))
        except Exception as exc:  # a bug in this fake must surface, not hang a test
            _log.exception("LocalDiscord failed on %s", record.route)
            self.internal_errors.append(f"{record.route}: {exc!r}")
            # 503 is not in discord.py's retry set (500/502/504/524), so the client fails fast.
            reply = _error(503, 0, f"LocalDiscord internal error: {exc!r}")
        record.status = reply.status
        record.response = reply.body
        await self._notify()
        headers = dict(reply.headers)
        if reply.status != 429:
            headers.update(self._ordinary_rate_headers(record))
        if reply.body is None:
            return web.Response(status=reply.status, headers=headers)
        # Exactly "application/json": discord.http.json_or_text parses nothing else.
        headers["Content-Type"] = "application/json"
        return web.Response(status=reply.status, body=_json_bytes(reply.body), headers=headers)

    async def _route(self, record: RecordedRequest, api_path: str, under_api: bool) -> _Reply:
        if not under_api:
            record.unhandled = True
            return _not_found()
        is_webhook = api_path.startswith(("/webhooks/", "/interactions/"))
        auth = record.headers.get("Authorization", "")
        if not is_webhook and (not auth.startswith("Bot ") or (self.token is not None and auth != f"Bot {self.token}")):
            return _error(401, 0, "401: Unauthorized")
        limited = self._rate_limited(record)
        if limited is not None:
            return limited
        for method, pattern, handler in self._routes:
            m = pattern.match(api_path)
            if m is not None and method == record.method:
                return await handler(record, **m.groupdict())
        record.unhandled = True
        return _not_found()

    async def _handle_attachment(self, request: web.Request) -> web.StreamResponse:
        data = self.attachments.get(request.match_info["attachment_id"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    # ---------------------------------------------------------- REST handlers: users, app, commands

    async def _get_me(self, record: RecordedRequest) -> _Reply:
        return _Reply(
            200,
            {
                **self.bot_user,
                "verified": True,
                "mfa_enabled": False,
                "email": None,
                "locale": "en-US",
            },
        )

    async def _get_user(self, record: RecordedRequest, user_id: str) -> _Reply:
        if user_id not in self.users:
            return _error(404, 10013, "Unknown User")
        return _Reply(200, self.users[user_id])

    async def _create_dm(self, record: RecordedRequest) -> _Reply:
        recipient = str((record.json or {}).get("recipient_id", ""))
        if recipient not in self.users:
            return _error(400, 50035, "Invalid Form Body")
        return _Reply(200, self.dm_channel(recipient))

    async def _get_gateway(self, record: RecordedRequest) -> _Reply:
        return _Reply(200, {"url": self.gateway_url})

    async def _get_gateway_bot(self, record: RecordedRequest) -> _Reply:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return _Reply(200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _get_application(self, record: RecordedRequest) -> _Reply:
        return _Reply(
            200,
            {
                "id": self.application_id,
                "name": self.bot_user["username"],
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "hook": True,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": self.user(self.owner_id),
                "team": None,
                "flags": 0,
                "bot": self.bot_user,
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "integration_types_config": {"0": {}},
                "approximate_guild_count": 1,
            },
        )

    def _wrong_app(self, app: str) -> _Reply | None:
        if app != self.application_id:
            return _error(404, 10002, "Unknown Application")
        return None

    def _stored_command(self, command: Mapping[str, Any], guild: str | None) -> JSONDict:
        ctype = int(command.get("type", 1))
        key = (guild, str(command["name"]), ctype)
        if key not in self._command_ids:
            self._command_ids[key] = self.next_id()  # Discord keeps the id of a re-registered name
        stored: JSONDict = {
            "type": ctype,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            **command,
            "id": self._command_ids[key],
            "application_id": self.application_id,
            "version": self.next_id(),
        }
        if guild is not None:
            stored["guild_id"] = guild
        return stored

    async def _put_commands(self, record: RecordedRequest, app: str, guild: str | None = None) -> _Reply:
        wrong = self._wrong_app(app)
        if wrong is not None:
            return wrong
        if guild is not None and guild != self.guild_id:
            return _error(404, 10004, "Unknown Guild")
        commands = [self._stored_command(c, guild) for c in record.json or []]
        if guild is None:
            self.global_commands = commands
        else:
            self.guild_commands[guild] = commands
        return _Reply(200, commands)

    async def _get_commands(self, record: RecordedRequest, app: str, guild: str | None = None) -> _Reply:
        wrong = self._wrong_app(app)
        if wrong is not None:
            return wrong
        return _Reply(200, self.global_commands if guild is None else self.guild_commands.get(guild, []))

    async def _post_command(self, record: RecordedRequest, app: str, guild: str | None = None) -> _Reply:
        wrong = self._wrong_app(app)
        if wrong is not None:
            return wrong
        stored = self._stored_command(record.json or {}, guild)
        target = self.global_commands if guild is None else self.guild_commands.setdefault(guild, [])
        target[:] = [c for c in target if c["id"] != stored["id"]] + [stored]
        return _Reply(201, stored)

    # ---------------------------------------------------------- REST handlers: channels, messages

    async def _get_guild(self, record: RecordedRequest, guild: str) -> _Reply:
        if guild != self.guild_id:
            return _error(404, 10004, "Unknown Guild")
        data = self.guild()
        for key in (
            "members",
            "channels",
            "threads",
            "presences",
            "voice_states",
            "joined_at",
            "large",
        ):
            data.pop(key, None)
        return _Reply(200, data)

    async def _get_member(self, record: RecordedRequest, guild: str, user_id: str) -> _Reply:
        if guild != self.guild_id:
            return _error(404, 10004, "Unknown Guild")
        if user_id not in self.member_roles and user_id not in self.users:
            return _error(404, 10007, "Unknown Member")
        return _Reply(200, self.member(user_id))

    async def _get_channel(self, record: RecordedRequest, channel: str) -> _Reply:
        if channel not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        return _Reply(200, self.channels[channel])

    def _channel_messages(self, channel: str) -> list[JSONDict]:
        found = [m for m in self.messages.values() if m["channel_id"] == channel and not m["flags"] & FLAG_EPHEMERAL]
        return sorted(found, key=lambda m: int(m["id"]), reverse=True)

    async def _get_messages(self, record: RecordedRequest, channel: str) -> _Reply:
        if channel not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        limit = int(record.query.get("limit", "50"))
        found = self._channel_messages(channel)
        if "before" in record.query:
            found = [m for m in found if int(m["id"]) < int(record.query["before"])]
        if "after" in record.query:
            found = [m for m in found if int(m["id"]) > int(record.query["after"])]
        return _Reply(200, found[:limit])

    async def _get_message(self, record: RecordedRequest, channel: str, mid: str) -> _Reply:
        message = self.messages.get(mid)
        if message is None or message["channel_id"] != channel:
            return _error(404, 10008, "Unknown Message")
        return _Reply(200, message)

    def _invalid_body(self, payload: Mapping[str, Any], files: Sequence[UploadedFile], *, edit: bool) -> _Reply | None:
        errors = message_form_errors(payload)
        if errors:
            return _error(400, 50035, "Invalid Form Body", errors)
        if not edit and _is_empty_message(payload, files):
            return _error(400, 50006, "Cannot send an empty message")
        return None

    async def _post_message(self, record: RecordedRequest, channel: str) -> _Reply:
        if channel not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        payload = record.json if isinstance(record.json, dict) else {}
        invalid = self._invalid_body(payload, record.files, edit=False)
        if invalid is not None:
            return invalid
        extra: JSONDict = {}
        message_type = 0
        reference = payload.get("message_reference")
        if isinstance(reference, dict) and reference.get("message_id"):
            referenced = self.messages.get(str(reference["message_id"]))
            if referenced is None and reference.get("fail_if_not_exists", True):
                errors = _FormErrors()
                errors.add(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
                return _error(400, 50035, "Invalid Form Body", errors.tree)
            message_type = 19
            extra["message_reference"] = {
                "type": 0,
                "message_id": str(reference["message_id"]),
                "channel_id": str(reference.get("channel_id") or channel),
                "guild_id": self.channels[channel].get("guild_id"),
            }
            extra["referenced_message"] = self._one_level(referenced)
        message = self._new_message(
            channel, self.bot_user, payload, record.files, message_type=message_type, extra=extra
        )
        await self._echo("MESSAGE_CREATE", message)
        return _Reply(200, message)

    async def _patch_message(self, record: RecordedRequest, channel: str, mid: str) -> _Reply:
        message = self.messages.get(mid)
        if message is None or message["channel_id"] != channel:
            return _error(404, 10008, "Unknown Message")
        if message["author"]["id"] != self.bot_id:
            return _error(403, 50005, "Cannot edit a message authored by another user")
        payload = record.json if isinstance(record.json, dict) else {}
        invalid = self._invalid_body(payload, record.files, edit=True)
        if invalid is not None:
            return invalid
        self._apply_edit(message, payload, record.files)
        await self._echo("MESSAGE_UPDATE", message)
        return _Reply(200, message)

    async def _delete_message(self, record: RecordedRequest, channel: str, mid: str) -> _Reply:
        message = self.messages.get(mid)
        if message is None or message["channel_id"] != channel:
            return _error(404, 10008, "Unknown Message")
        await self._remove_message(message)
        return _Reply(204)

    async def _remove_message(self, message: JSONDict) -> None:
        del self.messages[message["id"]]
        data = {"id": message["id"], "channel_id": message["channel_id"]}
        if "guild_id" in message:
            data["guild_id"] = message["guild_id"]
        await self._echo("MESSAGE_DELETE", message, data)

    async def _put_reaction(self, record: RecordedRequest, channel: str, mid: str, emoji: str) -> _Reply:
        message = self.messages.get(mid)
        if message is None or message["channel_id"] != channel:
            return _error(404, 10008, "Unknown Message")
        name, _, emoji_id = emoji.partition(":")
        for reaction in message["reactions"]:
            if reaction["emoji"]["name"] == name:
                reaction["me"] = True
                break
        else:
            message["reactions"].append(
                {
                    "count": 1,
                    "me": True,
                    "emoji": {"id": emoji_id or None, "name": name},
                    "burst_colors": [],
                }
            )
        return _Reply(204)

    async def _typing(self, record: RecordedRequest, channel: str) -> _Reply:
        if channel not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        return _Reply(204)

    async def _echo(self, event: str, message: JSONDict, data: JSONDict | None = None) -> None:
        """Dispatch the gateway event Discord sends for the bot's own (non-ephemeral) message."""
        if not self.echo_bot_messages or int(message.get("flags", 0)) & FLAG_EPHEMERAL:
            return
        payload = data if data is not None else dict(message)
        if data is None and "guild_id" in message:
            payload["member"] = {k: v for k, v in self.member(self.bot_id).items() if k != "user"}
        await self._dispatch(event, payload, self._message_intent(message["channel_id"]))

    def _message_intent(self, channel_id: str) -> int:
        is_dm = self.channels.get(channel_id, {}).get("type") == 1
        return INTENT_DIRECT_MESSAGES if is_dm else INTENT_GUILD_MESSAGES

    # ---------------------------------------------------------- REST handlers: interactions

    def _interaction_message(
        self, ix: _Interaction, payload: Mapping[str, Any], files: Sequence[UploadedFile]
    ) -> JSONDict:
        metadata: JSONDict = {
            "id": ix.id,
            "type": ix.type,
            "user": ix.user,
            "authorizing_integration_owners": {"0": ix.guild_id} if ix.guild_id else {"1": ix.user["id"]},
        }
        if ix.name is not None:
            metadata["name"] = ix.name
            metadata["command_type"] = 1
        if ix.source_message_id is not None:
            metadata["interacted_message_id"] = ix.source_message_id
        if ix.original_id is not None:
            metadata["original_response_message_id"] = ix.original_id
        extra = {
            "webhook_id": self.application_id,
            "application_id": self.application_id,
            "interaction_metadata": metadata,
        }
        message_type = 20 if ix.type == INTERACTION_APPLICATION_COMMAND else 0
        return self._new_message(ix.channel_id, self.bot_user, payload, files, message_type=message_type, extra=extra)

    async def _callback(self, record: RecordedRequest, iid: str, token: str) -> _Reply:
        ix = self._interactions.get(token)
        if ix is None or ix.id != iid:
            return _error(404, 10062, "Unknown interaction")
        if ix.callback_type is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() - ix.created_at > self.interaction_deadline:
            return _error(404, 10062, "Unknown interaction")
        body = record.json if isinstance(record.json, dict) else {}
        ctype = body.get("type")
        raw_data = body.get("data")
        data: JSONDict = raw_data if isinstance(raw_data, dict) else {}
        allowed = {
            INTERACTION_APPLICATION_COMMAND: {
                CALLBACK_CHANNEL_MESSAGE,
                CALLBACK_DEFERRED_CHANNEL_MESSAGE,
                CALLBACK_MODAL,
            },
            INTERACTION_MESSAGE_COMPONENT: {
                CALLBACK_CHANNEL_MESSAGE,
                CALLBACK_DEFERRED_CHANNEL_MESSAGE,
                CALLBACK_DEFERRED_UPDATE_MESSAGE,
                CALLBACK_UPDATE_MESSAGE,
                CALLBACK_MODAL,
            },
            INTERACTION_AUTOCOMPLETE: {CALLBACK_AUTOCOMPLETE_RESULT},
            INTERACTION_MODAL_SUBMIT: {
                CALLBACK_CHANNEL_MESSAGE,
                CALLBACK_DEFERRED_CHANNEL_MESSAGE,
                CALLBACK_DEFERRED_UPDATE_MESSAGE,
                CALLBACK_UPDATE_MESSAGE,
            },
            INTERACTION_PING: {CALLBACK_PONG},
        }
        if ctype not in allowed.get(ix.type, set()):
            errors = _FormErrors()
            errors.add(
                ("type",),
                "INTERACTION_RESPONSE_TYPE_INVALID",
                "Interaction response type is invalid here.",
            )
            return _error(400, 50035, "Invalid Form Body", errors.tree)
        if ctype in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            errors_tree = message_form_errors(data, ("data",))
            if errors_tree:
                return _error(400, 50035, "Invalid Form Body", errors_tree)
            if ctype == CALLBACK_CHANNEL_MESSAGE and _is_empty_message(data, record.files):
                return _error(400, 50006, "Cannot send an empty message")

        message: JSONDict | None = None
        if ctype == CALLBACK_CHANNEL_MESSAGE:
            message = self._interaction_message(ix, data, record.files)
            ix.original_id = message["id"]
            await self._echo("MESSAGE_CREATE", message)
        elif ctype == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
            flags = FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL)
            message = self._interaction_message(ix, {"content": "", "flags": flags}, ())
            ix.original_id = message["id"]
            await self._echo("MESSAGE_CREATE", message)
        elif ctype in (CALLBACK_DEFERRED_UPDATE_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            ix.original_id = ix.source_message_id
            message = self.messages.get(ix.source_message_id or "")
            if ctype == CALLBACK_UPDATE_MESSAGE and message is not None:
                self._apply_edit(message, data, record.files)
                await self._echo("MESSAGE_UPDATE", message)
        ix.callback_type = ctype

        if not _truthy(record.query.get("with_response")):
            return _Reply(204)
        interaction: JSONDict = {"id": ix.id, "type": ix.type}
        resource: JSONDict = {"type": ctype}
        if message is not None:
            interaction["response_message_id"] = message["id"]
            interaction["response_message_loading"] = bool(int(message["flags"]) & FLAG_LOADING)
            interaction["response_message_ephemeral"] = bool(int(message["flags"]) & FLAG_EPHEMERAL)
            if ctype != CALLBACK_DEFERRED_UPDATE_MESSAGE:
                resource["message"] = message
        return _Reply(200, {"interaction": interaction, "resource": resource})

    def _webhook_interaction(self, app: str, token: str) -> _Interaction | _Reply:
        ix = self._interactions.get(token)
        if app != self.application_id or ix is None or ix.callback_type is None:
            # Discord only opens the interaction webhook once the interaction is acknowledged.
            return _error(404, 10015, "Unknown Webhook")
        return ix

    def _webhook_message(self, ix: _Interaction, mid: str) -> JSONDict | _Reply:
        message_id = ix.original_id if mid == "@original" else mid
        if message_id is None or message_id not in self.messages:
            return _error(404, 10008, "Unknown Message")
        if message_id != ix.original_id and message_id not in ix.followup_ids:
            return _error(404, 10008, "Unknown Message")
        return self.messages[message_id]

    async def _webhook_execute(self, record: RecordedRequest, app: str, token: str) -> _Reply:
        ix = self._webhook_interaction(app, token)
        if isinstance(ix, _Reply):
            return ix
        payload = record.json if isinstance(record.json, dict) else {}
        invalid = self._invalid_body(payload, record.files, edit=False)
        if invalid is not None:
            return invalid
        original = self.messages.get(ix.original_id or "")
        if (
            ix.callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE
            and original is not None
            and int(original["flags"]) & FLAG_LOADING
        ):
            # Discord: the first follow-up after a "thinking" deferral replaces the loading
            # message, keeping the deferral's ephemerality.
            self._apply_edit(original, {k: v for k, v in payload.items() if k != "flags"}, record.files)
            message = original
            await self._echo("MESSAGE_UPDATE", message)
        else:
            message = self._interaction_message(ix, payload, record.files)
            ix.followup_ids.append(message["id"])
            await self._echo("MESSAGE_CREATE", message)
        if not _truthy(record.query.get("wait")):
            return _Reply(204)
        return _Reply(200, message)

    async def _webhook_get(self, record: RecordedRequest, app: str, token: str, mid: str) -> _Reply:
        ix = self._webhook_interaction(app, token)
        if isinstance(ix, _Reply):
            return ix
        message = self._webhook_message(ix, mid)
        return message if isinstance(message, _Reply) else _Reply(200, message)

    async def _webhook_edit(self, record: RecordedRequest, app: str, token: str, mid: str) -> _Reply:
        ix = self._webhook_interaction(app, token)
        if isinstance(ix, _Reply):
            return ix
        message = self._webhook_message(ix, mid)
        if isinstance(message, _Reply):
            return message
        payload = record.json if isinstance(record.json, dict) else {}
        invalid = self._invalid_body(payload, record.files, edit=True)
        if invalid is not None:
            return invalid
        self._apply_edit(message, payload, record.files)
        await self._echo("MESSAGE_UPDATE", message)
        return _Reply(200, message)

    async def _webhook_delete(self, record: RecordedRequest, app: str, token: str, mid: str) -> _Reply:
        ix = self._webhook_interaction(app, token)
        if isinstance(ix, _Reply):
            return ix
        message = self._webhook_message(ix, mid)
        if isinstance(message, _Reply):
            return message
        await self._remove_message(message)
        return _Reply(204)

    # ------------------------------------------------------------------ gateway

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        query = dict(request.query)
        compress = query.get("compress") if self.compress else None
        info = GatewayConnection(len(self.gateway_connections), request.path, query, compress, time.monotonic())
        self.gateway_connections.append(info)
        # zlib-stream: one deflate stream per connection, each payload ending in a Z_SYNC_FLUSH
        # (discord.py buffers binary frames until it sees the 00 00 ff ff suffix).
        compressor = zlib.compressobj() if compress == "zlib-stream" else None
        live = _Live(info, ws, request, compressor)
        self._connections.append(live)
        try:
            await self._send(live, {"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    payload = json.loads(msg.data)
                elif msg.type is WSMsgType.BINARY:
                    payload = json.loads(msg.data.decode("utf-8"))
                else:
                    break
                await self._on_gateway_payload(live, payload)
        except ConnectionResetError:
            pass  # the client vanished; the finally block records the close
        finally:
            info.closed_at = time.monotonic()
            info.close_code = ws.close_code
            if self._live is live:
                self._live = None
            if live in self._connections:
                self._connections.remove(live)
            with contextlib.suppress(Exception):
                await self._notify()
        return ws

    async def _send(self, live: _Live, frame: JSONDict) -> bool:
        raw = json.dumps(frame, separators=(",", ":"))
        async with live.send_lock:
            if live.ws.closed:
                return False
            try:
                if live.compressor is not None:
                    data = live.compressor.compress(raw.encode("utf-8")) + live.compressor.flush(zlib.Z_SYNC_FLUSH)
                    await live.ws.send_bytes(data)
                else:
                    await live.ws.send_str(raw)
            except (ConnectionResetError, RuntimeError):
                return False
        return True

    async def _on_gateway_payload(self, live: _Live, payload: JSONDict) -> None:
        op = int(payload.get("op", -1))
        data = payload.get("d")
        self.gateway_frames.append(GatewayFrame(len(self.gateway_frames), live.info.index, op, data, time.monotonic()))
        if op == OP_HEARTBEAT:
            self.heartbeats.append(time.monotonic())
            if self.ack_heartbeats:
                await self._send(live, {"op": OP_HEARTBEAT_ACK})
        elif op == OP_IDENTIFY:
            await self._identify(live, data or {})
        elif op == OP_RESUME:
            await self._resume(live, data or {})
        elif op == OP_REQUEST_GUILD_MEMBERS:
            await self._send_member_chunk(live, data or {})
        await self._notify()

    def _token_ok(self, token: Any) -> bool:
        return self.token is None or token == self.token

    async def _identify(self, live: _Live, data: JSONDict) -> None:
        self.identifies += 1
        if not self._token_ok(data.get("token")):
            await live.ws.close(code=4004, message=b"Authentication failed.")
            return
        async with self._gateway_lock:
            self.intents = int(data.get("intents", 0))
            self.session_id = secrets.token_hex(16)
            self._seq = 0
            self._log = []
            ready: JSONDict = {
                "v": 10,
                "user": {**self.bot_user, "verified": True, "mfa_enabled": False, "email": None},
                "guilds": [{"id": self.guild_id, "unavailable": True}],
                "session_id": self.session_id,
                "session_type": "normal",
                "resume_gateway_url": self.resume_gateway_url,
                "application": {"id": self.application_id, "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "_trace": ["localdiscord"],
            }
            if "shard" in data:
                ready["shard"] = data["shard"]
            await self._send_dispatch(live, "READY", ready)
            await self._send_dispatch(live, "GUILD_CREATE", self.guild())
            self._live = live
            await self._flush_outbox(live)

    async def _resume(self, live: _Live, data: JSONDict) -> None:
        self.resumes += 1
        async with self._gateway_lock:
            if (
                self.session_id is None
                or data.get("session_id") != self.session_id
                or not self._token_ok(data.get("token"))
            ):
                await self._send(live, {"op": OP_INVALID_SESSION, "d": False})
                return
            seq = int(data.get("seq") or 0)
            for frame in self._log:
                if frame["s"] > seq:
                    await self._send(live, frame)
            await self._flush_outbox(live)
            self._live = live
            await self._send_dispatch(live, "RESUMED", {})

    async def _send_member_chunk(self, live: _Live, data: JSONDict) -> None:
        members = [self.member(uid) for uid in self.member_roles]
        chunk: JSONDict = {
            "guild_id": str(data.get("guild_id", self.guild_id)),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        async with self._gateway_lock:
            await self._send_dispatch(live, "GUILD_MEMBERS_CHUNK", chunk)

    async def _send_dispatch(self, live: _Live, event: str, data: JSONDict) -> None:
        # Caller holds _gateway_lock, so sequence numbers go out in order.
        self._seq += 1
        frame = {"op": OP_DISPATCH, "t": event, "s": self._seq, "d": data}
        self._log.append(frame)
        self.dispatched.append(frame)
        await self._send(live, frame)

    async def _flush_outbox(self, live: _Live) -> None:
        pending, self._outbox = self._outbox, []
        for item in pending:
            data = self._apply_intents(item)
            if data is not None:
                await self._send_dispatch(live, item.event, data)

    def _apply_intents(self, item: _Pending) -> JSONDict | None:
        """What Discord would deliver of this event under the identified intents (None: nothing)."""
        intents = self.intents
        if intents is None or item.intent is None:
            return item.data
        if not intents & item.intent:
            self.suppressed.append({"t": item.event, "d": item.data, "reason": "intent"})
            return None
        data = item.data
        if item.event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and not intents & INTENT_MESSAGE_CONTENT:
            author_id = (data.get("author") or {}).get("id")
            mentioned = any(u.get("id") == self.bot_id for u in data.get("mentions") or [])
            is_dm = "guild_id" not in data
            if author_id != self.bot_id and not mentioned and not is_dm:
                data = {**data, "content": "", "embeds": [], "attachments": [], "components": []}
        return data

    async def _dispatch(self, event: str, data: JSONDict, intent: int | None) -> None:
        async with self._gateway_lock:
            item = _Pending(event, data, intent)
            live = self._live
            if live is None or live.ws.closed:
                self._outbox.append(item)
                return
            shown = self._apply_intents(item)
            if shown is not None:
                await self._send_dispatch(live, event, shown)

    async def dispatch(self, event: str, data: JSONDict) -> None:
        """Send a gateway dispatch (``op 0``) now, or queue it until the client (re)connects.

        Queued dispatches follow the next READY/GUILD_CREATE or are replayed before RESUMED.
        """
        await self._dispatch(event, data, None)

    async def drop_gateway(self, code: int | None = 4000) -> None:
        """Close the client's websocket from the server side; the client should RESUME.

        ``code=None`` aborts the TCP connection without a close frame, like a network failure.
        """
        async with self._gateway_lock:
            live = self._live
            self._live = None
        if live is None:
            raise AssertionError("no live gateway connection to drop")
        if code is None:
            transport = live.request.transport
            if transport is not None:
                transport.abort()
        else:
            await live.ws.close(code=code, message=b"dropped by test")

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; with ``resumable=False`` the client must IDENTIFY again."""
        async with self._gateway_lock:
            live = self._live
            self._live = None
            if not resumable:
                self.session_id = None
        if live is None:
            raise AssertionError("no live gateway connection to invalidate")
        await self._send(live, {"op": OP_INVALID_SESSION, "d": resumable})

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT, as Discord does before moving a session; the client resumes."""
        async with self._gateway_lock:
            live = self._live
            self._live = None
        if live is None:
            raise AssertionError("no live gateway connection")
        await self._send(live, {"op": OP_RECONNECT, "d": None})

    # ------------------------------------------------------------------ driving the bot

    def _as_user(self, author: str | JSONDict | None) -> JSONDict:
        """A user id (default: the test user) or a user object, registered as known."""
        if author is None or isinstance(author, str):
            return self.user(author)
        return self.users.setdefault(str(author["id"]), author)

    @staticmethod
    def _one_level(message: JSONDict | None) -> JSONDict | None:
        # Discord nests a referenced message one level deep only.
        if message is None:
            return None
        return {k: v for k, v in message.items() if k != "referenced_message"}

    def create_message(
        self,
        content: str = "",
        *,
        author: str | JSONDict | None = None,
        channel_id: str | None = None,
        embeds: Sequence[JSONDict] = (),
        components: Sequence[JSONDict] = (),
    ) -> JSONDict:
        """Store a message without dispatching it: history from before the test (default author:
        the bot, e.g. a message whose persistent-view buttons a test then clicks)."""
        user = self.bot_user if author is None else self._as_user(author)
        payload = {"content": content, "embeds": list(embeds), "components": list(components)}
        return self._new_message(channel_id or self.channel_id, user, payload)

    async def send_message(
        self,
        content: str,
        author: str | JSONDict | None = None,
        *,
        mentions_bot: bool = False,
        channel_id: str | None = None,
        roles: Iterable[str] | None = None,
        reference: str | None = None,
    ) -> JSONDict:
        """A user posts a message: MESSAGE_CREATE, filtered by the bot's intents like Discord.

        ``mentions_bot`` prefixes ``<@botid>`` (so ``mentions`` holds the bot); any ``<@id>`` of
        a known user in ``content`` is a mention too. Returns the full message as stored.
        """
        user = self._as_user(author)
        mention = f"<@{self.bot_id}>"
        if mentions_bot and mention not in content:
            content = f"{mention} {content}"
        channel = channel_id or self.channel_id
        if channel not in self.channels:
            raise ValueError(f"unknown channel {channel}")
        extra: JSONDict = {}
        message_type = 0
        if reference is not None:
            message_type = 19
            extra["message_reference"] = {"type": 0, "message_id": reference, "channel_id": channel}
            extra["referenced_message"] = self._one_level(self.messages.get(reference))
        message = self._new_message(
            channel,
            user,
            {"content": content, "allowed_mentions": {"parse": ["users", "roles", "everyone"]}},
            message_type=message_type,
            extra=extra,
        )
        event = dict(message)
        if "guild_id" in message:
            member = self.member(user["id"], roles=roles)
            event["member"] = {k: v for k, v in member.items() if k != "user"}
        await self._dispatch("MESSAGE_CREATE", event, self._message_intent(channel))
        return message

    def _find_command(self, name: str) -> tuple[JSONDict | None, str | None]:
        for command in self.guild_commands.get(self.guild_id, []):
            if command["name"] == name and command.get("type", 1) == 1:
                return command, self.guild_id
        for command in self.global_commands:
            if command["name"] == name and command.get("type", 1) == 1:
                return command, None
        return None, None

    @staticmethod
    def _python_option_type(value: Any) -> int:
        if isinstance(value, bool):
            return OPTION_BOOLEAN
        if isinstance(value, int):
            return OPTION_INTEGER
        if isinstance(value, float):
            return OPTION_NUMBER
        return OPTION_STRING

    def _resolve_option(self, option_type: int, value: Any, resolved: JSONDict) -> Any:
        """Fill ``resolved`` for user/channel/role options, as Discord does; return the value."""
        if option_type in (OPTION_USER, OPTION_MENTIONABLE) and str(value) in self.users:
            uid = str(value)
            resolved.setdefault("users", {})[uid] = self.users[uid]
            member = {k: v for k, v in self.member(uid).items() if k != "user"}
            member["permissions"] = str(EVERYONE_PERMISSIONS)
            resolved.setdefault("members", {})[uid] = member
            return uid
        if option_type in (OPTION_ROLE, OPTION_MENTIONABLE):
            role = next((r for r in self.roles if r["id"] == str(value)), None)
            if role is not None:
                resolved.setdefault("roles", {})[role["id"]] = role
                return role["id"]
        if option_type == OPTION_CHANNEL and str(value) in self.channels:
            channel = self.channels[str(value)]
            partial: JSONDict = {k: channel[k] for k in ("id", "type", "name", "guild_id") if k in channel}
            partial["permissions"] = str(self.bot_permissions)
            resolved.setdefault("channels", {})[channel["id"]] = partial
            return channel["id"]
        return value

    def _options(
        self,
        options: Mapping[str, Any] | Sequence[JSONDict] | None,
        declared: Sequence[JSONDict],
        resolved: JSONDict,
    ) -> list[JSONDict]:
        if options is None:
            return []
        if not isinstance(options, Mapping):
            return [dict(o) for o in options]  # raw option objects, sent as given
        by_name = {o["name"]: o for o in declared}
        result = []
        for name, value in options.items():
            decl = by_name.get(name)
            option_type = int(decl["type"]) if decl else self._python_option_type(value)
            sent = self._resolve_option(option_type, value, resolved)
            result.append({"name": name, "type": option_type, "value": sent})
        return result

    def _interaction_base(
        self,
        itype: int,
        *,
        user_id: str | None,
        permissions: int,
        roles: Iterable[str],
        guild: bool,
        channel_id: str | None,
        locale: str,
    ) -> tuple[JSONDict, JSONDict, str | None, str]:
        user = self.user(user_id)
        iid = self.next_id()
        token = f"ix.{iid}.{secrets.token_urlsafe(24)}"
        payload: JSONDict = {
            "id": iid,
            "application_id": self.application_id,
            "type": itype,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "app_permissions": str(self.bot_permissions),
        }
        if guild:
            channel = self.channels[channel_id or self.channel_id]
            member = self.member(user["id"], roles=list(roles))
            member["permissions"] = str(permissions)
            payload.update(
                guild_id=self.guild_id,
                guild={"id": self.guild_id, "locale": "en-US", "features": []},
                guild_locale="en-US",
                channel=channel,
                channel_id=channel["id"],
                member=member,
                authorizing_integration_owners={"0": self.guild_id},
                context=0,
            )
            guild_id: str | None = self.guild_id
        else:
            channel = self.channels[channel_id] if channel_id else self.dm_channel(user["id"])
            payload.update(
                channel=channel,
                channel_id=channel["id"],
                user=user,
                authorizing_integration_owners={"0": self.guild_id},
                context=1,
            )
            guild_id = None
        return payload, user, guild_id, channel["id"]

    async def _start_interaction(
        self,
        payload: JSONDict,
        user: JSONDict,
        guild_id: str | None,
        name: str | None,
        source_message_id: str | None = None,
    ) -> InteractionHandle:
        self._interactions[payload["token"]] = _Interaction(
            id=payload["id"],
            token=payload["token"],
            type=payload["type"],
            created_at=time.monotonic(),
            channel_id=payload["channel_id"],
            guild_id=guild_id,
            user=user,
            name=name,
            source_message_id=source_message_id,
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return InteractionHandle(self, payload)

    async def slash(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[JSONDict] | None = None,
        *,
        user_id: str | None = None,
        permissions: int = 0,
        roles: Iterable[str] = (),
        guild: bool = True,
        subcommand: str | None = None,
        channel_id: str | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """A user runs ``/name`` (INTERACTION_CREATE type 2); returns a handle to await the answer.

        Option types come from the registered commands (``PUT .../commands``) when known, else
        from the Python values. ``subcommand`` is ``"sub"`` or ``"group sub"``. ``permissions``
        is the member's resolved permission integer.
        """
        command, command_guild = self._find_command(name)
        declared: list[JSONDict] = list(command.get("options") or []) if command else []
        resolved: JSONDict = {}
        path = subcommand.split() if subcommand else []
        # Walk down the declared tree for subcommand groups / subcommands.
        chain: list[tuple[str, int]] = []
        for part in path:
            decl = next((o for o in declared if o["name"] == part), None)
            part_type = (
                int(decl["type"]) if decl else (OPTION_SUB_COMMAND if part == path[-1] else OPTION_SUB_COMMAND_GROUP)
            )
            chain.append((part, part_type))
            declared = list(decl.get("options") or []) if decl else []
        leaf = self._options(options, declared, resolved)
        for part, part_type in reversed(chain):
            leaf = [{"name": part, "type": part_type, "options": leaf}]
        data: JSONDict = {
            "id": command["id"] if command else self.next_id(),
            "name": name,
            "type": 1,
            "options": leaf,
        }
        if command_guild is not None:
            data["guild_id"] = command_guild
        if resolved:
            data["resolved"] = resolved
        payload, user, guild_id, _ = self._interaction_base(
            INTERACTION_APPLICATION_COMMAND,
            user_id=user_id,
            permissions=permissions,
            roles=roles,
            guild=guild,
            channel_id=channel_id,
            locale=locale,
        )
        payload["data"] = data
        return await self._start_interaction(payload, user, guild_id, name)

    async def click(
        self,
        message: JSONDict | str | InteractionHandle,
        custom_id: str,
        *,
        user_id: str | None = None,
        permissions: int = 0,
        roles: Iterable[str] = (),
        component_type: int = 2,
        values: Sequence[str] | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """A user clicks a component of a message (INTERACTION_CREATE type 3).

        ``message`` is a message dict, its id, or an interaction handle (its original response).
        The dispatched ``message`` is the stored current version, as discord.py routes the click
        to the View registered for that message id and custom_id.
        """
        if isinstance(message, InteractionHandle):
            original = message.original
            if original is None:
                raise ValueError(f"{message!r} has no original response to click on")
            message = original
        message_id = message if isinstance(message, str) else str(message["id"])
        stored = self.messages.get(message_id)
        if stored is None:
            if isinstance(message, str):
                raise ValueError(f"unknown message {message_id}")
            stored = message
        channel_id = str(stored["channel_id"])
        payload, user, guild_id, _ = self._interaction_base(
            INTERACTION_MESSAGE_COMPONENT,
            user_id=user_id,
            permissions=permissions,
            roles=roles,
            guild="guild_id" in stored,
            channel_id=channel_id,
            locale=locale,
        )
        data: JSONDict = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        payload["data"] = data
        payload["message"] = stored
        return await self._start_interaction(payload, user, guild_id, None, source_message_id=message_id)
