"""The validated archive options a shell `ask` reuses: found only for exactly the inputs they came from.

A stale entry would answer with options the operator has since changed, and
would hide a config error behind an answer. So every input the validation
reads is changed here, one at a time, and each change must miss.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path

import pytest

from newsbot.bot import options_cache
from newsbot.bot.options_cache import KEPT_ENTRIES, cached_options, entry, remember
from newsbot.bot.settings import load_settings
from newsbot.retrieval.options import ArchiveOptions, ChunkingOptions, SearchOptions


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with a config file, and none of the environment's newsbot variables."""
    for name in list(os.environ):
        if name.upper().startswith("NEWSBOT_") or name.upper() == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    (work / "config").mkdir(parents=True)
    (work / "config" / "newsbot.toml").write_text("[search]\nresults = 4\n", encoding="utf-8")
    monkeypatch.chdir(work)
    return work


def validated() -> ArchiveOptions:
    """What a full command does: validate, then remember."""
    where = entry(None)
    options = load_settings(None).archive_options()
    remember(where, options)
    return options


def test_options_survive_their_json_form_exactly() -> None:
    options = ArchiveOptions(
        seeds_dir=Path("elsewhere/seeds"),
        data_dir=Path("/var/lib/newsbot"),
        engine="rank-bm25",
        allowed_link_dirs=[Path("/srv/a"), Path("b")],
        max_removal_share=0.25,
        chunking=ChunkingOptions(passage_chars=900, overlap_chars=0),
        search=SearchOptions(results=7, partial_coverage=0.5, absent_is_unanswerable=True),
    )
    assert ArchiveOptions.from_json(options.to_json()) == options
    assert ArchiveOptions.from_json(ArchiveOptions().to_json()) == ArchiveOptions()


def test_the_validated_options_are_found_again_for_the_same_inputs(folder: Path) -> None:
    assert cached_options(None) is None  # nothing validated yet
    options = validated()
    assert options.search.results == 4
    assert cached_options(None) == options


@pytest.mark.parametrize(
    "change",
    [
        "config",
        "dotenv",
        "environment",
        "a variable .env refers to",
        "working folder",
        "validating code",
        "config named",
    ],
)
def test_any_change_to_the_inputs_misses(folder: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    code = folder / "settings.py"  # stands for the validating code
    code.write_text("validates")
    monkeypatch.setattr(options_cache, "_VALIDATING_CODE", (*options_cache._VALIDATING_CODE, code))
    validated()
    assert cached_options(None) is not None
    if change == "config":
        (folder / "config" / "newsbot.toml").write_text("[search]\nresults = 5\n", encoding="utf-8")
    elif change == "dotenv":
        (folder / ".env").write_text("NEWSBOT_SEARCH__RESULTS=6\n", encoding="utf-8")
    elif change == "environment":
        monkeypatch.setenv("NEWSBOT_SEARCH__RESULTS", "6")
    elif change == "a variable .env refers to":
        monkeypatch.setenv("ARCHIVES", "/srv/one")
        (folder / ".env").write_text("NEWSBOT_DATA_DIR=${ARCHIVES}/data\n", encoding="utf-8")
        validated()
        assert cached_options(None) is not None and cached_options(None).data_dir == Path("/srv/one/data")
        monkeypatch.setenv("ARCHIVES", "/srv/two")  # .env unchanged, its value not
    elif change == "working folder":
        other = folder.parent / "other"
        (other / "config").mkdir(parents=True)
        (other / "config" / "newsbot.toml").write_text("[search]\nresults = 4\n", encoding="utf-8")
        monkeypatch.chdir(other)  # the same bytes, but relative paths now mean other folders
    elif change == "validating code":
        state = code.stat()
        os.utime(code, ns=(state.st_atime_ns, state.st_mtime_ns + 1_000))  # an upgrade, or an edit
    elif change == "config named":
        monkeypatch.setenv("NEWSBOT_CONFIG", str(folder / "config" / "newsbot.toml"))
    assert cached_options(None) is None


def test_a_new_token_keeps_the_entry_it_sets_no_archive_option(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    validated()
    monkeypatch.setenv("DISCORD_TOKEN", "a-new-token")
    assert cached_options(None) is not None


def test_the_validating_code_listed_is_the_code_that_validates() -> None:
    names = {path.name for path in options_cache._VALIDATING_CODE}
    assert {"settings.py", "config_sources.py", "options_cache.py", "options.py", "engines.py"} <= names
    assert all(path.is_file() for path in options_cache._VALIDATING_CODE)


def test_an_explicit_config_file_is_its_own_input(folder: Path) -> None:
    other = folder / "other.toml"
    other.write_text("[search]\nresults = 9\n", encoding="utf-8")
    validated()
    assert cached_options(other) is None
    remember(entry(other), load_settings(other).archive_options())
    found = cached_options(other)
    assert found is not None and found.search.results == 9
    assert cached_options(None) is not None and cached_options(None) != found


def test_an_entry_this_code_cannot_read_is_a_miss_not_an_error(folder: Path) -> None:
    validated()
    (entry,) = (Path(os.environ["XDG_CACHE_HOME"]) / "newsbot").glob("options-*.json")
    for text in ("{not json", '{"no_such_option": 1}', '{"search": {"results": 0}}', "[]"):
        entry.write_text(text, encoding="utf-8")
        assert cached_options(None) is None


def test_a_cache_that_cannot_be_written_caches_nothing_and_says_nothing(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    blocker = folder / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # its "newsbot" folder cannot be made
    with caplog.at_level(logging.INFO):
        validated()
    assert cached_options(None) is None
    assert capsys.readouterr() == ("", "") and caplog.records == []


def test_a_failed_write_leaves_no_temporary_file(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    options = validated()
    directory = Path(os.environ["XDG_CACHE_HOME"]) / "newsbot"

    def refused(source: object, target: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(options_cache.os, "replace", refused)
    (folder / ".env").write_text("# new inputs\n", encoding="utf-8")
    remember(entry(None), options)
    assert not list(directory.glob("*.tmp"))


def test_entries_beyond_the_kept_number_are_removed_oldest_first(folder: Path) -> None:
    options = validated()
    directory = Path(os.environ["XDG_CACHE_HOME"]) / "newsbot"
    for number in range(KEPT_ENTRIES + 5):
        (folder / ".env").write_text(f"# input {number}\n", encoding="utf-8")  # new inputs: a new entry
        remember(entry(None), replace(options, search=SearchOptions(results=number % 20 + 1)))
    assert len(list(directory.glob("options-*.json"))) == KEPT_ENTRIES
    assert cached_options(None) is not None  # the newest stays
