"""The test-driver API: what a test calls to act as Discord's users and to wait for the bot."""

# ruff: noqa: ASYNC109

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

from .core import (
    Core,
    InteractionState,
    RateLimitRule,
    RecordedRequest,
    RequestPredicate,
)
from .gateway import OP_INVALID_SESSION, OP_RECONNECT
from .limits import (
    ATTACHMENT_SIZE_LIMIT,
    CHANNEL_GUILD_FORUM,
    COMMAND_CHAT_INPUT,
    COMMAND_MESSAGE,
    EVERYONE_PERMISSIONS,
    FLAG_LOADING,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_MESSAGE_COMPONENT,
    MAX_THREAD_NAME,
    MESSAGE_DEFAULT,
    MESSAGE_REPLY,
    MIN_THREAD_NAME,
    OPTION_BOOLEAN,
    OPTION_CHANNEL,
    OPTION_INTEGER,
    OPTION_MENTIONABLE,
    OPTION_NUMBER,
    OPTION_ROLE,
    OPTION_STRING,
    OPTION_SUB_COMMAND,
    OPTION_SUB_COMMAND_GROUP,
    OPTION_USER,
    THREAD_TYPES,
    JSONDict,
)


class InteractionHandle:
    """A dispatched interaction, to await how the bot answered it.

    The interaction token is unique, so every wait here matches only this interaction's
    requests, whenever they arrived: no marks needed, no races.
    """

    def __init__(self, server: Core, payload: JSONDict) -> None:
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


class DriverMixin(Core):
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
            RateLimitRule(matches, retry_after, count, global_, scope or ("global" if global_ else "user"))
        )

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

    @property
    def threads(self) -> dict[str, JSONDict]:
        """The threads created so far (forum posts included), by id; each is a channel object."""
        return {cid: c for cid, c in self.channels.items() if c["type"] in THREAD_TYPES}

    async def _user_message(
        self,
        channel: str,
        user: JSONDict,
        content: str,
        *,
        roles: Iterable[str] | None,
        message_type: int = MESSAGE_DEFAULT,
        extra: JSONDict | None = None,
        message_id: str | None = None,
    ) -> JSONDict:
        """Store a member's message and dispatch its MESSAGE_CREATE (filtered by intents)."""
        message = self._new_message(
            channel,
            user,
            {"content": content, "allowed_mentions": {"parse": ["users", "roles", "everyone"]}},
            message_type=message_type,
            extra=extra,
            message_id=message_id,
        )
        event = dict(message)
        if "guild_id" in message:
            member = self.member(user["id"], roles=roles)
            event["member"] = {k: v for k, v in member.items() if k != "user"}
        await self._dispatch("MESSAGE_CREATE", event, self._message_intent(channel))
        return message

    async def send_message(
        self,
        content: str,
        author: str | JSONDict | None = None,
        *,
        mentions_bot: bool = False,
        channel_id: str | None = None,
        roles: Iterable[str] | None = None,
        reference: str | None = None,
        mention_reply: bool = True,
    ) -> JSONDict:
        """A user posts a message: MESSAGE_CREATE, filtered by the bot's intents like Discord.

        ``mentions_bot`` prefixes ``<@botid>`` (so ``mentions`` holds the bot); any ``<@id>`` of
        a known user in ``content`` is a mention too. ``channel_id`` may be a thread's id.
        ``reference`` makes it a reply (type 19) to that message; with ``mention_reply`` (the
        Discord client's default "@ ON") the replied-to author is mentioned too, so a reply to
        the bot reaches it with its content even without the MESSAGE_CONTENT intent. Returns
        the full message as stored.
        """
        user = self._as_user(author)
        mention = f"<@{self.bot_id}>"
        if mentions_bot and mention not in content:
            content = f"{mention} {content}"
        channel = channel_id or self.channel_id
        if channel not in self.channels:
            raise ValueError(f"unknown channel {channel}")
        if self.channels[channel]["type"] == CHANNEL_GUILD_FORUM:
            raise ValueError("members cannot post in a forum channel itself: use create_forum_post()")
        extra: JSONDict = {}
        message_type = MESSAGE_DEFAULT
        if reference is not None:
            message_type = MESSAGE_REPLY
            referenced = self.messages.get(reference)
            extra["message_reference"] = {"type": 0, "message_id": reference, "channel_id": channel}
            if "guild_id" in self.channels[channel]:
                extra["message_reference"]["guild_id"] = self.channels[channel]["guild_id"]
            extra["referenced_message"] = self._one_level(referenced)
            mentions = self._mentions_in(content)
            replied = referenced["author"] if referenced is not None else None
            if mention_reply and replied is not None and replied["id"] != user["id"]:
                if all(u["id"] != replied["id"] for u in mentions):
                    mentions.append(replied)
                extra["mentions"] = mentions
        return await self._user_message(channel, user, content, roles=roles, message_type=message_type, extra=extra)

    async def create_forum_post(
        self,
        title: str,
        content: str,
        author: str | JSONDict | None = None,
        *,
        forum_id: str | None = None,
        roles: Iterable[str] | None = None,
    ) -> JSONDict:
        """A member opens a forum post: THREAD_CREATE, then MESSAGE_CREATE of its starter message.

        As on Discord, the post is a public thread (type 11) of the forum channel (default
        :attr:`forum_id`) and the starter message (type 0) has the thread's id. Returns the
        thread channel object (also in :attr:`threads`).
        """
        user = self._as_user(author)
        forum = self.channels.get(forum_id or self.forum_id)
        if forum is None or forum["type"] != CHANNEL_GUILD_FORUM:
            raise ValueError(f"{forum_id or self.forum_id} is not a forum channel")
        if not MIN_THREAD_NAME <= len(title) <= MAX_THREAD_NAME:
            raise ValueError(f"a post title is {MIN_THREAD_NAME}-{MAX_THREAD_NAME} characters, got {len(title)}")
        if not content:
            raise ValueError("a forum post needs a starter message")
        thread = self._thread(forum, title, user["id"])
        forum["last_message_id"] = thread["id"]
        await self._announce_thread(thread)
        await self._user_message(thread["id"], user, content, roles=roles, message_id=thread["id"])
        return thread

    def _find_command(self, name: str, command_type: int = COMMAND_CHAT_INPUT) -> tuple[JSONDict | None, str | None]:
        """The registered command ``name`` of ``command_type`` (guild first, then global)."""
        for guild, commands in (
            (self.guild_id, self.guild_commands.get(self.guild_id, [])),
            (None, self.global_commands),
        ):
            for command in commands:
                if command["name"] == name and int(command.get("type", COMMAND_CHAT_INPUT)) == command_type:
                    return command, guild
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
        *,
        command_type: int | None = None,
        target_message_id: str | None = None,
    ) -> InteractionHandle:
        self._interactions[payload["token"]] = InteractionState(
            id=payload["id"],
            token=payload["token"],
            type=payload["type"],
            created_at=time.monotonic(),
            channel_id=payload["channel_id"],
            guild_id=guild_id,
            user=user,
            name=name,
            source_message_id=source_message_id,
            command_type=command_type,
            target_message_id=target_message_id,
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
        return await self._start_interaction(payload, user, guild_id, name, command_type=COMMAND_CHAT_INPUT)

    async def message_command(
        self,
        name: str,
        target_message_id: str,
        *,
        user_id: str | None = None,
        permissions: int = 0,
        roles: Iterable[str] = (),
        locale: str = "en-US",
    ) -> InteractionHandle:
        """A user runs the message context-menu command ``name`` on a message (Apps → name).

        INTERACTION_CREATE type 2 with ``data.type`` 3, ``target_id`` and the target in
        ``resolved.messages``, in the target message's channel. Discord only offers commands
        the bot registered: an unknown name, or a command of another type, raises ValueError.
        """
        command, command_guild = self._find_command(name, COMMAND_MESSAGE)
        if command is None:
            other = [
                c for c in (*self.guild_commands.get(self.guild_id, []), *self.global_commands) if c["name"] == name
            ]
            kinds = sorted({int(c.get("type", COMMAND_CHAT_INPUT)) for c in other})
            raise ValueError(f"no message command {name!r} is registered (types registered under that name: {kinds})")
        target = self.messages.get(target_message_id)
        if target is None:
            raise ValueError(f"unknown message {target_message_id}")
        data: JSONDict = {
            "id": command["id"],
            "name": name,
            "type": COMMAND_MESSAGE,
            "target_id": target_message_id,
            "resolved": {"messages": {target_message_id: target}},
        }
        if command_guild is not None:
            data["guild_id"] = command_guild
        payload, user, guild_id, _ = self._interaction_base(
            INTERACTION_APPLICATION_COMMAND,
            user_id=user_id,
            permissions=permissions,
            roles=roles,
            guild="guild_id" in target,
            channel_id=str(target["channel_id"]),
            locale=locale,
        )
        payload["data"] = data
        return await self._start_interaction(
            payload, user, guild_id, name, command_type=COMMAND_MESSAGE, target_message_id=target_message_id
        )

    @staticmethod
    def _components_of(message: Mapping[str, Any]) -> Iterator[JSONDict]:
        """Every component of a message, nested ones (rows, sections, containers) included."""
        pending: list[Any] = list(message.get("components") or [])
        while pending:
            component = pending.pop(0)
            if not isinstance(component, dict):
                continue
            yield component
            pending.extend(component.get("components") or [])
            if isinstance(component.get("accessory"), dict):
                pending.append(component["accessory"])

    async def click(
        self,
        message: JSONDict | str | InteractionHandle,
        custom_id: str,
        *,
        user_id: str | None = None,
        permissions: int = 0,
        roles: Iterable[str] = (),
        component_type: int | None = None,
        values: Sequence[str] | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """A user clicks a component of a message (INTERACTION_CREATE type 3).

        ``message`` is a message dict, its id, or an interaction handle (its original response).
        The dispatched ``message`` is the stored current version, as discord.py routes the click
        to the View registered for that message id and custom_id; it may predate the bot's
        (re)start. Discord only sends clicks on components the message shows: a ``custom_id``
        not on it, or a disabled one, raises ValueError, as does a ``component_type`` (default:
        the component's own) that differs from the component's.
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
        found = next((c for c in self._components_of(stored) if c.get("custom_id") == custom_id), None)
        if found is None:
            shown = [c["custom_id"] for c in self._components_of(stored) if "custom_id" in c]
            raise ValueError(f"message {message_id} has no component {custom_id!r} (it has {shown})")
        if found.get("disabled"):
            raise ValueError(f"component {custom_id!r} of message {message_id} is disabled")
        if component_type is not None and component_type != found.get("type"):
            raise ValueError(f"component {custom_id!r} has type {found.get('type')}, not {component_type}")
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
        data: JSONDict = {"custom_id": custom_id, "component_type": int(found["type"])}
        if values is not None:
            data["values"] = list(values)
        payload["data"] = data
        payload["message"] = stored
        return await self._start_interaction(payload, user, guild_id, None, source_message_id=message_id)
