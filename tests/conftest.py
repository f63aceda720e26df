"""Shared fixtures: the real seed, a temporary archive on disk, the benchmark corpus."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from retrieval.archive import Archive
from retrieval.options import ArchiveOptions

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_5366ab7e5f21e498.txt"


def shared_dir() -> Path:
    """`shared/` sits beside the repository, both here and in CI's clean clone."""
    return ROOT.parent / "shared"


@pytest.fixture
def news_jsonl() -> Path:
    path = shared_dir() / "data" / "news" / "articles.jsonl"
    assert path.is_file(), f"benchmark corpus missing at {path}: shared/ must sit beside the repository"
    return path


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "seeds"
    directory.mkdir()
    shutil.copy(SEED, directory / SEED.name)
    return directory


@pytest.fixture
def options(tmp_path: Path, seeds_dir: Path) -> ArchiveOptions:
    return ArchiveOptions(seeds_dir=seeds_dir, data_dir=tmp_path / "data")


@pytest.fixture
async def archive(options: ArchiveOptions) -> AsyncIterator[Archive]:
    opened = await Archive.open(options)
    await opened.reindex()
    yield opened
    await opened.close()
