"""`newsbot run`: start the bot, and stop it cleanly on SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import aiohttp
import discord
import yarl

from newsbot.bot.client import newsbot_for
from newsbot.bot.settings import Settings

log = logging.getLogger(__name__)

NO_TOKEN = (
    "newsbot: DISCORD_TOKEN is not set; put your bot's token in the environment or in an untracked .env file "
    "(README: Running in Discord)"
)
REJECTED = "newsbot: Discord rejected the token in DISCORD_TOKEN; copy it again from the developer portal"


async def point_at_local_api(api_base: str, token: str) -> None:
    """Testing hook: talk to a local Discord API instead of discord.com.

    REST requests go to `Route.BASE`; the gateway URL is asked of that API the way
    Discord's `GET /gateway` answers it, because discord.py connects straight to
    its default gateway otherwise.
    """
    base = api_base.rstrip("/")
    discord.http.Route.BASE = base
    headers = {"Authorization": f"Bot {token}"}
    async with aiohttp.ClientSession(headers=headers) as session, session.get(f"{base}/gateway") as response:
        if response.status == 401:
            raise discord.LoginFailure("the API answered 401 Unauthorized")
        response.raise_for_status()
        url = (await response.json(content_type=None))["url"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    log.warning("using the local Discord API at %s (gateway %s)", base, url)


async def serve(settings: Settings, token: str) -> int:
    """Run until the gateway closes or a stop signal arrives; the exit code for the shell."""
    if settings.bot.api_base_url:
        try:
            await point_at_local_api(settings.bot.api_base_url, token)
        except discord.LoginFailure:
            print(REJECTED, file=sys.stderr)
            return 1
        except (aiohttp.ClientError, OSError, KeyError, ValueError) as error:
            print(f"newsbot: cannot reach the API at {settings.bot.api_base_url}: {error}", file=sys.stderr)
            return 1
    bot = newsbot_for(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    running = asyncio.create_task(bot.start(token))
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.done():
            log.info("stop signal: closing the gateway and the database")
            await bot.close()
        await running
    except discord.LoginFailure:
        print(REJECTED, file=sys.stderr)
        return 1
    except (aiohttp.ClientError, OSError, discord.GatewayNotFound) as error:
        # No network, DNS failing, Discord down: one line, not discord.py's traceback.
        print(f"newsbot: cannot reach Discord ({error}); check the network connection and try again", file=sys.stderr)
        return 1
    except discord.PrivilegedIntentsRequired:
        print(
            "newsbot: channel Q&A needs the Message Content intent; switch it on in the developer portal "
            "(Bot → Privileged Gateway Intents) or empty bot.qa_channel_ids",
            file=sys.stderr,
        )
        return 1
    finally:
        stopping.cancel()
        if not bot.is_closed():
            await bot.close()
    return 0


def run_bot(settings: Settings) -> int:
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    # newsbot never joins voice channels: discord.py's warnings about voice libraries are noise.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    return asyncio.run(serve(settings, token))
