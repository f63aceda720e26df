"""newsbot's retrieval: seeds folder → articles → passages → BM25 index → quoted, dated answers.

The names the bot (and anyone else) needs are exported here; the modules behind
them are free to change.

The exports are loaded on first use (PEP 562), not when the package is
imported: `newsbot ask` in a shell needs the archive and its search, not
watchfiles (`watch_seeds`) nor the reindex machinery of a warm archive, and
each import is paid on every command (issue #14). Static checkers see the
names through the `TYPE_CHECKING` imports below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsbot.retrieval.answer import Answer, Hit
    from newsbot.retrieval.archive import Archive
    from newsbot.retrieval.dates import human_date, parse_date
    from newsbot.retrieval.errors import ArchiveError, ReindexBusy, RemovalsNeedConsent
    from newsbot.retrieval.locking import WatcherLock
    from newsbot.retrieval.options import ArchiveOptions, OptionError
    from newsbot.retrieval.reads import LatestItem
    from newsbot.retrieval.reindex import ReindexReport
    from newsbot.retrieval.snapshot import DATABASE_NAME, MAX_QUESTION_CHARS, IndexFailed, Snapshot, open_snapshot
    from newsbot.retrieval.store import AddedArticle
    from newsbot.retrieval.watch import reindex_round, watch_seeds

# Each exported name and the module (under this package) that defines it.
_EXPORTS: dict[str, str] = {
    "Answer": "answer",
    "Hit": "answer",
    "DATABASE_NAME": "snapshot",
    "MAX_QUESTION_CHARS": "snapshot",
    "Archive": "archive",
    "human_date": "dates",
    "parse_date": "dates",
    "ArchiveError": "errors",
    "ReindexBusy": "errors",
    "RemovalsNeedConsent": "errors",
    "WatcherLock": "locking",
    "ArchiveOptions": "options",
    "OptionError": "options",
    "IndexFailed": "snapshot",
    "Snapshot": "snapshot",
    "open_snapshot": "snapshot",
    "ReindexReport": "reindex",
    "AddedArticle": "store",
    "LatestItem": "reads",
    "reindex_round": "watch",
    "watch_seeds": "watch",
}

__all__ = [
    "DATABASE_NAME",
    "MAX_QUESTION_CHARS",
    "AddedArticle",
    "Answer",
    "Archive",
    "ArchiveError",
    "ArchiveOptions",
    "Hit",
    "IndexFailed",
    "LatestItem",
    "OptionError",
    "ReindexBusy",
    "ReindexReport",
    "RemovalsNeedConsent",
    "Snapshot",
    "WatcherLock",
    "human_date",
    "open_snapshot",
    "parse_date",
    "reindex_round",
    "watch_seeds",
]


# Hidden from type checkers, which see the imports above instead: a module `__getattr__` would make
# them accept any name imported from here, misspelt ones too.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        """Import the module behind an exported name on first use, and keep the name here for the next."""
        module = _EXPORTS.get(name)
        if module is None:
            # Not an export: `from newsbot.retrieval import checkpoints` then imports the submodule.
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
