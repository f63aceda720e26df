"""Findings of issue 10, each reproduced: an incremental reindex must never lose an article."""

from __future__ import annotations

import os
from pathlib import Path

from retrieval.archive import Archive
from retrieval.options import ArchiveOptions


def _md(title: str, body: str) -> str:
    return f"---\ntitle: {title}\ndate: 2026-02-01\n---\n{body}\n"


async def _titles(archive: Archive) -> set[str]:
    async with archive.store.db.execute("SELECT title FROM documents WHERE retired IS NULL") as cursor:
        return {row[0] for row in await cursor.fetchall()}


async def test_touching_one_file_and_editing_another_loses_neither(options: ArchiveOptions) -> None:
    seeds = options.seeds_dir
    for name in "abcdef":
        (seeds / f"{name}.md").write_text(_md(f"Title {name}", f"Body of article {name} about barley."))
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        before = await _titles(archive)
        os.utime(seeds / "a.md", ns=(1, 1))  # touched: new mtime, same bytes
        with (seeds / "b.md").open("a") as handle:
            handle.write("One more line about sorghum.\n")
        report = await archive.reindex()
        assert (report.added, report.changed, report.removed) == (0, 1, 0)
        assert await _titles(archive) == before
        assert (await archive.ask("article a barley")).hits[0].title == "Title a"
    finally:
        await archive.close()


async def test_appending_to_two_exports_keeps_their_original_articles(options: ArchiveOptions) -> None:
    seeds = options.seeds_dir
    for name in ("x", "y"):
        lines = [
            f'{{"title": "{name} {i}", "url": "https://e.org/{name}/{i}", "text": "Story {name}{i}."}}'
            for i in range(3)
        ]
        (seeds / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        for name in ("x", "y"):
            with (seeds / f"{name}.jsonl").open("a") as handle:
                handle.write(f'{{"title": "{name} new", "url": "https://e.org/{name}/new", "text": "Fresh."}}\n')
        report = await archive.reindex()
        assert (report.added, report.changed, report.removed) == (2, 0, 0)
        titles = await _titles(archive)
        assert {f"{n} {i}" for n in "xy" for i in range(3)} | {"x new", "y new"} <= titles
    finally:
        await archive.close()


async def test_a_new_file_beside_a_touched_one_loses_nothing(options: ArchiveOptions, tmp_path: Path) -> None:
    seeds = options.seeds_dir
    (seeds / "a.md").write_text(_md("Alpha", "Alpha text."))
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        os.utime(seeds / "a.md", ns=(2, 2))
        (seeds / "n.md").write_text(_md("New", "New text."))
        report = await archive.reindex()
        assert (report.added, report.removed) == (1, 0)
        assert {"Alpha", "New"} <= await _titles(archive)
    finally:
        await archive.close()
