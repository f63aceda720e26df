"""Discord's documented constants and limits, and the validation of message payloads against them.

Shared by every REST route that takes a message (channel messages, interaction callbacks,
webhook executions and edits, forum posts), because Discord applies the same limits to all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

JSONDict = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000

# Gateway intents that decide which events the fake delivers.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

# Message flags.
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_HAS_THREAD = 1 << 5
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_COMPONENTS_V2 = 1 << 15

# Channel types.
CHANNEL_GUILD_TEXT = 0
CHANNEL_DM = 1
CHANNEL_GUILD_ANNOUNCEMENT = 5
CHANNEL_ANNOUNCEMENT_THREAD = 10
CHANNEL_PUBLIC_THREAD = 11
CHANNEL_PRIVATE_THREAD = 12
CHANNEL_GUILD_FORUM = 15
THREAD_TYPES = frozenset({CHANNEL_ANNOUNCEMENT_THREAD, CHANNEL_PUBLIC_THREAD, CHANNEL_PRIVATE_THREAD})

# Message types.
MESSAGE_DEFAULT = 0
MESSAGE_REPLY = 19
MESSAGE_CHAT_INPUT_COMMAND = 20
MESSAGE_CONTEXT_MENU_COMMAND = 23

# Application command types.
COMMAND_CHAT_INPUT = 1
COMMAND_USER = 2
COMMAND_MESSAGE = 3

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
PERM_CREATE_INSTANT_INVITE = 1 << 0
PERM_ADD_REACTIONS = 1 << 6
PERM_VIEW_CHANNEL = 1 << 10
PERM_SEND_MESSAGES = 1 << 11
PERM_EMBED_LINKS = 1 << 14
PERM_ATTACH_FILES = 1 << 15
PERM_READ_MESSAGE_HISTORY = 1 << 16
PERM_USE_EXTERNAL_EMOJIS = 1 << 18
PERM_CHANGE_NICKNAME = 1 << 26
PERM_USE_APPLICATION_COMMANDS = 1 << 31
PERM_ADMINISTRATOR = 1 << 3
PERM_CREATE_PUBLIC_THREADS = 1 << 35
PERM_CREATE_PRIVATE_THREADS = 1 << 36
PERM_SEND_MESSAGES_IN_THREADS = 1 << 38

EVERYONE_PERMISSIONS = (
    PERM_CREATE_INSTANT_INVITE
    | PERM_ADD_REACTIONS
    | PERM_VIEW_CHANNEL
    | PERM_SEND_MESSAGES
    | PERM_EMBED_LINKS
    | PERM_ATTACH_FILES
    | PERM_READ_MESSAGE_HISTORY
    | PERM_USE_EXTERNAL_EMOJIS
    | PERM_CHANGE_NICKNAME
    | PERM_USE_APPLICATION_COMMANDS
    | PERM_SEND_MESSAGES_IN_THREADS
)
# The bot's managed role adds what the bot needs beyond @everyone.
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | PERM_CREATE_PUBLIC_THREADS

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
MIN_THREAD_NAME = 1
MAX_THREAD_NAME = 100
THREAD_ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
JOINED_AT = "2024-01-01T00:00:00.000000+00:00"


class FormErrors:
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


def _check_components(errors: FormErrors, components: Any, flags: int, prefix: tuple[str | int, ...]) -> None:
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
    errors = FormErrors()
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


def is_empty_message(payload: Mapping[str, Any], files: Sequence[object]) -> bool:
    return not (
        payload.get("content")
        or payload.get("embeds")
        or payload.get("components")
        or payload.get("sticker_ids")
        or payload.get("poll")
        or files
    )


def truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true")
