"""The archive options a shell command validated last, remembered for the next `newsbot ask`.

Validating the settings means loading pydantic, which alone costs a shell
`ask` more than a bare interpreter start (issue #14; `benchmarks/shell.py`).
Yet the options follow only from what the validation read: the config file,
`.env`, newsbot's environment variables and the working directory, and the
code that validates them. So each command that validated its settings stores
the archive options, as JSON, under a digest of all of those; an `ask` that
finds an entry for the same digest uses it and validates nothing. Any change
to a byte of those inputs (or to the validating code) makes a new digest,
hence a miss, and a full validation with its error messages.

An entry holds no secret: only the archive's options (paths, engine, limits).
The token read from the environment or `.env` enters the digest, which does
not reveal it. Entries live in `$XDG_CACHE_HOME/newsbot` (`~/.cache/newsbot`);
when that cannot be written, nothing is cached and every `ask` validates.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from newsbot.bot.config_sources import DOTENV, config_path, ours
from newsbot.retrieval import options as options_module
from newsbot.retrieval.options import ArchiveOptions

log = logging.getLogger(__name__)

KEPT_ENTRIES = 32  # one per distinct set of inputs; the oldest beyond this are removed
_FORMAT = b"newsbot-options-1"
# The code that turns the inputs into options: a change to it is a change of the inputs.
_VALIDATING_CODE = (Path(__file__).with_name("settings.py"), Path(__file__), Path(options_module.__file__))


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
        part("dotenv", DOTENV.read_bytes() if DOTENV.is_file() else b"")
        for name in sorted(name for name in os.environ if ours(name)):
            part(os.fsdecode(name), os.fsencode(os.environ[name]))
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
        temporary.write_text(json.dumps(options.to_json()), encoding="utf-8")
        os.replace(temporary, where)
        others = sorted((p for p in where.parent.glob("options-*.json") if p != where), key=_age)
        for stale in others[: max(0, len(others) - (KEPT_ENTRIES - 1))]:
            stale.unlink(missing_ok=True)
    except OSError as error:
        log.debug("cannot cache the validated options in %s (%s)", where.parent, error)
