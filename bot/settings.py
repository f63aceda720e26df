"""Settings: `config/newsbot.toml`, then `NEWSBOT_*` environment and `.env`, validated once.

Precedence, highest first: environment, `.env`, the TOML file, defaults. The
Discord token is read only from `DISCORD_TOKEN` in the environment or `.env`,
never from the config file, and is a `SecretStr` so it never reaches a log.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from retrieval import ArchiveOptions

DEFAULT_CONFIG = Path("config/newsbot.toml")


class ConfigError(Exception):
    """A config problem, worded for the operator: which key, what was expected."""


class BotOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dev_guild_id: int | None = Field(None, description="sync slash commands to this guild only")
    qa_channel_ids: list[int] = Field(default_factory=list, description="answer every message here")
    admin_user_ids: list[int] = Field(default_factory=list)
    admin_role_ids: list[int] = Field(default_factory=list)
    cooldown_seconds: float = Field(10.0, ge=0, le=3600)
    max_question_chars: int = Field(300, ge=10, le=1000)
    results_per_page: int = Field(3, ge=1, le=5)
    button_timeout_seconds: float = Field(600.0, ge=5, le=14 * 60)
    api_base_url: str | None = Field(
        None, description="testing hook: a local Discord API, e.g. http://127.0.0.1:8999/api/v10"
    )


class Settings(ArchiveOptions, BaseSettings):
    """Everything the CLI and the bot read, from one place."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="forbid",
        toml_file=None,
    )

    bot: BotOptions = Field(default_factory=lambda: BotOptions())
    discord_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("DISCORD_TOKEN", "NEWSBOT_DISCORD_TOKEN"), exclude=True
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, dotenv_settings, TomlConfigSettingsSource(settings_cls))

    def archive_options(self) -> ArchiveOptions:
        """The retrieval part, as the `retrieval` package expects it."""
        return ArchiveOptions.model_validate(self.model_dump(include=set(ArchiveOptions.model_fields)))


def config_path(explicit: Path | None) -> Path | None:
    """The TOML file to read: `--config`, else `NEWSBOT_CONFIG`, else `config/newsbot.toml` if present."""
    if explicit is not None:
        return explicit
    if env := os.environ.get("NEWSBOT_CONFIG"):
        return Path(env)
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


def load_settings(explicit: Path | None = None, **overrides: Any) -> Settings:
    """Build and validate the settings; raises `ConfigError` with a one-line reason."""
    path = config_path(explicit)
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path} is not valid TOML: {error}") from None
        if any(key.lower() in {"discord_token", "token"} for key in table):
            raise ConfigError(f"{path} holds a Discord token; put it in DISCORD_TOKEN (environment or .env) instead")

    class _FromFile(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    try:
        return _FromFile(**overrides)
    except ValidationError as error:
        raise ConfigError(describe(error, path)) from None


def describe(error: ValidationError, path: Path | None) -> str:
    """One line per wrong value: the key, what was wrong, what was given."""
    where = f"{path} or " if path else ""
    lines = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"]]
        key = ".".join(loc) or "(top level)"
        variable = "NEWSBOT_" + "__".join(loc).upper()
        given = item.get("input")
        shown = "" if isinstance(given, dict) else f" (got {given!r})"
        lines.append(f"config: {key}: {item['msg']}{shown} [set in {where}{variable}]")
    return "\n".join(lines)
