"""`seeds/` is a boundary: links lead only to files inside it, or inside folders the operator allowed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from newsbot.retrieval import Archive, ArchiveOptions
from newsbot.retrieval.seeds import scan_seeds

SECRET = "DISCORD_TOKEN=MTIz.secret.value"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files beside the seeds folder that no member may ever see: a `.env` and a private folder."""
    (tmp_path / ".env").write_text(SECRET + "\n")
    private = tmp_path / "private"
    private.mkdir()
    (private / "notes.md").write_text("---\ntitle: Private notes\n---\nThe vault code is kumquat.\n")
    return tmp_path


async def _indexed_text(options: ArchiveOptions, question: str) -> list[str]:
    archive = await Archive.open(options)
    try:
        report = await archive.reindex()
        answer = await archive.ask(question)
        reasons = {item.rel: item.reason for item in report.skipped}
        assert all("outside" in reasons[rel] for rel in reasons if rel.startswith("link"))
        return [hit.excerpt for hit in answer.hits] + [hit.title for hit in answer.hits]
    finally:
        await archive.close()


async def test_a_link_to_a_secret_file_outside_the_seeds_is_not_followed(
    options: ArchiveOptions, outside: Path
) -> None:
    (options.seeds_dir / "link-notes.txt").symlink_to(outside / ".env")
    shown = await _indexed_text(options, "discord token secret value")
    assert not any("secret" in text for text in shown)


async def test_a_link_to_a_folder_outside_the_seeds_is_not_walked(options: ArchiveOptions, outside: Path) -> None:
    (options.seeds_dir / "link-private").symlink_to(outside / "private")
    (options.seeds_dir / "link-passwd.txt").symlink_to("/etc/passwd")
    scan = scan_seeds(options.seeds_dir)
    assert {seed.rel for seed in scan.files} == {"000_5366ab7e5f21e498.txt"}
    skipped = {item.rel: item.reason for item in scan.passed_over}
    assert "outside the seeds folder" in skipped["link-private"]
    assert "outside the seeds folder" in skipped["link-passwd.txt"]
    assert not await _indexed_text(options, "vault code kumquat")


async def test_links_inside_the_seeds_folder_are_followed(options: ArchiveOptions) -> None:
    archive_dir = options.seeds_dir / "2026"
    archive_dir.mkdir()
    (archive_dir / "kept.md").write_text("---\ntitle: Kept inside\n---\nLemurs crossed the bridge.\n")
    (options.seeds_dir / "latest.md").symlink_to(archive_dir / "kept.md")
    scan = scan_seeds(options.seeds_dir)
    assert {"2026/kept.md", "latest.md"} <= {seed.rel for seed in scan.files}


async def test_an_operator_may_allow_a_folder_outside_by_name(options: ArchiveOptions, outside: Path) -> None:
    (options.seeds_dir / "link-private").symlink_to(outside / "private")
    allowed = replace(options, allowed_link_dirs=[outside / "private"])
    scan = scan_seeds(allowed.seeds_dir, allowed.allowed_link_dirs)
    assert "link-private/notes.md" in {seed.rel for seed in scan.files}
    # ...and only that folder: a link from inside it to elsewhere is still refused.
    (outside / "private" / "escape.txt").symlink_to(outside / ".env")
    scan = scan_seeds(allowed.seeds_dir, allowed.allowed_link_dirs)
    assert "link-private/escape.txt" not in {seed.rel for seed in scan.files}
    assert any(item.rel == "link-private/escape.txt" for item in scan.passed_over)


def test_a_file_replaced_by_an_outside_link_after_the_scan_is_not_read(options: ArchiveOptions, outside: Path) -> None:
    from newsbot.retrieval.seeds import SkipFile, read_seed

    victim = options.seeds_dir / "swap.txt"
    victim.write_text("Harmless page\nNothing to see.\n")
    seed = next(s for s in scan_seeds(options.seeds_dir).files if s.rel == "swap.txt")
    victim.unlink()
    victim.symlink_to(outside / ".env")
    with pytest.raises(SkipFile):
        read_seed(seed, 1_000_000)
