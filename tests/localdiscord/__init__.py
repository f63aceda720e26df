"""A local stand-in for Discord's REST API v10 and gateway, for testing the real discord.py client.

Why: the bot must be tested through the real discord.py client (its serialisation, rate-limit
handling, view routing and gateway resume logic), but Discord is never reachable from tests.
This package serves just enough of Discord on 127.0.0.1 for an unmodified ``discord.Client`` /
``commands.Bot`` to log in, receive gateway events and answer them, while recording every REST
call so tests can assert on the exact payloads the bot sent.

Pointing a client at it takes two class attributes (see :meth:`LocalDiscord.patch_discord`):
``discord.http.Route.BASE`` for REST, and ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``,
because a non-sharded discord.py 2.7 client never asks ``GET /gateway``: it connects straight to
``DEFAULT_GATEWAY`` and later resumes at the ``resume_gateway_url`` from READY.

Layout: :mod:`.limits` (Discord's constants and limits, payload validation), :mod:`.core` (the
shared state: recorded traffic, guild objects, waiting), :mod:`.rest` (REST routes),
:mod:`.gateway` (the websocket), :mod:`.driver` (what tests call to act as Discord's users),
:mod:`.server` (:class:`LocalDiscord`, composing them, and its lifecycle).

Deliberately Discord-like behaviour (each one a bug class the bot could otherwise ship with):

* message limits answered with HTTP 400 / code 50035 "Invalid Form Body" (content, embeds,
  components), empty messages with 50006, replies to unknown messages with 50035
  MESSAGE_REFERENCE_UNKNOWN_MESSAGE;
* one acknowledgement per interaction (40060), a 3 second deadline for the first one (10062),
  follow-ups only after an acknowledgement (10015), and a follow-up after a "thinking" deferral
  filling the loading message, as Discord does;
* threads and forum posts: thread ids equal to their starter message's, name limits (50035),
  permission checks (50013), THREAD_CREATE before the starter message's MESSAGE_CREATE;
* clicks only on components a message shows, context-menu commands only when registered;
* injected HTTP 429s with the headers discord.py needs to retry (including ``Via``: without
  it discord.py treats a 429 as a Cloudflare ban and raises instead of retrying);
* gateway intents: no MESSAGE_CREATE without GUILD_MESSAGES, and empty content without
  MESSAGE_CONTENT unless the bot is mentioned (a reply to the bot mentions it by default) or
  wrote the message;
* a gateway session that can be dropped, resumed (missed dispatches replayed) or invalidated.
"""

# Besides __all__, the constants, JSONDict, RequestPredicate and message_form_errors stay
# importable from here, as they were from the single module this package replaced (at run time;
# mypy --strict wants them from their module, e.g. ``tests.localdiscord.limits``).
# ruff: noqa: F401

from .core import (
    API_PREFIX,
    GatewayConnection,
    GatewayFrame,
    RecordedRequest,
    RequestPredicate,
    UploadedFile,
    matching,
)
from .driver import InteractionHandle
from .gateway import (
    OP_DISPATCH,
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_PRESENCE_UPDATE,
    OP_RECONNECT,
    OP_REQUEST_GUILD_MEMBERS,
    OP_RESUME,
)
from .limits import (
    ATTACHMENT_SIZE_LIMIT,
    BOT_PERMISSIONS,
    CALLBACK_AUTOCOMPLETE_RESULT,
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_UPDATE_MESSAGE,
    CALLBACK_MODAL,
    CALLBACK_PONG,
    CALLBACK_UPDATE_MESSAGE,
    DISCORD_EPOCH_MS,
    EVERYONE_PERMISSIONS,
    FLAG_COMPONENTS_V2,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MESSAGE_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    INTERACTION_PING,
    JOINED_AT,
    MAX_ACTION_ROWS,
    MAX_BUTTON_LABEL,
    MAX_CONTENT,
    MAX_CUSTOM_ID,
    MAX_EMBED_AUTHOR,
    MAX_EMBED_DESCRIPTION,
    MAX_EMBED_FIELD_NAME,
    MAX_EMBED_FIELD_VALUE,
    MAX_EMBED_FIELDS,
    MAX_EMBED_FOOTER,
    MAX_EMBED_TITLE,
    MAX_EMBED_TOTAL,
    MAX_EMBEDS,
    MAX_ROW_COMPONENTS,
    MAX_V2_COMPONENTS,
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
    JSONDict,
    message_form_errors,
)
from .server import LocalDiscord

__all__ = [
    "GatewayConnection",
    "GatewayFrame",
    "InteractionHandle",
    "LocalDiscord",
    "RecordedRequest",
    "UploadedFile",
    "matching",
]
