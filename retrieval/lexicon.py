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
"""

from __future__ import annotations

import functools


@functools.cache
def _words() -> frozenset[str]:
    """Loaded on the first absent word (0.2 s, about 20 MB): most questions never need it."""
    from spellchecker import SpellChecker

    return frozenset(SpellChecker(language="en", distance=1).word_frequency.dictionary)


def is_english(word: str) -> bool:
    """Is `word` (as typed, any case; a possessive "'s" left off) an English word or a well-known name?"""
    return word.casefold() in _words()
