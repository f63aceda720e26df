"""Shared fixtures: the real seed, a temporary archive on disk, the benchmark corpus."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from newsbot.retrieval.archive import Archive
from newsbot.retrieval.options import ArchiveOptions

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_5366ab7e5f21e498.txt"


# 231 real scraped news articles (boilerplate and duplicates kept), committed
# compressed so the suite needs nothing outside the repository.
NEWS_EXPORT = ROOT / "tests" / "data" / "news-articles.jsonl.gz"


def news_lines() -> list[str]:
    """The news export's lines (split on newlines only, as JSON Lines are)."""
    with gzip.open(NEWS_EXPORT, "rb") as handle:
        return [line.decode("utf-8") for line in handle.read().split(b"\n") if line]


@pytest.fixture(autouse=True)
def own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own `$XDG_CACHE_HOME` (where `newsbot` keeps validated options), inherited by the
    commands it runs: none writes to the home directory, and none finds another test's entries."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


@pytest.fixture
def news_jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "news-articles.jsonl"
    with gzip.open(NEWS_EXPORT, "rb") as handle:
        path.write_bytes(handle.read())
    return path


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "seeds"
    directory.mkdir()
    shutil.copy(SEED, directory / SEED.name)
    return directory


@pytest.fixture
def workdir(tmp_path: Path, seeds_dir: Path) -> Path:
    """A folder to run `newsbot` in, as a newcomer would: the bundled seed in `seeds/`, `data/` to come."""
    return tmp_path


@pytest.fixture
def options(tmp_path: Path, seeds_dir: Path) -> ArchiveOptions:
    return ArchiveOptions(seeds_dir=seeds_dir, data_dir=tmp_path / "data")


@pytest.fixture
async def archive(options: ArchiveOptions) -> AsyncIterator[Archive]:
    opened = await Archive.open(options)
    await opened.reindex()
    yield opened
    await opened.close()
