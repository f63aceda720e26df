"""Findings of issue 10, each reproduced: an incremental reindex must never lose an article."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from newsbot.retrieval import Archive, ReindexBusy, RemovalsNeedConsent
from newsbot.retrieval.lifecycle import IndexKeeper
from newsbot.retrieval.locking import WriterLock
from newsbot.retrieval.options import ArchiveOptions
from newsbot.retrieval.store import Store


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


# -- finding 2: a lock that cannot be stolen ------------------------------------


async def test_deleting_files_in_the_data_directory_does_not_let_a_second_writer_in(archive: Archive) -> None:
    with WriterLock(archive.data_dir):
        for leftover in archive.data_dir.glob("*.lock"):
            leftover.unlink()  # what an operator cleaning "stale" lock files does
        with pytest.raises(ReindexBusy):
            await archive.reindex()


# -- finding 4: finite by construction ------------------------------------------


async def test_a_link_loop_indexes_each_article_once(options: ArchiveOptions) -> None:
    (options.seeds_dir / "loop").symlink_to(".")
    (options.seeds_dir / "sub").mkdir()
    (options.seeds_dir / "sub" / "back").symlink_to("..")
    archive = await Archive.open(options)
    try:
        report = await archive.reindex()
        assert report.added == 1
        assert {s.rel for s in report.skipped} == {"loop", "sub/back"}
        assert all("already indexed" in s.reason for s in report.skipped)
    finally:
        await archive.close()


async def test_pipes_and_devices_are_skipped_not_read(options: ArchiveOptions) -> None:
    os.mkfifo(options.seeds_dir / "pipe.txt")
    (options.seeds_dir / "zero.txt").symlink_to("/dev/zero")
    # Even where the operator allows links to /dev, a device is never read.
    options = replace(options, allowed_link_dirs=[Path("/dev")])
    archive = await Archive.open(options)
    try:
        report = await asyncio.wait_for(archive.reindex(), timeout=60)
        assert {(s.rel, s.reason) for s in report.skipped} == {
            ("pipe.txt", "not a regular file (a pipe, socket or device)"),
            ("zero.txt", "not a regular file (a pipe, socket or device)"),
        }
        assert report.added == 1
    finally:
        await archive.close()


# -- finding 5: consent for mass removal ------------------------------------------


async def test_an_emptied_seeds_folder_removes_nothing_without_consent(options: ArchiveOptions) -> None:
    for name in "abc":
        (options.seeds_dir / f"{name}.md").write_text(_md(f"Title {name}", "Body."))
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        before = await _titles(archive)
        for path in list(options.seeds_dir.iterdir()):
            path.unlink()
        with pytest.raises(RemovalsNeedConsent, match="4 articles"):
            await archive.reindex()
        assert await _titles(archive) == before
        report = await archive.reindex(allow_removals=True)
        assert report.removed == 4 and await _titles(archive) == set()
    finally:
        await archive.close()


async def test_a_folder_that_cannot_be_listed_keeps_its_articles(
    options: ArchiveOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = options.seeds_dir / "locked"
    locked.mkdir()
    (locked / "a.md").write_text(_md("Locked away", "Body."))
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        real_scandir = os.scandir

        def refuse(path: str | os.PathLike[str]) -> object:
            # What `chmod 0` does for a non-root user (root lists everything).
            if Path(path) == locked:
                raise PermissionError(13, "Permission denied")
            return real_scandir(path)

        monkeypatch.setattr(os, "scandir", refuse)
        report = await archive.reindex()
        assert report.removed == 0 and "Locked away" in await _titles(archive)
        assert [(s.rel, s.reason) for s in report.skipped] == [
            ("locked", "cannot list (Permission denied); its articles are kept")
        ]
    finally:
        await archive.close()


# -- finding 6: limits per line and per passage -------------------------------------


async def test_an_oversized_export_line_is_skipped_and_the_rest_kept(options: ArchiveOptions) -> None:
    small = replace(options, max_file_mb=0.001)  # 1,000 bytes
    line = json.dumps({"title": "Huge", "url": "https://e.org/huge", "text": "word " * 400})
    ok = json.dumps({"title": "Fine", "url": "https://e.org/fine", "text": "A fine story."})
    (options.seeds_dir / "e.jsonl").write_text(f"{line}\n{ok}\n")
    archive = await Archive.open(small)
    try:
        report = await archive.reindex()
        assert [w.reason for w in report.warnings] == ["line 1: over the 0 MB limit for one article; skipped"]
        assert "Fine" in await _titles(archive) and "Huge" not in await _titles(archive)
    finally:
        await archive.close()


async def test_passages_without_a_searchable_word_are_not_indexed(options: ArchiveOptions) -> None:
    (options.seeds_dir / "w.md").write_text(_md("Wordless", "x" * 20_000))
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        async with archive.store.db.execute(
            "SELECT kind FROM passages p JOIN documents d ON d.id = p.document_id WHERE d.title = 'Wordless'"
        ) as cursor:
            assert [row[0] for row in await cursor.fetchall()] == ["title"]
    finally:
        await archive.close()


# -- finding 7: first run under concurrency -------------------------------------------


async def test_concurrent_first_asks_wait_for_the_first_index(options: ArchiveOptions) -> None:
    archives = [await Archive.open(options) for _ in range(5)]
    try:
        await asyncio.gather(*(a.ensure_built() for a in archives))
        answers = await asyncio.gather(*(a.ask("ICG Russia Turkey") for a in archives))
        assert all(answer.found for answer in answers)
        assert await archives[0].store.generation() == 1  # built once, not five times
    finally:
        for opened in archives:
            await opened.close()


# -- finding 8: leftovers of a run killed between index commit and purge -------------


async def test_a_reindex_with_nothing_to_do_purges_leftover_retired_rows(archive: Archive) -> None:
    db = archive.store.db
    await db.execute("UPDATE passages SET retired = 1 WHERE id = (SELECT MIN(id) FROM passages)")
    await archive.reindex()
    async with db.execute("SELECT COUNT(*) FROM passages WHERE retired IS NOT NULL") as cursor:
        assert await cursor.fetchone() == (0,)


# -- finding 3: drift and damage are detected and repaired ----------------------------


async def test_a_store_rolled_back_under_an_index_of_the_same_generation_is_detected(options: ArchiveOptions) -> None:
    (options.seeds_dir / "ghost.md").write_text(_md("Ghost", "Spectral sorghum futures."))
    archive = await Archive.open(options)
    await archive.reindex()
    # What a deleted `-wal` file does: the store loses rows, the generation stays.
    db = archive.store.db
    await db.execute("DELETE FROM passages WHERE document_id IN (SELECT id FROM documents WHERE title = 'Ghost')")
    await db.execute("DELETE FROM documents WHERE title = 'Ghost'")
    await db.execute("DELETE FROM files WHERE path = 'ghost.md'")
    await archive.close()
    reopened = await Archive.open(options)
    try:
        # Detected at opening: the index was rebuilt to hold exactly the stored passages.
        assert reopened.engine is not None
        assert reopened.engine.count() == (await reopened.store.counts())["passages"]
        assert not (await reopened.ask("spectral sorghum")).found  # not answered from an article the store lacks
        report = await reopened.reindex()
        assert report.added == 1 and (await reopened.ask("spectral sorghum")).found
    finally:
        await reopened.close()


async def test_random_bytes_in_index_segments_are_repaired_from_the_store(options: ArchiveOptions) -> None:
    archive = await Archive.open(options)
    await archive.reindex()
    await archive.close()
    current = options.data_dir / "index" / (options.data_dir / "index" / "CURRENT").read_text().strip()
    for segment in current.glob("*.term"):
        size = segment.stat().st_size
        with segment.open("r+b") as handle:
            handle.write(os.urandom(size))
    reopened = await Archive.open(options)
    try:
        answer = await reopened.ask("ICG Russia Turkey")
        assert answer.found and "Karabakh" in answer.hits[0].title
    finally:
        await reopened.close()


async def test_random_bytes_inside_fast_fields_are_detected_at_opening(
    options: ArchiveOptions, news_jsonl: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Damage inside the fast fields is found at opening (tantivy's "Invalid data" or missing sampled ids).

    Without the check, the index opens and answers from damaged passage ids.
    """
    shutil.copy(news_jsonl, options.seeds_dir / news_jsonl.name)
    archive = await Archive.open(options)
    await archive.reindex()
    before = [(hit.title, hit.passage_id) for hit in (await archive.ask("Bukele approval rating")).hits]
    await archive.close()
    current = options.data_dir / "index" / (options.data_dir / "index" / "CURRENT").read_text().strip()
    rng = random.Random(7)
    for segment in sorted(current.glob("*.fast")):
        content = bytearray(segment.read_bytes())
        middle = range(64, len(content) - 64)  # every column's values; the header and footer stay intact
        content[middle.start : middle.stop] = bytes(rng.randrange(256) for _ in middle)
        segment.write_bytes(bytes(content))
    rebuilds: list[object] = []
    real_rebuild = IndexKeeper.rebuild

    async def counted(self: IndexKeeper, store: Store) -> None:
        rebuilds.append(store)
        await real_rebuild(self, store)

    monkeypatch.setattr(IndexKeeper, "rebuild", counted)
    reopened = await Archive.open(options)
    try:
        assert len(rebuilds) == 1  # found at opening, before any question
        after = [(hit.title, hit.passage_id) for hit in (await reopened.ask("Bukele approval rating")).hits]
        assert after == before
    finally:
        await reopened.close()
