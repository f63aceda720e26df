"""Deduplication never costs results: k distinct answers (or all there are), n distinct headlines."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

from newsbot.retrieval import Archive, ArchiveOptions
from tests.conftest import SEED


def _copies(seeds: Path, count: int) -> None:
    for i in range(count):
        shutil.copy(SEED, seeds / f"copy-{i:02d}.txt")


async def test_many_copies_of_a_page_still_give_k_distinct_answers(options: ArchiveOptions) -> None:
    _copies(options.seeds_dir, 30)
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        answer = await archive.ask("Ukraine", k=3)
        assert len(answer.hits) == 3
        assert len({hit.passage for hit in answer.hits}) == 3
    finally:
        await archive.close()


async def test_latest_lists_as_many_distinct_items_as_asked(options: ArchiveOptions) -> None:
    # Thirty pages that share one "Latest news" block, as a scraped site's pages do.
    block = "Latest news" + "".join(f"\nShared headline {i}\n{10 + i % 5}.Jan.2026" for i in range(5))
    for i in range(30):
        page = f"Page {i} title\nBody of page {i} about barley.\n{block}\n{1 + i % 9} Jan 2026\n"
        (options.seeds_dir / f"page-{i:02d}.txt").write_text(page)
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        items = await archive.latest(10)
        assert len(items) == 10
        assert len({item.title for item in items}) == 10
    finally:
        await archive.close()


async def test_a_date_beyond_tomorrow_is_reported_and_not_used_for_ordering(options: ArchiveOptions) -> None:
    far = date.today() + timedelta(days=400)
    (options.seeds_dir / "typo.md").write_text(f"---\ntitle: Typo date\ndate: {far.isoformat()}\n---\nOats rose.\n")
    (options.seeds_dir / "bug.md").write_text("---\ntitle: Scraper bug\ndate: 9999-12-31\n---\nRye fell.\n")
    tomorrow = date.today() + timedelta(days=1)
    (options.seeds_dir / "tz.md").write_text(f"---\ntitle: Time zones\ndate: {tomorrow.isoformat()}\n---\nMillet.\n")
    archive = await Archive.open(options)
    try:
        report = await archive.reindex()
        warned = {item.rel: item.reason for item in report.warnings}
        assert "in the future" in warned["typo.md"] and "9999-12-31" in warned["bug.md"]
        assert "tz.md" not in warned  # a day ahead is a time zone, not an error
        latest = [item.title for item in await archive.latest(5)]
        assert latest[0] == "Time zones"
        assert "Typo date" not in latest and "Scraper bug" not in latest
        hit = (await archive.ask("rye fell")).hits[0]
        assert hit.title == "Scraper bug" and hit.date is None
    finally:
        await archive.close()


async def test_a_story_scraped_twice_is_one_answer_naming_both_sources(options: ArchiveOptions) -> None:
    body = "The Brahmaputra rose overnight and flooded twelve villages near Dibrugarh."
    for name in ("site-a", "site-b"):
        (options.seeds_dir / f"{name}.md").write_text(
            f"---\ntitle: Assam floods\ndate: 2026-02-01\nurl: https://{name}.example/floods\n---\n{body}\n"
        )
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        answer = await archive.ask("Brahmaputra flooded villages Dibrugarh", k=3)
        assert len(answer.hits) == 1
        sources = {answer.hits[0].url, *answer.hits[0].also}
        assert sources == {"https://site-a.example/floods", "https://site-b.example/floods"}
    finally:
        await archive.close()


async def test_a_story_scraped_with_small_differences_is_one_answer_too(options: ArchiveOptions) -> None:
    body = (
        "The Brahmaputra rose overnight and flooded twelve villages near Dibrugarh, officials said, "
        "and rescue teams moved more than four thousand people to relief camps on higher ground."
    )
    variants = {"site-a": body + " Read more on our app.", "site-b": "By a staff reporter. " + body}
    for name, text in variants.items():
        (options.seeds_dir / f"{name}.md").write_text(
            f"---\ntitle: Floods in Assam ({name})\ndate: 2026-02-01\nurl: https://{name}.example/f\n---\n{text}\n"
        )
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        answer = await archive.ask("Brahmaputra flooded villages Dibrugarh relief camps", k=3)
        assert len(answer.hits) == 1
        assert {answer.hits[0].url, *answer.hits[0].also} == {"https://site-a.example/f", "https://site-b.example/f"}
    finally:
        await archive.close()
