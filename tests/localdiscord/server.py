"""The composed local Discord server, and its lifecycle."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import TracebackType

from aiohttp import web

from .driver import DriverMixin
from .gateway import GatewayMixin
from .rest import RestMixin


class LocalDiscord(DriverMixin, RestMixin, GatewayMixin):
    """Discord API v10 (REST + gateway) on 127.0.0.1, for the real discord.py client.

    One guild with a text channel (``channel_id``) and a forum channel (``forum_id``), the
    @everyone role, one extra role and the bot's managed role; one human user (``user_id``) who
    owns the application. Use as an async context manager or call :meth:`start` / :meth:`stop`;
    point discord.py at it with :meth:`patch_discord`. The constructor's options are documented
    on :class:`~tests.localdiscord.core.Core`.
    """

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
