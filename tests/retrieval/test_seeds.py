"""Bad input never stops the rest: each broken file is reported by name with a reason."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from newsbot.retrieval.archive import Archive
from newsbot.retrieval.options import ArchiveOptions
from newsbot.retrieval.seeds import SeedFile, SkipFile, read_seed, scan_seeds


def _seed(path: Path) -> SeedFile:
    info = path.stat()
    return SeedFile(path, path.name, info.st_size, info.st_mtime_ns)


def test_scan_finds_supported_files_recursively_and_reports_others(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("T\nbody")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("# T\n\nbody")
    (tmp_path / "c.jsonl").write_text('{"title": "t", "text": "x"}\n')
    (tmp_path / "d.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden.txt").write_text("ignored")
    scan = scan_seeds(tmp_path)
    found, passed_over = scan.files, scan.passed_over
    assert [s.rel for s in found] == ["a.txt", "c.jsonl", "sub/b.md"]
    assert [(s.rel, s.reason) for s in passed_over] == [("d.pdf", "unsupported file type (use .txt, .md or .jsonl)")]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\n \t\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file, not text"),
    ],
)
def test_unreadable_files_are_skipped_with_a_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(SkipFile, match=reason):
        read_seed(_seed(path), 10_000_000)


def test_invalid_utf8_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Title\nCaf\xe9 prices rose \x93sharply\x94.\n".encode("latin-1"))
    result = read_seed(_seed(path), 10_000_000)
    assert result.documents[0].body == "Café prices rose “sharply”."
    assert result.warnings == ["not UTF-8 (bad byte at 9); read as Windows-1252"]


def test_undecodable_bytes_are_replaced_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_bytes(b"Title\nGood start \x81\x8d\x8f\x90\x9d end.\n")
    result = read_seed(_seed(path), 10_000_000)
    assert result.documents[0].body.startswith("Good start ")
    assert result.warnings[0].startswith("invalid UTF-8 at byte 17")


def test_huge_single_article_file_is_skipped_by_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(200_000_000)  # sparse: 200 MB without writing them
    with pytest.raises(SkipFile, match=r"200\.0 MB is over the 50 MB limit"):
        read_seed(_seed(path), 50_000_000)


def test_file_vanishing_before_read_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "gone.txt"
    path.write_text("Title\nbody")
    seed = _seed(path)
    path.unlink()
    with pytest.raises(SkipFile, match="vanished while reading"):
        read_seed(seed, 10_000_000)


async def test_broken_files_are_reported_and_the_rest_indexed(options: ArchiveOptions) -> None:
    seeds = options.seeds_dir
    (seeds / "empty.txt").write_bytes(b"")
    (seeds / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (seeds / "export.jsonl").write_text('{"title": "Wheat", "text": "Wheat exports grew."}\nnot json\n')
    with (seeds / "huge.txt").open("wb") as handle:
        handle.truncate(200_000_000)
    archive = await Archive.open(options)
    try:
        report = await archive.reindex()
        assert sorted((s.rel, s.reason) for s in report.skipped) == [
            ("binary.txt", "binary file, not text"),
            ("empty.txt", "empty file"),
            ("huge.txt", "200.0 MB is over the 50 MB limit for one article (setting: max_file_mb)"),
        ]
        assert [(w.rel, w.reason) for w in report.warnings] == [
            ("export.jsonl", "line 2: not valid JSON (Expecting value)")
        ]
        assert report.added == 2
        assert (await archive.ask("wheat exports")).hits[0].title == "Wheat"
    finally:
        await archive.close()


async def test_file_vanishing_mid_reindex_keeps_its_indexed_articles(
    options: ArchiveOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        seed = next(options.seeds_dir.iterdir())
        seed.write_text(seed.read_text() + "\nAn added paragraph about vanishing files.\n")
        import newsbot.retrieval.reindex as reindex_module

        real_digest = reindex_module.file_digest

        def vanish(path: Path) -> str:
            path.unlink()
            return real_digest(path)

        monkeypatch.setattr(reindex_module, "file_digest", vanish)
        report = await archive.reindex()
        assert [(s.rel, s.reason) for s in report.skipped] == [
            (seed.name, "vanished while reading; its indexed articles are kept")
        ]
        assert (await archive.ask("ICG Russia Turkey")).found
    finally:
        await archive.close()


def test_an_export_opening_with_a_byte_order_mark_keeps_its_first_article(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    lines = [json.dumps({"title": "Bom first", "text": "Kumquat orchards."}), json.dumps({"title": "Second"})]
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode("utf-8") + b"\n")
    read = read_seed(SeedFile(path, path.name, path.stat().st_size, 0), 1_000_000)
    assert [d.title for d in read.documents] == ["Bom first", "Second"]
    assert read.warnings == []


async def test_the_skip_report_lists_real_problems_first_and_groups_unsupported_types(
    options: ArchiveOptions,
) -> None:
    seeds = options.seeds_dir
    for i in range(60):
        (seeds / f"scan-{i:02d}.pdf").write_bytes(b"%PDF")
    (seeds / "photo.JPG").write_bytes(b"\xff\xd8")
    (seeds / "zz-binary.txt").write_bytes(b"\x00\x01\x02")
    (seeds / "aa-huge.txt").write_bytes(b"a " * 600_000)
    archive = await Archive.open(replace(options, max_file_mb=1.0))
    try:
        report = await archive.reindex()
    finally:
        await archive.close()
    problems = [(item.rel, item.reason) for item in report.problems()]
    assert problems[0][0] == "aa-huge.txt" and "over the 1 MB limit" in problems[0][1]
    assert problems[1] == ("zz-binary.txt", "binary file, not text")
    assert problems[2:] == [("61 files", "unsupported file type (use .txt, .md or .jsonl): .pdf ×60, .jpg ×1")]
