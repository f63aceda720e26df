"""Boilerplate: sentences that repeat across many different articles, found per archive.

Scraped pages carry their site's furniture into the text: sign-up footers
("Stay updated with the latest sports news across Cricket, Football, Chess,
and more."), navigation, "report this comment" forms, teasers of other
stories. None of it answers a question, and quoting it makes the bot look
broken. A sentence is boilerplate when it appears under at least
`boilerplate_min_titles` *different* titles: a story scraped twice shares its
title and stays content; a footer on thirty different stories does not.

Each article's sentence keys are stored with it (`sentences` table), so the
boilerplate set follows the archive exactly as articles come and go: only the
keys of articles a reindex added or retired are counted again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from newsbot.retrieval.chunking import sentence_spans

_MIN_WORDS = 3  # "Sport Sport" is navigation too, but two words are too common to judge
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


def _key(text: str) -> int:
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)  # fits SQLite's INTEGER


def normalized(sentence: str) -> str:
    return " ".join(_words(sentence))


def _words(sentence: str) -> list[str]:
    if not sentence.isascii():  # every character folded is outside ASCII; `translate` is slow
        sentence = sentence.translate(_FOLD)
    return sentence.casefold().split()


def sentence_key(sentence: str) -> int | None:
    """A stable 64-bit key of a sentence, or None when it is too short to judge."""
    words = _words(sentence)
    return _key(" ".join(words)) if len(words) >= _MIN_WORDS else None


def sentence_keys(texts: Iterable[str]) -> frozenset[int]:
    """Keys of every sentence in `texts` (an article's body passages)."""
    keys: set[int] = set()
    seen: set[str] = set()  # passages overlap by a sentence or two: each is keyed once
    for text in texts:
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            if sentence in seen:
                continue
            seen.add(sentence)
            key = sentence_key(sentence)
            if key is not None:
                keys.add(key)
    return frozenset(keys)


def title_key(title: str) -> int:
    return _key(normalized(title))
