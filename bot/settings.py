"""Settings: `config/newsbot.toml`, then `NEWSBOT_*` environment and `.env`, validated once.

Precedence, highest first: environment, `.env`, the TOML file, defaults. The
Discord token is read only from `DISCORD_TOKEN` in the environment or `.env`,
never from the config file, and is a `SecretStr` so it never reaches a log.

Error messages end up in terminals, logs and bug reports, so they never repeat
a value read from the environment or `.env` (where tokens live), nor one under
a key that looks like a secret; they name the key and the place it was really
set instead. `.env` is often shared with other programs: only `NEWSBOT_*`
variables and `DISCORD_TOKEN` are read from it, the rest is none of our business.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
import tomllib
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union, cast, get_args, get_origin, get_type_hints

from dotenv import dotenv_values
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from newsbot.bot.config_sources import (
    DEFAULT_CONFIG,
    DOTENV,
    PREFIX,
    TOKEN_VARIABLE,
    ConfigError,
    config_path,
    ours,
)
from newsbot.retrieval import ArchiveOptions, OptionError

__all__ = ["DEFAULT_CONFIG", "ConfigError", "Settings", "config_path", "load_settings"]

NESTED = "__"
TOKEN_HINT = "put the Discord token in DISCORD_TOKEN (environment or .env), never in the config file"
# Parts of a key name (lower case, "-" read as "_") that mark it as holding a secret.
SECRET_WORDS = ("token", "secret", "password", "passwd", "api_key", "apikey", "credential", "private_key")
# `NEWSBOT_*` environment variables that are not settings: the config file's path
# (read by `config_path`) and the test suite's knobs. Any other is a typo.
NOT_SETTINGS = frozenset({"NEWSBOT_CONFIG", "NEWSBOT_KILLS", "NEWSBOT_KILLS_SEED", "NEWSBOT_MODEL_RUNS"})
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SHOWN_CHARS = 80
_MISSING = object()
# An unknown key, as pydantic words it for a model and for a dataclass (the retrieval's options).
_UNKNOWN_KEY = frozenset({"extra_forbidden", "unexpected_keyword_argument"})


AnswerIn = Literal["inline", "thread"]


class ChannelOptions(BaseModel):
    """How newsbot behaves in one channel; `/settings` can change each value, stored in SQLite."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="answer here at all")
    answer_in: AnswerIn = Field("inline", description="reply inline, or in a new thread named after the question")
    require_mention: bool = Field(True, description="false: answer every message (needs the message content intent)")


class BotOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dev_guild_id: int | None = Field(None, description="sync slash commands to this guild only")
    qa_channel_ids: list[int] = Field(default_factory=list, description="answer every message here")
    channels: dict[int, ChannelOptions] = Field(default_factory=dict, description="per-channel behaviour, by id")
    forum_channel_ids: list[int] = Field(default_factory=list, description="answer each new post here in its thread")
    keep_questions_days: int = Field(
        30, ge=1, le=3650, description="questions kept for follow-ups, buttons and /gaps this long"
    )
    watch_seeds: bool = Field(True, description="reindex by itself when files in the seeds folder change")
    watch_settle_seconds: float = Field(
        2.0, ge=0.1, le=600, description="a changed file is read once it has been left alone this long"
    )
    announce_channel_id: int | None = Field(None, description="post articles new to the archive here")
    announce_role_id: int | None = Field(None, description="the one role an announcement may ping")
    announce_limit: int = Field(10, ge=1, le=25, description="articles listed per announcement, then 'and N more'")
    shard_count: int | Literal["auto"] | None = Field(
        None, description="shards over all newsbot processes; 'auto': as many as Discord advises, all in this one"
    )
    shard_id: int | None = Field(None, ge=0, description="the shard this process runs, 0 to shard_count - 1")

    @field_validator("shard_count", mode="before")
    @classmethod
    def _a_count_or_auto(cls, value: object) -> object:
        # One message for both forms, not one per member of the union.
        if value is None:
            return None
        text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
        if text == "auto":
            return text
        if not text.isdigit() or not 1 <= int(text) <= 1000:
            raise ValueError(f"shard_count is a number of shards from 1 to 1000, or 'auto'; got {value!r}")
        return int(text)

    @model_validator(mode="after")
    def _one_shard_of_many(self) -> BotOptions:
        if self.shard_count == "auto":
            if self.shard_id is not None:
                raise ValueError("shard_id is for one shard of several processes; with shard_count 'auto' leave it out")
            return self
        if (self.shard_count is None) != (self.shard_id is None):
            raise ValueError("shard_count and shard_id are set together (or neither)")
        if self.shard_count is not None and self.shard_id is not None and self.shard_id >= self.shard_count:
            raise ValueError(f"shard_id must be below shard_count ({self.shard_count})")
        return self

    admin_user_ids: list[int] = Field(default_factory=list)
    admin_role_ids: list[int] = Field(default_factory=list)
    cooldown_seconds: float = Field(10.0, ge=0, le=3600)
    max_question_chars: int = Field(300, ge=10, le=1000)
    results_per_page: int = Field(3, ge=1, le=5)
    button_timeout_seconds: float = Field(600.0, ge=5, le=14 * 60)
    keep_votes_days: int = Field(90, ge=1, le=3650, description="members' votes (with their question) kept this long")
    api_base_url: str | None = Field(
        None, description="testing hook: a local Discord API, e.g. http://127.0.0.1:8999/api/v10"
    )


@dataclass(frozen=True)
class Settings(ArchiveOptions):
    """Everything the CLI and the bot read, from one place (built by `load_settings`).

    The retrieval's own options (a dataclass) with the bot's added, validated as one by pydantic.
    """

    bot: BotOptions = dataclasses.field(default_factory=lambda: BotOptions())
    discord_token: SecretStr | None = dataclasses.field(default=None, repr=False)


@functools.cache
def _validator() -> TypeAdapter[Settings]:
    return TypeAdapter(Settings)


def load_settings(explicit: Path | None = None, **overrides: Any) -> Settings:
    """Build and validate the settings; raises `ConfigError` with one line per problem."""
    path = config_path(explicit)
    sources = Sources(
        path=path,
        table=read_config(path) if path is not None else {},
        overrides=overrides,
        environment={name: value for name, value in os.environ.items() if ours(name)},
        dotenv=read_dotenv(),
    )
    if problems := sources.problems():
        raise ConfigError("\n".join(problems))
    try:
        return _validator().validate_python(sources.merged())
    except ValidationError as error:
        raise ConfigError(describe(error, sources)) from None


def read_config(path: Path) -> dict[str, Any]:
    """The config file's table; a missing or unreadable file is a `ConfigError`."""
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; save it as UTF-8") from None


def read_dotenv() -> dict[str, str | None]:
    """`.env`'s newsbot variables as written (other programs' variables are left out unread)."""
    if not DOTENV.is_file():
        return {}
    try:
        values = dotenv_values(DOTENV, encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{DOTENV} is not UTF-8 text; save it as UTF-8") from None
    return {name: value for name, value in values.items() if ours(name)}


# What a variable sets.


def variable_target(name: str) -> tuple[tuple[str, ...], Any] | None:
    """The key a `NEWSBOT_*` variable sets (`NEWSBOT_SEARCH__RESULTS`: search.results) and its type, or None."""
    if not name.upper().startswith(PREFIX):
        return None
    key = tuple(name[len(PREFIX) :].lower().split(NESTED))
    table: dict[str, Any] | None = settings_fields(Settings)
    annotation: Any = None
    for part in key:
        if table is None or part not in table:
            return None
        annotation = table[part]
        table = settings_fields(annotation)
    return key, annotation


def setting_variables(kind: Any = Settings, key: tuple[str, ...] = ()) -> Iterator[str]:
    """Every variable name that sets something, for "did you mean" suggestions."""
    for name, annotation in (settings_fields(kind) or {}).items():
        yield PREFIX + NESTED.join((*key, name)).upper()
        yield from setting_variables(annotation, (*key, name))


@functools.cache
def settings_fields(kind: Any) -> dict[str, Any] | None:
    """The keys of a table of settings (a pydantic model or a dataclass) and their types; None for a value."""
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return {name: field.annotation for name, field in kind.model_fields.items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = get_type_hints(kind)
        return {field.name: hints[field.name] for field in dataclasses.fields(kind)}
    return None


def needs_json(annotation: Any) -> bool:
    """Lists and tables are read from a variable as JSON; other values as written, for pydantic to convert."""
    if get_origin(annotation) in (Union, types.UnionType):
        kinds = [kind for kind in get_args(annotation) if kind is not type(None)]
        return bool(kinds) and all(needs_json(kind) for kind in kinds)
    kind = get_origin(annotation) or annotation
    return settings_fields(kind) is not None or (
        isinstance(kind, type) and issubclass(kind, list | tuple | set | frozenset | dict)
    )


def looks_secret(name: str) -> bool:
    """A key or variable name that says it holds a token, password or other secret."""
    folded = name.lower().replace("-", "_")
    return any(word in folded for word in SECRET_WORDS)


# Where values came from.


@dataclass(frozen=True)
class Place:
    """One place a value was set, as the operator would look for it."""

    label: str
    shows_values: bool  # the config file and code arguments; never the environment or .env


@dataclass(frozen=True)
class Sources:
    """Everything given to `load_settings`, to check names first and to say where a wrong value came from."""

    path: Path | None
    table: dict[str, Any]
    overrides: dict[str, Any]
    environment: dict[str, str]
    dotenv: dict[str, str | None]

    def problems(self) -> list[str]:
        """Secrets in the config file and bad variable names: refused before anything is validated."""
        secrets = [f"{self.path}: {key} looks like a secret; {TOKEN_HINT}" for key in secret_keys(self.table)]
        environment = [
            line
            for name, value in self.environment.items()
            if name.upper() not in NOT_SETTINGS | {TOKEN_VARIABLE}
            for line in variable_problems(f"environment variable {name}", name, value)
        ]
        dotenv = [
            line
            for name, value in self.dotenv.items()
            if name.upper() != TOKEN_VARIABLE
            for line in variable_problems(f"{DOTENV}: {name}", name, value, from_dotenv=True)
        ]
        return secrets + environment + dotenv

    def merged(self) -> dict[str, Any]:
        """One table of every value, the higher place winning key by key (tables merge, as TOML reads them).

        Variables were checked by `problems()`: each names a setting, and a list or table is JSON.
        """
        merged = _merge({}, self.table)
        for variables in (self.dotenv, self.environment):  # the environment over `.env`
            token = None
            for name, value in variables.items():
                if value is None:
                    continue  # `NAME` alone on a line of `.env`: no value given
                if name.upper() == TOKEN_VARIABLE:
                    token = value  # over NEWSBOT_DISCORD_TOKEN, whatever the order they come in
                elif (target := variable_target(name)) is not None:
                    key, annotation = target
                    merged = _merge(merged, _nested(key, json.loads(value) if needs_json(annotation) else value))
            if token is not None:
                merged["discord_token"] = token
        return _merge(merged, self.overrides)

    def places(self, loc: tuple[str | int, ...], whole_table: bool) -> list[Place]:
        """Where the value at `loc` was set: the winning place, or every contributor for a table-level error."""
        found: list[Place] = []
        if provides(self.overrides, loc):
            found.append(Place("load_settings argument", shows_values=True))
        found += [
            Place(f"environment variable {name}", False) for name, v in self.environment.items() if sets(name, v, loc)
        ]
        found += [Place(f"{DOTENV}: {name}", False) for name, v in self.dotenv.items() if sets(name, v, loc)]
        if provides(self.table, loc):
            found.append(Place(str(self.path), shows_values=True))
        return found if whole_table else found[:1]


def variable_problems(place: str, name: str, value: str | None, from_dotenv: bool = False) -> list[str]:
    """What is wrong with one `NEWSBOT_*` variable's name, or with a list or table value that is not JSON."""
    if name.upper() == "NEWSBOT_CONFIG" and from_dotenv:
        return [f"{place} is read from the environment only; set it there, or pass --config"]
    target = variable_target(name)
    if target is None and looks_secret(name):
        return [
            f"{place} looks like a secret; newsbot reads only the Discord token, and only from "
            f"{TOKEN_VARIABLE} (environment or .env); remove {name}"
        ]
    if target is None:
        import difflib  # only for a misspelt variable: every shell command loads the settings

        close = difflib.get_close_matches(name.upper(), list(setting_variables()), n=1, cutoff=0.8)
        hint = (
            f"did you mean {close[0]}? Rename it"
            if close
            else "rename it (NEWSBOT_<KEY>, or NEWSBOT_<TABLE>__<KEY> for a key in a table, as in config/newsbot.toml)"
        )
        return [f"{place} is not a newsbot setting; {hint} or remove it"]
    key, annotation = target
    if value is not None and needs_json(annotation) and parse_json(value) is None:
        return [f'{place}: {".".join(key)}: write a list or table as JSON, e.g. [1, 2] or {{"key": 1}}']
    return []


def secret_keys(value: Any, table: str = "") -> Iterator[str]:
    """Secret-looking keys anywhere in the config file, named as TOML would (`[bot] token`), never with values."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            shown = key if _BARE_KEY.fullmatch(key) else json.dumps(key)
            if looks_secret(key):
                yield f"[{table}] {shown}" if table else shown
            else:
                yield from secret_keys(item, f"{table}.{shown}" if table else shown)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from secret_keys(item, f"{table}[{index}]")


def _nested(key: tuple[str, ...], value: Any) -> dict[str, Any]:
    """`value` at `key` (`("bot", "cooldown_seconds")`) in nested tables."""
    for part in reversed(key):
        value = {part: value}
    return cast(dict[str, Any], value)


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `over`'s values on top; where both hold a table, the two are merged too."""
    merged = dict(base)
    for key, value in over.items():
        below = merged.get(key)
        merged[key] = _merge(below, value) if isinstance(below, dict) and isinstance(value, Mapping) else value
    return merged


def provides(data: Any, loc: tuple[str | int, ...]) -> bool:
    """Whether a table (config file, arguments, a JSON variable) holds a value at `loc`."""
    for part in loc:
        data = _child(data, part)
        if data is _MISSING:
            return False
    return True


def _child(data: Any, part: str | int) -> Any:
    if isinstance(data, Mapping):
        return data.get(part, _MISSING)
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return data[part]
    return _MISSING


def sets(name: str, value: str | None, loc: tuple[str | int, ...]) -> bool:
    """Whether variable `name` set the value at `loc`, or something inside it (a table-level error)."""
    target = variable_target(name)
    if target is None or value is None:
        return False
    key = target[0]
    if tuple(loc[: len(key)]) == key:  # the variable is the key, or a JSON table or list holding it
        return len(loc) == len(key) or provides(parse_json(value), loc[len(key) :])
    return tuple(key[: len(loc)]) == loc  # the variable is inside the table the error is about


def parse_json(text: str) -> Any:
    """A JSON value, or None when `text` is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return None


# Messages.


def describe(error: ValidationError, sources: Sources) -> str:
    """One line per wrong value: where it was set, the key, what was expected; the value only when safe."""
    return "\n".join(_describe_one(item, sources) for item in error.errors())


def _describe_one(item: ErrorDetails, sources: Sources) -> str:
    loc = tuple(item["loc"])
    given = item.get("input")
    message = item["msg"]
    if isinstance(error := item.get("ctx", {}).get("error"), OptionError):
        # A retrieval option's own range check, raised for its whole table: point at the key instead.
        loc, given, message = (*loc, error.key), error.value, error.message
    if item["type"] in _UNKNOWN_KEY:
        message = "not a setting (misspelt, or in the wrong table?)"
    key = ".".join(str(part) for part in loc) or "(top level)"
    places = sources.places(loc, whole_table=isinstance(given, Mapping))
    where = " and ".join(place.label for place in places) or "settings"
    safe = bool(places) and all(place.shows_values for place in places)
    secret = any(isinstance(part, str) and looks_secret(part) for part in loc)
    shown = f" (got {_short(given)})" if safe and not secret and _is_scalar(given) else ""
    return f"{where}: {key}: {message}{shown}"


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | Path)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
