"""The seeds folder watched: dropped files indexed by themselves, files still being written left alone."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import date
from pathlib import Path

from newsbot.retrieval import Archive
from newsbot.retrieval.reindex import ReindexReport
from newsbot.retrieval.watch import watch_seeds
from tests.conftest import SEED

STORY = """---
title: Sorghum harvest breaks records
date: 2026-01-15
---
Farmers in the valley brought in a record sorghum harvest this season.
"""


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


async def test_a_file_still_being_written_is_left_for_a_later_round(archive: Archive, seeds_dir: Path) -> None:
    _age(seeds_dir / SEED.name, 60)
    fresh = seeds_dir / "sorghum.md"
    fresh.write_text(STORY, encoding="utf-8")
    report = await archive.reindex(settle_seconds=30)
    assert report.settling == ["sorghum.md"] and report.added == 0
    assert not (await archive.ask("sorghum harvest")).found
    _age(fresh, 60)
    report = await archive.reindex(settle_seconds=30)
    assert report.settling == [] and report.added == 1
    assert (await archive.ask("sorghum harvest")).found


async def test_a_known_file_being_rewritten_keeps_its_articles_meanwhile(archive: Archive, seeds_dir: Path) -> None:
    _age(seeds_dir / SEED.name, 60)
    path = seeds_dir / "sorghum.md"
    path.write_text(STORY, encoding="utf-8")
    _age(path, 60)
    await archive.reindex(settle_seconds=30)
    path.write_text(STORY[: len(STORY) // 2], encoding="utf-8")  # half written, just now
    report = await archive.reindex(settle_seconds=30)
    assert report.settling == ["sorghum.md"] and report.removed == 0 and report.changed == 0
    assert (await archive.ask("sorghum harvest")).found


async def test_the_watcher_indexes_a_dropped_file_by_itself(archive: Archive, seeds_dir: Path) -> None:
    reports: list[ReindexReport] = []
    added = asyncio.Event()

    async def on_report(report: ReindexReport) -> None:
        reports.append(report)
        if report.added:
            added.set()

    stop, ready = asyncio.Event(), asyncio.Event()
    watcher = asyncio.create_task(watch_seeds(archive, on_report, settle=0.2, stop=stop, ready=ready))
    try:
        await asyncio.wait_for(ready.wait(), 20)  # the folder is being watched
        (seeds_dir / "sorghum.md").write_text(STORY, encoding="utf-8")
        await asyncio.wait_for(added.wait(), 20)
    finally:
        stop.set()
        await asyncio.wait_for(watcher, 10)
    assert sum(report.added for report in reports) == 1
    assert (await archive.ask("sorghum harvest")).found


async def test_only_articles_new_to_the_archive_count_as_added(archive: Archive, seeds_dir: Path) -> None:
    first = await archive.generation()
    _, initial = await archive.added_since(0)
    assert [article.file for article in initial] == [SEED.name]  # the first build added the seed
    path = seeds_dir / "sorghum.md"
    path.write_text(STORY, encoding="utf-8")
    await archive.reindex()
    upto, added = await archive.added_since(first)
    assert [(a.title, a.date) for a in added] == [("Sorghum harvest breaks records", date(2026, 1, 15))]
    assert added[0].lead == "Farmers in the valley brought in a record sorghum harvest this season."
    path.write_text(STORY.replace("record sorghum", "bumper sorghum").replace("01-15", "01-16"), encoding="utf-8")
    report = await archive.reindex()
    assert report.changed == 1
    assert (await archive.added_since(upto))[1] == []  # changed and re-dated: not new
