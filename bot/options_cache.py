"""The archive options a shell command validated last, remembered for the next `newsbot ask`.

Validating the settings means loading pydantic, which alone costs a shell
`ask` more than a bare interpreter start (issue #14; `benchmarks/shell.py`).
Yet the options follow only from what the validation read: the config file,
`.env` (and any variable it refers to), newsbot's environment variables and the
working directory, and the code that validates them (newsbot's modules,
pydantic, Python itself). So each command that validated its settings stores
the archive options, as JSON, under a digest of all of those; an `ask` that
finds an entry for the same digest uses it and validates nothing. Any change
to a byte of those inputs (or to the validating code) makes a new digest,
hence a miss, and a full validation with its error messages.

An entry holds no secret: only the archive's options (paths, engine, limits).
A token written in `.env` enters the digest with the rest of the file, which
does not reveal it; `DISCORD_TOKEN` from the environment is left out. Entries
live in `$XDG_CACHE_HOME/newsbot` (`~/.cache/newsbot`); when that cannot be
written, nothing is cached and every `ask` validates.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import re
import sys
from pathlib import Path

import newsbot.retrieval
from newsbot.bot.config_sources import DOTENV, TOKEN_VARIABLE, config_path, ours
from newsbot.retrieval import ArchiveOptions

log = logging.getLogger(__name__)

KEPT_ENTRIES = 32  # one per distinct set of inputs; the oldest beyond this are removed
_FORMAT = b"newsbot-options-1"
_RETRIEVAL = Path(newsbot.retrieval.__file__).parent
# The code that turns the inputs into options: a change to it (an upgrade, an edit) is a change of the inputs.
_VALIDATING_CODE = (
    Path(__file__),
    Path(__file__).with_name("settings.py"),
    Path(__file__).with_name("config_sources.py"),
    _RETRIEVAL / "options.py",
    _RETRIEVAL / "engines.py",  # the engine names
)
_VALIDATING_PACKAGES = ("pydantic", "pydantic_core")  # found, not imported: importing them is the cost saved
# `.env` may take values from the environment (`${HOME}/data`): those variables are inputs too.
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")


def _age(path: Path) -> int:
    return path.stat().st_mtime_ns


def cache_dir() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        return (Path(base) if base else Path.home() / ".cache") / "newsbot"
    except RuntimeError:  # no home directory to be found
        return None


def entry(explicit: Path | None) -> Path | None:
    """Where the options validated from the current inputs are, or would be, kept."""
    directory = cache_dir()
    if directory is None:
        return None
    digest = hashlib.sha256(_FORMAT)

    def part(label: str, data: bytes) -> None:
        digest.update(f"\0{label}\0{len(data)}\0".encode())
        digest.update(data)

    try:
        part("cwd", os.fsencode(os.getcwd()))
        path = config_path(explicit)
        if path is not None:
            part("config path", os.fsencode(path))
            part("config", path.read_bytes())
        dotenv = DOTENV.read_bytes() if DOTENV.is_file() else b""
        part("dotenv", dotenv)
        for name in sorted(set(_REFERENCE.findall(dotenv.decode("utf-8", "replace")))):
            part(f"referenced {name}", os.fsencode(os.environ.get(name, "\0unset")))
        # Not the token: it sets no archive option, and a new token should not throw the entries away.
        for name in sorted(name for name in os.environ if ours(name) and name.upper() != TOKEN_VARIABLE):
            part(name, os.fsencode(os.environ[name]))
        part("python", sys.version.encode())
        for package in _VALIDATING_PACKAGES:
            spec = importlib.util.find_spec(package)
            origin = spec.origin if spec is not None and spec.origin else ""
            part(f"package {package}", origin.encode() + (b" %d" % Path(origin).stat().st_mtime_ns if origin else b""))
        for code in _VALIDATING_CODE:
            state = code.stat()
            part(os.fsdecode(code), f"{state.st_mtime_ns} {state.st_size}".encode())
    except OSError:
        return None  # an unreadable config file: the full validation says what is wrong
    return directory / f"options-{digest.hexdigest()[:40]}.json"


def cached_options(explicit: Path | None) -> ArchiveOptions | None:
    """The options validated from exactly the current inputs, if a command stored them."""
    found = entry(explicit)
    if found is None:
        return None
    try:
        return ArchiveOptions.from_json(json.loads(found.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, AttributeError):
        return None  # none stored, or not in the form this code writes: validate instead


def remember(where: Path | None, options: ArchiveOptions) -> None:
    """Store options under the `entry(...)` taken before they were validated; a cache that cannot be written is
    no error. Taken before: inputs changed while validating are then read again by the next `ask`."""
    if where is None:
        return
    try:
        where.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = where.with_name(f"{where.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(json.dumps(options.to_json()), encoding="utf-8")
            os.replace(temporary, where)
        finally:
            temporary.unlink(missing_ok=True)  # gone already once replaced; a half-written one goes here
        others = sorted((p for p in where.parent.glob("options-*.json") if p != where), key=_age)
        for stale in others[: max(0, len(others) - (KEPT_ENTRIES - 1))]:
            stale.unlink(missing_ok=True)
    except OSError as error:
        log.debug("cannot cache the validated options in %s (%s)", where.parent, error)
