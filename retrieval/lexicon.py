"""English words, to tell a word the archive lacks from a word mistyped.

The archive is the spelling corrector's dictionary, and an archive of a few
hundred articles lacks most of English. Asked "Did Peru's congress vote to
impeach the president?", it offered its nearest words: "impeach" became
"impact", "Vienna" became "Vietnam", "brink" became "Brin", and the question
was answered from a story about something else. A word English uses is
absent from the archive, not misspelt, and the member is told so.

The word list is pyspellchecker's English frequency list (160,572 words seen
at least 50 times in its sources, names and places among them). Of the 166
typo-set misspellings only three are in it ("boa", "ode", "tut"), all too short
to be corrected anyway (`spelling.allowed_edits`).

Loading it through pyspellchecker takes about 0.2 s, which a shell `ask`
would pay for every question naming a word the archive lacks. So the words
are also kept, sorted, one per line, in the user's cache directory
(`$XDG_CACHE_HOME/newsbot`), and looked up by binary search in the mapped
file: nothing to load. The file is named for the size and time of the list it
came from, so a new pyspellchecker writes a new one. When the cache cannot be
written, the list is read the slow way.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import mmap
import os
from collections.abc import Container
from pathlib import Path


def _source() -> Path | None:
    """pyspellchecker's English list, found without importing the package."""
    spec = importlib.util.find_spec("spellchecker")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "resources" / "en.json.gz"


def _cached(source: Path) -> Path | None:
    try:
        stat = source.stat()
        base = os.environ.get("XDG_CACHE_HOME")
        directory = (Path(base) if base else Path.home() / ".cache") / "newsbot"
    except (OSError, RuntimeError):  # no list, or no home directory to be found
        return None
    return directory / f"english-words-{stat.st_size}-{stat.st_mtime_ns}.txt"


class _SortedLines:
    """Membership in a file of sorted lines, by binary search over its bytes, mapped rather than read."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as file:
            self._bytes = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)

    def __contains__(self, word: object) -> bool:
        wanted = str(word).encode("utf-8")  # UTF-8 sorts as the text does, by code point
        data = self._bytes
        low, high = 0, len(data)  # `low` is always the start of a line; no line at or past `high` can match
        while low < high:
            middle = (low + high) // 2
            start = data.rfind(b"\n", low, middle) + 1 or low
            end = data.find(b"\n", start)
            end = len(data) if end < 0 else end
            line = data[start:end]
            if line == wanted:
                return True
            if line < wanted:
                low = end + 1
            else:
                high = start
        return False


@functools.cache
def _words() -> Container[str]:
    """Found on the first word the archive lacks: most questions never need it."""
    source = _source()
    cached = _cached(source) if source is not None else None
    if cached is not None:
        try:
            return _SortedLines(cached)
        except (OSError, ValueError):
            pass  # not written yet (or empty, which mmap refuses): read the list itself
    from spellchecker import SpellChecker

    words = frozenset(SpellChecker(language="en", distance=1).word_frequency.dictionary)
    if cached is not None:
        _keep(words, cached)
    return words


def _keep(words: frozenset[str], cached: Path) -> None:
    """Write the sorted list for the next process; a cache that cannot be written only costs it time."""
    partial = cached.with_name(f"{cached.name}.{os.getpid()}.partial")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text("\n".join(sorted(word for word in words if "\n" not in word)), encoding="utf-8")
        os.replace(partial, cached)  # whole or not at all: a concurrent reader never sees half a list
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def is_english(word: str) -> bool:
    """Is `word` (as typed, any case; a possessive "'s" left off) an English word or a well-known name?"""
    return word.casefold() in _words()
