"""The gateway websocket: HELLO, IDENTIFY/READY, RESUME, heartbeats, dispatches and intents."""

# ruff: noqa: ASYNC109

from __future__ import annotations

import contextlib
import json
import secrets
import time
import zlib
from typing import Any

from aiohttp import WSMsgType, web

from .core import (
    Core,
    GatewayConnection,
    GatewayFrame,
    LiveConnection,
    PendingDispatch,
)
from .limits import (
    INTENT_MESSAGE_CONTENT,
    JSONDict,
)

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


class GatewayMixin(Core):
    @property
    def connected(self) -> bool:
        """Whether a client holds a live session (READY or RESUMED sent on an open socket)."""
        return self._live is not None

    async def wait_connected(self, timeout: float = 5.0) -> None:
        """Wait until a client holds a live session."""
        await self.wait_until(lambda: self._live is not None, timeout, what="a live gateway session")

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
        live = LiveConnection(info, ws, request, compressor)
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

    async def _send(self, live: LiveConnection, frame: JSONDict) -> bool:
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

    async def _on_gateway_payload(self, live: LiveConnection, payload: JSONDict) -> None:
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

    def guild_shard(self, shard_count: int) -> int:
        """The shard Discord delivers this guild's events to: (guild_id >> 22) % shard_count."""
        return (int(self.guild_id) >> 22) % shard_count

    async def _identify(self, live: LiveConnection, data: JSONDict) -> None:
        self.identifies += 1
        if not self._token_ok(data.get("token")):
            await live.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = data.get("shard")
        if shard is not None:
            shard_id, shard_count = int(shard[0]), int(shard[1])
            if not 0 <= shard_id < shard_count:
                await live.ws.close(code=4010, message=b"Invalid shard.")
                return
            self.shards_identified.append((shard_id, shard_count, live.info.index))
            if shard_id != self.guild_shard(shard_count):
                await self._identify_other_shard(live, data)
                return
        async with self._gateway_lock:
            self.intents = int(data.get("intents", 0))
            self.session_id = secrets.token_hex(16)
            self._seq = 0
            self._log = []
            ready = self._ready(self.session_id, [{"id": self.guild_id, "unavailable": True}], data.get("shard"))
            await self._send_dispatch(live, "READY", ready)
            await self._send_dispatch(live, "GUILD_CREATE", self.guild())
            self._live = live
            await self._flush_outbox(live)

    def _ready(self, session_id: str, guilds: list[JSONDict], shard: object) -> JSONDict:
        """The READY payload of a new session (with the `shard` it was identified as, when sharded)."""
        ready: JSONDict = {
            "v": 10,
            "user": {**self.bot_user, "verified": True, "mfa_enabled": False, "email": None},
            "guilds": guilds,
            "session_id": session_id,
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
        if shard is not None:
            ready["shard"] = shard
        return ready

    async def _identify_other_shard(self, live: LiveConnection, data: JSONDict) -> None:
        """A shard this guild does not belong to: a session with no guilds, to which nothing is dispatched."""
        ready = self._ready(secrets.token_hex(16), [], data["shard"])
        # Its own sequence: the guild shard's session and replay log are not this one's.
        await self._send(live, {"op": OP_DISPATCH, "t": "READY", "s": 1, "d": ready})

    async def _resume(self, live: LiveConnection, data: JSONDict) -> None:
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

    async def _send_member_chunk(self, live: LiveConnection, data: JSONDict) -> None:
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

    async def _send_dispatch(self, live: LiveConnection, event: str, data: JSONDict) -> None:
        # Caller holds _gateway_lock, so sequence numbers go out in order.
        self._seq += 1
        frame = {"op": OP_DISPATCH, "t": event, "s": self._seq, "d": data}
        self._log.append(frame)
        self.dispatched.append(frame)
        await self._send(live, frame)

    async def _flush_outbox(self, live: LiveConnection) -> None:
        pending, self._outbox = self._outbox, []
        for item in pending:
            data = self._apply_intents(item)
            if data is not None:
                await self._send_dispatch(live, item.event, data)

    def _apply_intents(self, item: PendingDispatch) -> JSONDict | None:
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
            item = PendingDispatch(event, data, intent)
            live = self._live
            if live is None or live.ws.closed:
                self._outbox.append(item)
                return
            shown = self._apply_intents(item)
            if shown is not None:
                await self._send_dispatch(live, event, shown)
