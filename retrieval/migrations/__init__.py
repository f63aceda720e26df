"""The store's schema, as numbered SQL files applied in order (`0003_boilerplate.sql` makes version 3).

Listed from this folder directly: newsbot is installed unpacked, and a shell
`ask` that checks the version should not pay for `importlib.resources`.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).parent


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped with the package, in order."""
    return sorted(
        (int(path.name.split("_", 1)[0]), path.name, path.read_text(encoding="utf-8"))
        for path in _HERE.glob("[0-9]*.sql")
    )


SCHEMA_VERSION = max(int(path.name.split("_", 1)[0]) for path in _HERE.glob("[0-9]*.sql"))
