"""The English word list: looked up in a sorted file in the cache, or read from pyspellchecker when there is none."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsbot.retrieval import lexicon

WORDS = ["impeach", "vienna", "brink", "pakistan", "squad", "café", "zürich"]
NOT_WORDS = ["pakistn", "sqaud", "vireneer", "zzzzqx"]


@pytest.fixture
def fresh() -> Iterator[None]:
    """Each use finds the list anew, as a new process would."""
    lexicon._words.cache_clear()
    yield
    lexicon._words.cache_clear()


def test_the_list_is_read_once_then_looked_up_in_the_cache(fresh: None) -> None:
    first = lexicon._words()
    assert isinstance(first, frozenset)  # no cache yet: pyspellchecker's list, which writes the cache
    (written,) = (Path(os.environ["XDG_CACHE_HOME"]) / "newsbot").iterdir()  # nothing half-written left beside it
    assert written.name.startswith("english-words-") and written.suffix == ".txt"
    lexicon._words.cache_clear()
    second = lexicon._words()
    assert not isinstance(second, frozenset)  # the sorted file, mapped
    assert written.stat().st_size > 1_000_000
    for word in WORDS:
        assert (word in first) == (word in second) and word in second, word
    for word in NOT_WORDS:
        assert word not in first and word not in second, word


def test_an_unwritable_cache_only_costs_time(fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # its "newsbot" folder cannot be made
    assert lexicon.is_english("Impeach") and not lexicon.is_english("Pakistn")
    lexicon._words.cache_clear()
    assert lexicon.is_english("Vienna")  # read the slow way again, as nothing could be kept


LINE = st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.sets(LINE), st.lists(LINE))
def test_a_sorted_file_holds_exactly_its_lines(
    tmp_path_factory: pytest.TempPathFactory, words: set[str], probes: list[str]
) -> None:
    words.discard("")
    if not words:
        return  # an empty file cannot be mapped; the list is never empty
    path = tmp_path_factory.mktemp("lines") / "words.txt"
    path.write_text("\n".join(sorted(words)), encoding="utf-8")
    lines = lexicon._SortedLines(path)
    for word in [*words, *probes]:
        assert (word in lines) == (word in words), word
