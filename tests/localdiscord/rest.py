"""REST routes of API v10 that the discord.py client calls, and their handlers."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from .core import (
    API_PREFIX,
    Core,
    Handler,
    InteractionState,
    RecordedRequest,
    Reply,
    UploadedFile,
    error_reply,
    json_bytes,
    not_found,
)
from .limits import (
    CALLBACK_AUTOCOMPLETE_RESULT,
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_UPDATE_MESSAGE,
    CALLBACK_MODAL,
    CALLBACK_PONG,
    CALLBACK_UPDATE_MESSAGE,
    CHANNEL_ANNOUNCEMENT_THREAD,
    CHANNEL_GUILD_ANNOUNCEMENT,
    CHANNEL_GUILD_FORUM,
    CHANNEL_GUILD_TEXT,
    CHANNEL_PRIVATE_THREAD,
    CHANNEL_PUBLIC_THREAD,
    COMMAND_CHAT_INPUT,
    FLAG_EPHEMERAL,
    FLAG_HAS_THREAD,
    FLAG_LOADING,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MESSAGE_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    INTERACTION_PING,
    MAX_THREAD_NAME,
    MESSAGE_CHAT_INPUT_COMMAND,
    MESSAGE_CONTEXT_MENU_COMMAND,
    MESSAGE_DEFAULT,
    MESSAGE_REPLY,
    MIN_THREAD_NAME,
    PERM_CREATE_PRIVATE_THREADS,
    PERM_CREATE_PUBLIC_THREADS,
    PERM_SEND_MESSAGES,
    PERM_SEND_MESSAGES_IN_THREADS,
    THREAD_ARCHIVE_DURATIONS,
    THREAD_TYPES,
    FormErrors,
    JSONDict,
    is_empty_message,
    message_form_errors,
    truthy,
)

_log = logging.getLogger(__name__)


class RestMixin(Core):
    def _rate_limited(self, request: RecordedRequest) -> Reply | None:
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
                return Reply(429, body, headers)
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
        channel = snow.format("channel")
        message = f"/channels/{channel}/messages/" + snow.format("mid")
        webhook_message = f"/webhooks/{app}/{token}/messages/(?P<mid>@original|\\d+)"
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_bot_gateway),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("PUT", f"/applications/{app}/commands", self._put_commands),
            ("PUT", f"/applications/{app}/guilds/" + snow.format("guild") + "/commands", self._put_commands),
            ("GET", f"/channels/{channel}", self._get_channel),
            ("POST", f"/channels/{channel}/messages", self._post_message),
            ("GET", message, self._get_message),
            ("PATCH", message, self._patch_message),
            ("POST", f"{message}/threads", self._start_thread_from_message),
            ("POST", f"/channels/{channel}/threads", self._start_thread),
            ("POST", "/interactions/" + snow.format("iid") + f"/{token}/callback", self._callback),
            ("POST", f"/webhooks/{app}/{token}", self._webhook_execute),
            ("PATCH", webhook_message, self._webhook_edit),
            ("DELETE", webhook_message, self._webhook_delete),
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
            reply = error_reply(503, 0, f"LocalDiscord internal error: {exc!r}")
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
        return web.Response(status=reply.status, body=json_bytes(reply.body), headers=headers)

    async def _route(self, record: RecordedRequest, api_path: str, under_api: bool) -> Reply:
        if not under_api:
            record.unhandled = True
            return not_found()
        is_webhook = api_path.startswith(("/webhooks/", "/interactions/"))
        auth = record.headers.get("Authorization", "")
        if not is_webhook and (not auth.startswith("Bot ") or (self.token is not None and auth != f"Bot {self.token}")):
            return error_reply(401, 0, "401: Unauthorized")
        limited = self._rate_limited(record)
        if limited is not None:
            return limited
        if not self._routes:
            self._register_routes()
        for method, pattern, handler in self._routes:
            m = pattern.match(api_path)
            if m is not None and method == record.method:
                return await handler(record, **m.groupdict())
        record.unhandled = True
        return not_found()

    async def _handle_attachment(self, request: web.Request) -> web.StreamResponse:
        data = self.attachments.get(request.match_info["attachment_id"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    # ---------------------------------------------------------- REST handlers: users, app, commands

    async def _get_me(self, record: RecordedRequest) -> Reply:
        return Reply(
            200,
            {
                **self.bot_user,
                "verified": True,
                "mfa_enabled": False,
                "email": None,
                "locale": "en-US",
            },
        )

    async def _get_gateway(self, record: RecordedRequest) -> Reply:
        return Reply(200, {"url": self.gateway_url})

    async def _get_bot_gateway(self, record: RecordedRequest) -> Reply:
        # The advised shard count and the identify budget, as Discord sends them to a bot token.
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return Reply(200, {"url": self.gateway_url, "shards": self.recommended_shards, "session_start_limit": limit})

    async def _get_application(self, record: RecordedRequest) -> Reply:
        return Reply(
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

    def _wrong_app(self, app: str) -> Reply | None:
        if app != self.application_id:
            return error_reply(404, 10002, "Unknown Application")
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

    async def _put_commands(self, record: RecordedRequest, app: str, guild: str | None = None) -> Reply:
        wrong = self._wrong_app(app)
        if wrong is not None:
            return wrong
        if guild is not None and guild != self.guild_id:
            return error_reply(404, 10004, "Unknown Guild")
        commands = [self._stored_command(c, guild) for c in record.json or []]
        if guild is None:
            self.global_commands = commands
        else:
            self.guild_commands[guild] = commands
        return Reply(200, commands)

    # ---------------------------------------------------------- REST handlers: channels, messages

    async def _get_channel(self, record: RecordedRequest, channel: str) -> Reply:
        if channel not in self.channels:
            return error_reply(404, 10003, "Unknown Channel")
        return Reply(200, self.channels[channel])

    def _message_in(self, channel: str, mid: str) -> JSONDict | None:
        """The message ``mid`` as seen through ``channel``: its own channel, or its thread.

        A thread started from a message shares that message's id, and Discord answers the
        starter message through the thread too (``Thread.fetch_message(thread.id)``).
        """
        message = self.messages.get(mid)
        if message is None:
            return None
        if message["channel_id"] == channel:
            return message
        thread = self.channels.get(channel, {})
        if mid == channel and thread.get("type") in THREAD_TYPES and message["channel_id"] == thread["parent_id"]:
            return message
        return None

    async def _get_message(self, record: RecordedRequest, channel: str, mid: str) -> Reply:
        if channel not in self.channels:
            return error_reply(404, 10003, "Unknown Channel")
        message = self._message_in(channel, mid)
        if message is None:
            return error_reply(404, 10008, "Unknown Message")
        return Reply(200, message)

    def _invalid_body(
        self,
        payload: Mapping[str, Any],
        files: Sequence[UploadedFile],
        *,
        edit: bool,
        prefix: tuple[str | int, ...] = (),
    ) -> Reply | None:
        errors = message_form_errors(payload, prefix)
        if errors:
            return error_reply(400, 50035, "Invalid Form Body", errors)
        if not edit and is_empty_message(payload, files):
            return error_reply(400, 50006, "Cannot send an empty message")
        return None

    def _cannot_send(self, channel: JSONDict) -> Reply | None:
        """Why the bot may not post in ``channel`` (None: it may)."""
        if channel["type"] == CHANNEL_GUILD_FORUM:
            return error_reply(400, 50008, "Cannot send messages in a non-text channel")
        if channel["type"] in THREAD_TYPES and not self.bot_has(PERM_SEND_MESSAGES_IN_THREADS):
            return error_reply(403, 50013, "Missing Permissions")
        return None

    def _reply_fields(
        self, payload: Mapping[str, Any], channel: str, mentions: list[JSONDict]
    ) -> tuple[int, JSONDict] | Reply:
        """Message type and reply fields for a payload's ``message_reference``, or Discord's error.

        An unknown (or other-channel) message is 50035 MESSAGE_REFERENCE_UNKNOWN_MESSAGE unless
        ``fail_if_not_exists`` is false, in which case the message goes out as a normal one.
        """
        reference = payload.get("message_reference")
        if not isinstance(reference, dict) or not reference.get("message_id"):
            return MESSAGE_DEFAULT, {}
        mid = str(reference["message_id"])
        in_channel = str(reference.get("channel_id") or channel) == channel
        referenced = self._message_in(channel, mid) if in_channel else None
        if referenced is None:
            if reference.get("fail_if_not_exists", True):
                errors = FormErrors()
                errors.add(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
                return error_reply(400, 50035, "Invalid Form Body", errors.tree)
            return MESSAGE_DEFAULT, {}
        extra: JSONDict = {
            "message_reference": {
                "type": 0,
                "message_id": mid,
                "channel_id": referenced["channel_id"],
                "guild_id": self.channels[channel].get("guild_id"),
            },
            "referenced_message": self._one_level(referenced),
        }
        # Without allowed_mentions a reply pings the replied-to author; with it, only if
        # replied_user is true.
        allowed = payload.get("allowed_mentions")
        ping = bool(allowed.get("replied_user", False)) if isinstance(allowed, dict) else True
        author = referenced["author"]
        if ping and author["id"] != self.bot_id and all(u["id"] != author["id"] for u in mentions):
            extra["mentions"] = [*mentions, author]
        return MESSAGE_REPLY, extra

    async def _post_message(self, record: RecordedRequest, channel: str) -> Reply:
        if channel not in self.channels:
            return error_reply(404, 10003, "Unknown Channel")
        refused = self._cannot_send(self.channels[channel])
        if refused is not None:
            return refused
        payload = record.json if isinstance(record.json, dict) else {}
        invalid = self._invalid_body(payload, record.files, edit=False)
        if invalid is not None:
            return invalid
        reply = self._reply_fields(payload, channel, self._mentions_in(payload.get("content") or ""))
        if isinstance(reply, Reply):
            return reply
        message_type, extra = reply
        message = self._new_message(
            channel, self.bot_user, payload, record.files, message_type=message_type, extra=extra
        )
        await self._echo("MESSAGE_CREATE", message)
        return Reply(200, message)

    async def _patch_message(self, record: RecordedRequest, channel: str, mid: str) -> Reply:
        message = self.messages.get(mid)
        if message is None or message["channel_id"] != channel:
            return error_reply(404, 10008, "Unknown Message")
        if message["author"]["id"] != self.bot_id:
            return error_reply(403, 50005, "Cannot edit a message authored by another user")
        payload = record.json if isinstance(record.json, dict) else {}
        invalid = self._invalid_body(payload, record.files, edit=True)
        if invalid is not None:
            return invalid
        self._apply_edit(message, payload, record.files)
        await self._echo("MESSAGE_UPDATE", message)
        return Reply(200, message)

    async def _remove_message(self, message: JSONDict) -> None:
        del self.messages[message["id"]]
        data = {"id": message["id"], "channel_id": message["channel_id"]}
        if "guild_id" in message:
            data["guild_id"] = message["guild_id"]
        await self._echo("MESSAGE_DELETE", message, data)

    async def _echo(self, event: str, message: JSONDict, data: JSONDict | None = None) -> None:
        """Dispatch the gateway event Discord sends for the bot's own (non-ephemeral) message."""
        if not self.echo_bot_messages or int(message.get("flags", 0)) & FLAG_EPHEMERAL:
            return
        payload = data if data is not None else dict(message)
        if data is None and "guild_id" in message:
            payload["member"] = {k: v for k, v in self.member(self.bot_id).items() if k != "user"}
        await self._dispatch(event, payload, self._message_intent(message["channel_id"]))

    # ---------------------------------------------------------- REST handlers: threads

    @staticmethod
    def _thread_form_errors(body: Mapping[str, Any]) -> FormErrors:
        errors = FormErrors()
        name = body.get("name")
        if name is None:
            errors.add(("name",), "BASE_TYPE_REQUIRED", "This field is required")
        elif not isinstance(name, str) or not MIN_THREAD_NAME <= len(name) <= MAX_THREAD_NAME:
            errors.add(
                ("name",),
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between {MIN_THREAD_NAME} and {MAX_THREAD_NAME} in length.",
            )
        archive = body.get("auto_archive_duration")
        if archive is not None and archive not in THREAD_ARCHIVE_DURATIONS:
            errors.add(
                ("auto_archive_duration",),
                "BASE_TYPE_CHOICES",
                f"Value must be one of {set(THREAD_ARCHIVE_DURATIONS)}.",
            )
        return errors

    async def _start_thread_from_message(self, record: RecordedRequest, channel: str, mid: str) -> Reply:
        """``POST /channels/{id}/messages/{id}/threads``: a public thread whose id is the message's."""
        parent = self.channels.get(channel)
        if parent is None:
            return error_reply(404, 10003, "Unknown Channel")
        message = self.messages.get(mid)
        if message is None or message["channel_id"] != channel:
            return error_reply(404, 10008, "Unknown Message")
        if parent["type"] not in (CHANNEL_GUILD_TEXT, CHANNEL_GUILD_ANNOUNCEMENT):
            return error_reply(400, 50024, "Cannot execute action on this channel type")
        body = record.json if isinstance(record.json, dict) else {}
        errors = self._thread_form_errors(body)
        if errors:
            return error_reply(400, 50035, "Invalid Form Body", errors.tree)
        if not self.bot_has(PERM_CREATE_PUBLIC_THREADS):
            return error_reply(403, 50013, "Missing Permissions")
        if mid in self.channels:
            return error_reply(400, 160004, "A thread has already been created for this message")
        kind = CHANNEL_ANNOUNCEMENT_THREAD if parent["type"] == CHANNEL_GUILD_ANNOUNCEMENT else CHANNEL_PUBLIC_THREAD
        options = {k: body.get(k) for k in ("auto_archive_duration", "rate_limit_per_user")}
        thread = self._thread(parent, body["name"], self.bot_id, thread_id=mid, type=kind, **options)
        message["thread"] = thread
        message["flags"] = int(message.get("flags", 0)) | FLAG_HAS_THREAD
        await self._announce_thread(thread)
        return Reply(201, thread)

    async def _start_thread(self, record: RecordedRequest, channel: str) -> Reply:
        """``POST /channels/{id}/threads``: a forum post (thread + starter message) or a bare thread."""
        parent = self.channels.get(channel)
        if parent is None:
            return error_reply(404, 10003, "Unknown Channel")
        if parent["type"] not in (CHANNEL_GUILD_TEXT, CHANNEL_GUILD_ANNOUNCEMENT, CHANNEL_GUILD_FORUM):
            return error_reply(400, 50024, "Cannot execute action on this channel type")
        body = record.json if isinstance(record.json, dict) else {}
        errors = self._thread_form_errors(body)
        forum = parent["type"] == CHANNEL_GUILD_FORUM
        starter = body.get("message")
        if forum:
            if not isinstance(starter, dict):
                errors.add(("message",), "BASE_TYPE_REQUIRED", "This field is required")
            else:
                for key, value in message_form_errors(starter, ("message",)).get("message", {}).items():
                    errors.tree.setdefault("message", {})[key] = value
        kind = CHANNEL_PUBLIC_THREAD if forum else int(body.get("type") or CHANNEL_PRIVATE_THREAD)
        if not forum and kind not in (CHANNEL_PUBLIC_THREAD, CHANNEL_PRIVATE_THREAD, CHANNEL_ANNOUNCEMENT_THREAD):
            errors.add(("type",), "BASE_TYPE_CHOICES", "Value must be one of {10, 11, 12}.")
        if errors:
            return error_reply(400, 50035, "Invalid Form Body", errors.tree)
        if forum and isinstance(starter, dict) and is_empty_message(starter, record.files):
            return error_reply(400, 50006, "Cannot send an empty message")
        needed = PERM_SEND_MESSAGES if forum else PERM_CREATE_PUBLIC_THREADS
        if kind == CHANNEL_PRIVATE_THREAD:
            needed = PERM_CREATE_PRIVATE_THREADS
        if not self.bot_has(needed):
            return error_reply(403, 50013, "Missing Permissions")
        options = {
            k: body.get(k) for k in ("auto_archive_duration", "rate_limit_per_user", "applied_tags", "invitable")
        }
        thread = self._thread(parent, body["name"], self.bot_id, type=kind, **options)
        await self._announce_thread(thread)
        if not forum or not isinstance(starter, dict):
            return Reply(201, thread)
        message = self._new_message(thread["id"], self.bot_user, starter, record.files, message_id=thread["id"])
        parent["last_message_id"] = thread["id"]
        await self._echo("MESSAGE_CREATE", message)
        return Reply(201, {**thread, "message": message})

    # ---------------------------------------------------------- REST handlers: interactions

    def _interaction_message(
        self, ix: InteractionState, payload: Mapping[str, Any], files: Sequence[UploadedFile]
    ) -> JSONDict:
        metadata: JSONDict = {
            "id": ix.id,
            "type": ix.type,
            "user": ix.user,
            "authorizing_integration_owners": {"0": ix.guild_id} if ix.guild_id else {"1": ix.user["id"]},
        }
        command_type = ix.command_type or COMMAND_CHAT_INPUT
        if ix.name is not None:
            metadata["name"] = ix.name
            metadata["command_type"] = command_type
        if ix.target_message_id is not None:
            metadata["target_message_id"] = ix.target_message_id
        if ix.source_message_id is not None:
            metadata["interacted_message_id"] = ix.source_message_id
        if ix.original_id is not None:
            metadata["original_response_message_id"] = ix.original_id
        extra = {
            "webhook_id": self.application_id,
            "application_id": self.application_id,
            "interaction_metadata": metadata,
        }
        message_type = MESSAGE_DEFAULT
        if ix.type == INTERACTION_APPLICATION_COMMAND:
            chat_input = command_type == COMMAND_CHAT_INPUT
            message_type = MESSAGE_CHAT_INPUT_COMMAND if chat_input else MESSAGE_CONTEXT_MENU_COMMAND
        return self._new_message(ix.channel_id, self.bot_user, payload, files, message_type=message_type, extra=extra)

    async def _callback(self, record: RecordedRequest, iid: str, token: str) -> Reply:
        ix = self._interactions.get(token)
        if ix is None or ix.id != iid:
            return error_reply(404, 10062, "Unknown interaction")
        if ix.callback_type is not None:
            return error_reply(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() - ix.created_at > self.interaction_deadline:
            return error_reply(404, 10062, "Unknown interaction")
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
            errors = FormErrors()
            errors.add(
                ("type",),
                "INTERACTION_RESPONSE_TYPE_INVALID",
                "Interaction response type is invalid here.",
            )
            return error_reply(400, 50035, "Invalid Form Body", errors.tree)
        if ctype in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            errors_tree = message_form_errors(data, ("data",))
            if errors_tree:
                return error_reply(400, 50035, "Invalid Form Body", errors_tree)
            if ctype == CALLBACK_CHANNEL_MESSAGE and is_empty_message(data, record.files):
                return error_reply(400, 50006, "Cannot send an empty message")

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

        if not truthy(record.query.get("with_response")):
            return Reply(204)
        interaction: JSONDict = {"id": ix.id, "type": ix.type}
        resource: JSONDict = {"type": ctype}
        if message is not None:
            interaction["response_message_id"] = message["id"]
            interaction["response_message_loading"] = bool(int(message["flags"]) & FLAG_LOADING)
            interaction["response_message_ephemeral"] = bool(int(message["flags"]) & FLAG_EPHEMERAL)
            if ctype != CALLBACK_DEFERRED_UPDATE_MESSAGE:
                resource["message"] = message
        return Reply(200, {"interaction": interaction, "resource": resource})

    def _webhook_interaction(self, app: str, token: str) -> InteractionState | Reply:
        ix = self._interactions.get(token)
        if app != self.application_id or ix is None or ix.callback_type is None:
            # Discord only opens the interaction webhook once the interaction is acknowledged.
            return error_reply(404, 10015, "Unknown Webhook")
        return ix

    def _webhook_message(self, ix: InteractionState, mid: str) -> JSONDict | Reply:
        message_id = ix.original_id if mid == "@original" else mid
        if message_id is None or message_id not in self.messages:
            return error_reply(404, 10008, "Unknown Message")
        if message_id != ix.original_id and message_id not in ix.followup_ids:
            return error_reply(404, 10008, "Unknown Message")
        return self.messages[message_id]

    async def _webhook_execute(self, record: RecordedRequest, app: str, token: str) -> Reply:
        ix = self._webhook_interaction(app, token)
        if isinstance(ix, Reply):
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
        if not truthy(record.query.get("wait")):
            return Reply(204)
        return Reply(200, message)

    async def _webhook_edit(self, record: RecordedRequest, app: str, token: str, mid: str) -> Reply:
        ix = self._webhook_interaction(app, token)
        if isinstance(ix, Reply):
            return ix
        message = self._webhook_message(ix, mid)
        if isinstance(message, Reply):
            return message
        payload = record.json if isinstance(record.json, dict) else {}
        invalid = self._invalid_body(payload, record.files, edit=True)
        if invalid is not None:
            return invalid
        self._apply_edit(message, payload, record.files)
        await self._echo("MESSAGE_UPDATE", message)
        return Reply(200, message)

    async def _webhook_delete(self, record: RecordedRequest, app: str, token: str, mid: str) -> Reply:
        ix = self._webhook_interaction(app, token)
        if isinstance(ix, Reply):
            return ix
        message = self._webhook_message(ix, mid)
        if isinstance(message, Reply):
            return message
        await self._remove_message(message)
        return Reply(204)
