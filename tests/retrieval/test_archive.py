"""The archive end to end: answers, incremental reindex, crashes, an index out of step."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from newsbot.retrieval import Archive, ReindexBusy, checkpoints
from newsbot.retrieval.lifecycle import IndexKeeper
from newsbot.retrieval.locking import WriterLock
from newsbot.retrieval.options import ArchiveOptions, SearchOptions
from tests.conftest import SEED
from tests.retrieval.test_formats import SEED_HEADLINES

# One question per body paragraph of the seed, and the words its answer must quote.
PARAGRAPH_QUESTIONS = [
    ("What report did the International Crisis Group publish?", "has published a report"),
    ("How much of the former NKAO did Azerbaijan regain during the fighting?", "one-third of the former NKAO"),
    ("Will the truce be maintained for decades?", "maintaining the current truce for decades"),
    ("Why are the US and France wary of a Russian-Turkish alliance?", "Russian-Turkish alliance"),
    ("What did the ICG say about Russia and Turkey?", "Russia, Turkey and Western countries"),
]


@pytest.mark.parametrize(("question", "quoted"), PARAGRAPH_QUESTIONS)
async def test_each_seed_paragraph_is_found_with_the_page_date(archive: Archive, question: str, quoted: str) -> None:
    answer = await archive.ask(question)
    best = answer.hits[0]
    assert quoted in best.excerpt
    assert best.date == date(2026, 1, 14)
    assert best.date_human == "14 January 2026"
    assert best.file == SEED.name
    assert best.title == "Sustainable peace in Karabakh will require cooperation of external players – ICG"


@pytest.mark.parametrize(("headline", "day"), SEED_HEADLINES)
async def test_each_headline_is_found_with_its_own_date(archive: Archive, headline: str, day: date) -> None:
    words = " ".join(headline.replace("“", "").replace("”", "").split()[:8])
    answer = await archive.ask(words)
    best = answer.hits[0]
    assert (best.kind, best.title, best.date) == ("headline", headline, day)


async def test_matched_words_are_marked_in_the_excerpt(archive: Archive) -> None:
    hit = (await archive.ask("Russia and Turkey")).hits[0]
    marked = {hit.excerpt[a:b] for a, b in hit.highlights}
    assert {"Russia", "Turkey"} <= marked
    assert all(hit.excerpt[a:b].lower() in {"russia", "turkey", "russian", "turkey’s"} for a, b in hit.highlights)


@pytest.mark.parametrize("question", ["", "the and of", "zxqv blorft", "What is it?", "\"*():^-'"])
async def test_questions_without_known_terms_find_nothing(archive: Archive, question: str) -> None:
    assert not (await archive.ask(question)).found


@pytest.mark.parametrize(
    "question", ['Azerbaijan\'s "Eurasian" (initiative)', "Turkey*: ^Putin's -residence", "ICG:report~"]
)
async def test_query_syntax_characters_never_break_a_question(archive: Archive, question: str) -> None:
    assert (await archive.ask(question)).found


async def test_score_floor_turns_weak_matches_into_nothing_found(options: ArchiveOptions) -> None:
    strict = replace(options, search=SearchOptions(min_score=50.0))
    archive = await Archive.open(strict)
    try:
        await archive.reindex()
        assert not (await archive.ask("Russia and Turkey")).found
    finally:
        await archive.close()


async def test_date_range_applies_to_headline_dates(archive: Archive) -> None:
    answer = await archive.ask("Ukraine", k=10, after=date(2026, 1, 6), before=date(2026, 1, 9))
    assert answer.found
    assert all(date(2026, 1, 6) <= hit.date <= date(2026, 1, 9) for hit in answer.hits if hit.date)
    assert {hit.date for hit in answer.hits} == {date(2026, 1, 6), date(2026, 1, 9)}


async def test_rank_bm25_engine_answers_the_same_seed_question(options: ArchiveOptions) -> None:
    archive = await Archive.open(replace(options, engine="rank-bm25"))
    try:
        await archive.reindex()
        hit = (await archive.ask("What did the ICG say about Russia and Turkey?")).hits[0]
        assert "Russia, Turkey and Western countries" in hit.excerpt
    finally:
        await archive.close()


async def test_latest_lists_headlines_and_articles_newest_first_without_duplicates(
    archive: Archive, options: ArchiveOptions
) -> None:
    copy = options.seeds_dir / "copy.txt"
    copy.write_text(SEED.read_text(encoding="utf-8").replace("Sustainable peace", "Lasting peace"), encoding="utf-8")
    await archive.reindex()
    items = await archive.latest(20)
    titles = [item.title for item in items]
    assert len(titles) == len(set(titles)) == 12
    assert [item.date for item in items] == sorted((item.date for item in items), reverse=True)
    assert items[0].date == date(2026, 1, 14)
    assert [i.title for i in await archive.latest(3, since=date(2026, 1, 11))][2] == SEED_HEADLINES[0][0]


# -- incremental reindex -------------------------------------------------------


async def _passage_ids(archive: Archive) -> dict[str, set[int]]:
    async with archive.store.db.execute(
        "SELECT d.file, p.id FROM passages p JOIN documents d ON d.id = p.document_id WHERE p.retired IS NULL"
    ) as cursor:
        rows = await cursor.fetchall()
    out: dict[str, set[int]] = {}
    for file, pid in rows:
        out.setdefault(file, set()).add(pid)
    return out


async def test_reindex_touches_only_added_changed_and_removed_files(archive: Archive, options: ArchiveOptions) -> None:
    seeds = options.seeds_dir
    (seeds / "b.md").write_text("---\ntitle: Barley\ndate: 2026-02-01\n---\nBarley prices fell sharply.\n")
    (seeds / "c.md").write_text("---\ntitle: Cotton\ndate: 2026-02-02\n---\nCotton exports doubled.\n")
    first = await archive.reindex()
    assert (first.added, first.changed, first.removed, first.unchanged) == (2, 0, 0, 1)
    before = await _passage_ids(archive)

    (seeds / "b.md").write_text("---\ntitle: Barley\ndate: 2026-02-01\n---\nBarley prices rose sharply.\n")
    (seeds / "c.md").unlink()
    (seeds / "d.md").write_text("---\ntitle: Dates\ndate: 2026-02-03\n---\nDate palms flourished.\n")
    second = await archive.reindex()
    assert (second.added, second.changed, second.removed, second.unchanged) == (1, 1, 1, 1)
    after = await _passage_ids(archive)
    assert second.passages_removed == len(before["b.md"]) + len(before["c.md"])
    assert second.passages_added == len(after["b.md"]) + len(after["d.md"])
    assert after[SEED.name] == before[SEED.name]  # untouched file: same passages, same ids
    assert after["b.md"].isdisjoint(before["b.md"])
    assert "c.md" not in after
    assert (await archive.ask("barley rose")).hits[0].excerpt == "Barley prices rose sharply."
    assert not (await archive.ask("cotton")).found
    assert (await archive.ask("date palms")).found
    assert archive.engine is not None and archive.engine.count() == sum(len(v) for v in after.values())
    # Purged after commit: nothing retired is left behind.
    async with archive.store.db.execute("SELECT COUNT(*) FROM passages WHERE retired IS NOT NULL") as cursor:
        assert (await cursor.fetchone()) == (0,)


async def test_touched_but_identical_file_is_not_reparsed(archive: Archive, options: ArchiveOptions) -> None:
    seed = options.seeds_dir / SEED.name
    seed.write_bytes(seed.read_bytes())  # new mtime, same bytes
    report = await archive.reindex()
    assert (report.added, report.changed, report.removed, report.passages_added) == (0, 0, 0, 0)


async def test_a_second_reindex_while_one_runs_is_refused(archive: Archive) -> None:
    with WriterLock(archive.data_dir), pytest.raises(ReindexBusy):
        await archive.reindex()


async def test_news_export_indexes_cleanly(options: ArchiveOptions, news_jsonl: Path) -> None:
    shutil.copy(news_jsonl, options.seeds_dir / "articles.jsonl")
    archive = await Archive.open(options)
    try:
        report = await archive.reindex()
        assert report.skipped == [] and report.warnings == []
        assert report.added == 232  # 231 articles + the seed page
        answer = await archive.ask("Trump Putin Alaska summit", after=date(2025, 8, 1))
        assert answer.found and all(hit.date and hit.date.year == 2025 for hit in answer.hits)
        assert all(hit.url and hit.url.startswith("http") for hit in answer.hits)
    finally:
        await archive.close()


# -- crashes and an index out of step -----------------------------------------

CRASH_POINTS = [
    "store:after-removals",
    "store:after-batch",
    "index:after-add",
    "index:before-commit",
    "index:after-commit",
]


class Crash(Exception):
    pass


@pytest.mark.parametrize("step", CRASH_POINTS)
async def test_crash_between_steps_leaves_an_archive_that_opens_and_answers(
    options: ArchiveOptions, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    seeds = options.seeds_dir
    (seeds / "old.md").write_text("---\ntitle: Old\n---\nOld news about barley.\n")
    archive = await Archive.open(options)
    await archive.reindex()
    # A reindex that removes, changes and adds, so every step has work to do.
    (seeds / "old.md").unlink()
    seed = seeds / SEED.name
    seed.write_text(
        seed.read_text(encoding="utf-8").replace("ICG analysts say", "ICG analysts insist"), encoding="utf-8"
    )
    (seeds / "new.md").write_text("---\ntitle: New\n---\nNew report on sorghum.\n")

    def crash(name: str) -> None:
        if name == step:
            raise Crash(name)

    monkeypatch.setattr(checkpoints, "reached", crash)
    with pytest.raises(Crash):
        await archive.reindex()
    # Still answering from the previous index in the same process.
    assert (await archive.ask("Russia Turkey ICG")).found
    await archive.close()
    monkeypatch.setattr(checkpoints, "reached", lambda name: None)

    reopened = await Archive.open(options)
    try:
        assert reopened.engine is not None
        assert reopened.engine.generation() == await reopened.store.committed_generation()
        assert (await reopened.ask("Russia Turkey ICG")).found  # no indexed document lost
        # Never a mix: the old archive (barley, no sorghum) or the new one, and the stats agree.
        old = (await reopened.ask("barley")).found
        assert old != (await reopened.ask("sorghum")).found, "a mix of the old and the new archive"
        assert old == (step != "index:after-commit")
        assert reopened.engine.count() == (await reopened.store.counts())["passages"]
        await reopened.reindex()
        assert (await reopened.ask("sorghum")).found
        assert not (await reopened.ask("barley")).found
        assert "insist" in (await reopened.ask("ICG analysts insist")).hits[0].excerpt
        counts = await reopened.store.counts()
        assert reopened.engine.count() == counts["passages"]
    finally:
        await reopened.close()


async def test_deleted_index_directory_is_rebuilt_from_the_store_not_the_seeds(options: ArchiveOptions) -> None:
    archive = await Archive.open(options)
    await archive.reindex()
    await archive.close()
    shutil.rmtree(options.data_dir / "index")
    shutil.rmtree(options.seeds_dir)  # proves the rebuild reads the store
    reopened = await Archive.open(options)
    try:
        assert (await reopened.ask("Russia Turkey ICG")).found
        assert reopened.engine is not None and reopened.engine.count() == 17
    finally:
        await reopened.close()


async def test_corrupt_index_is_rebuilt(options: ArchiveOptions) -> None:
    archive = await Archive.open(options)
    await archive.reindex()
    await archive.close()
    current = (options.data_dir / "index" / "CURRENT").read_text().strip()
    (options.data_dir / "index" / current / "meta.json").write_text("{ not json")
    reopened = await Archive.open(options)
    try:
        assert (await reopened.ask("Oreshnik missile")).found
    finally:
        await reopened.close()


async def test_index_out_of_step_with_the_store_is_rebuilt(options: ArchiveOptions) -> None:
    archive = await Archive.open(options)
    await archive.reindex()
    await archive.store.db.execute("UPDATE meta SET value = '7' WHERE key = 'generation'")
    await archive.close()
    reopened = await Archive.open(options)
    try:
        assert reopened.engine is not None and reopened.engine.generation() == 7
        assert (await reopened.ask("Oreshnik missile")).found
    finally:
        await reopened.close()


async def test_opening_in_step_does_no_rebuild(options: ArchiveOptions, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = await Archive.open(options)
    await archive.reindex()
    await archive.close()

    async def forbidden(self: IndexKeeper, store: object) -> None:
        raise AssertionError("rebuilt an index that was in step")

    monkeypatch.setattr(IndexKeeper, "rebuild", forbidden)
    reopened = await Archive.open(options)
    await reopened.close()


@pytest.mark.parametrize("engine", ["tantivy", "rank-bm25"])
async def test_a_reader_in_another_connection_sees_the_new_index_after_commit(
    options: ArchiveOptions, engine: str
) -> None:
    options = replace(options, engine=engine)
    bot_side = await Archive.open(replace(options, reload_check_seconds=0.0))
    shell_side = await Archive.open(options)
    try:
        await shell_side.reindex()
        assert (await bot_side.ask("Oreshnik")).found
        (options.seeds_dir / "n.md").write_text("---\ntitle: N\n---\nNew sorghum harvest.\n")
        assert not (await bot_side.ask("sorghum")).found
        await shell_side.reindex()
        assert (await bot_side.ask("sorghum")).found
        # The bot reindexes right after the shell did, before any question brought it up to date.
        (options.seeds_dir / "p.md").write_text("---\ntitle: P\n---\nPearl millet prices.\n")
        await shell_side.reindex()
        (options.seeds_dir / "m.md").write_text("---\ntitle: M\n---\nFinger millet exports.\n")
        await bot_side.reindex()
        assert bot_side.engine is not None and bot_side.engine.name == engine
        assert len((await bot_side.ask("millet", k=5)).hits) == 2
    finally:
        await bot_side.close()
        await shell_side.close()


async def test_crash_while_rebuilding_the_index_leaves_a_usable_archive(
    options: ArchiveOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = await Archive.open(options)
    await archive.reindex()
    await archive.store.db.execute("UPDATE meta SET value = '5' WHERE key = 'generation'")
    await archive.close()

    def crash(name: str) -> None:
        if name == "rebuild:before-switch":
            raise Crash(name)

    monkeypatch.setattr(checkpoints, "reached", crash)
    with pytest.raises(Crash):
        await Archive.open(options)
    monkeypatch.setattr(checkpoints, "reached", lambda name: None)
    reopened = await Archive.open(options)
    try:
        assert reopened.engine is not None and reopened.engine.generation() == 5
        assert (await reopened.ask("Oreshnik missile")).found
        assert len([p for p in (options.data_dir / "index").iterdir() if p.is_dir()]) == 1  # the half-built one is gone
    finally:
        await reopened.close()
