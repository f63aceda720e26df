"""Where settings come from: the config file's path, `.env`, and which variables are newsbot's.

Kept apart from `bot.settings`, which validates them with pydantic: a shell
`ask` reads these to find its cached options (`bot.options_cache`) and never
loads pydantic when the cache holds them (issue #14).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_CONFIG = Path("config/newsbot.toml")
DOTENV = Path(".env")
PREFIX = "NEWSBOT_"
TOKEN_VARIABLE = "DISCORD_TOKEN"


class ConfigError(Exception):
    """A config problem, worded for the operator: which key, what was expected."""


def config_path(explicit: Path | None) -> Path | None:
    """The TOML file to read: `--config`, else `NEWSBOT_CONFIG`, else `config/newsbot.toml` if present."""
    if explicit is not None:
        return explicit
    if env := os.environ.get("NEWSBOT_CONFIG"):
        return Path(env)
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


def ours(name: str) -> bool:
    """A variable newsbot reads: a `NEWSBOT_*` one, or the token's."""
    return name.upper().startswith(PREFIX) or name.upper() == TOKEN_VARIABLE
