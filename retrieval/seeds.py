"""Finding article files under the seeds directory and reading them defensively.

Real archives hold broken files: empty, binary, wrongly encoded, huge, or
deleted while we read them. Each is reported by name with a reason and never
stops the rest of the archive from being indexed.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import logging
import os
import stat
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from newsbot.retrieval.documents import Document
from newsbot.retrieval.formats import (
    JSONL_SUFFIXES,
    SUPPORTED_SUFFIXES,
    FormatWarning,
    parse_jsonl,
    parse_text,
)

log = logging.getLogger(__name__)

_SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True)
class SeedFile:
    """A file found under the seeds directory, as `stat` saw it."""

    path: Path
    rel: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file (or part of one) that was not indexed, and why."""

    rel: str
    reason: str


class SkipFile(Exception):
    """This file cannot be read at all; the message is the reason shown to the operator."""


@dataclass(slots=True)
class FileRead:
    """What one file yielded: its articles, plus problems that did not stop it."""

    documents: list[Document] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Scan:
    """What a walk of the seeds folder found, and what it passed over."""

    files: list[SeedFile] = field(default_factory=list)
    passed_over: list[Skipped] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)  # folders that could not be listed, relative


UNSUPPORTED = "unsupported file type (use .txt, .md or .jsonl)"
LINK_OUTSIDE = "link to a place outside the seeds folder; not followed (allow its folder in allowed_link_dirs)"


def scan_seeds(root: Path, allowed_link_dirs: Sequence[Path] = ()) -> Scan:
    """Every supported regular file under `root`, sorted by path, and everything passed over.

    `root` is a boundary: a link is followed only when its target lies inside
    `root` or inside one of `allowed_link_dirs`, so a link to `../.env` or
    `/etc` can never put a file the bot can read in front of every member.
    Finite by construction: each directory (by device and inode) is entered at
    most once, so a link loop (`ln -s . seeds/loop`) cannot multiply the
    archive; FIFOs, sockets and devices are never opened (reading a pipe or
    `/dev/zero` would never end). Hidden files and directories (a leading dot)
    are ignored silently: they are editor and VCS litter, not articles.
    """
    scan = Scan()
    try:
        top = os.stat(root)
    except OSError as error:
        scan.unlisted.append("")
        scan.passed_over.append(Skipped(".", f"cannot list: {error.strerror}"))
        return scan
    boundary = [os.path.realpath(folder) for folder in (root, *allowed_link_dirs)]
    visited = {(top.st_dev, top.st_ino)}
    # (the path as listed, for names under the seeds folder; the real directory, for opening)
    stack = [(root, Path(boundary[0]))]
    while stack:
        directory, real_directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError as error:
            rel = _rel(Path(directory), root)
            scan.unlisted.append("" if rel == "." else rel)
            scan.passed_over.append(Skipped(rel, f"cannot list ({error.strerror}); its articles are kept"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = _rel(Path(entry.path), root)
            real = real_directory / entry.name
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                if not _inside(target, boundary):
                    scan.passed_over.append(Skipped(rel, LINK_OUTSIDE))
                    continue
                real = Path(target)
            try:
                info = entry.stat(follow_symlinks=True)
            except FileNotFoundError:
                if entry.is_symlink():
                    scan.passed_over.append(Skipped(rel, "broken link"))
                continue  # vanished between listing and stat: it is simply not there
            except OSError as error:
                scan.passed_over.append(Skipped(rel, f"cannot stat: {error.strerror}"))
                continue
            if stat.S_ISDIR(info.st_mode):
                if (info.st_dev, info.st_ino) in visited:
                    scan.passed_over.append(Skipped(rel, "directory already indexed (a link loop or a second link)"))
                    continue
                visited.add((info.st_dev, info.st_ino))
                stack.append((Path(entry.path), real))
                continue
            if not stat.S_ISREG(info.st_mode):
                scan.passed_over.append(Skipped(rel, "not a regular file (a pipe, socket or device)"))
                continue
            if Path(entry.name).suffix.lower() not in SUPPORTED_SUFFIXES:
                scan.passed_over.append(Skipped(rel, UNSUPPORTED))
                continue
            scan.files.append(SeedFile(real, rel, info.st_size, info.st_mtime_ns))
    scan.files.sort(key=lambda seed: seed.rel)
    return scan


def _inside(target: str, folders: Sequence[str]) -> bool:
    return any(target == folder or target.startswith(folder.rstrip(os.sep) + os.sep) for folder in folders)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def decode(raw: bytes) -> tuple[str, str | None]:
    """Text from bytes, and a warning when it was not clean UTF-8.

    Windows-1252 is tried before giving up because it is what older news CMSes
    export (its curly quotes are invalid UTF-8); otherwise bad bytes become U+FFFD.
    """
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        position = error.start
    try:
        return raw.decode("cp1252"), f"not UTF-8 (bad byte at {position}); read as Windows-1252"
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        return text, f"invalid UTF-8 at byte {position}; undecodable bytes replaced"


def read_seed(seed: SeedFile, max_file_bytes: int) -> FileRead:
    """All articles of one file. Raises `SkipFile` when nothing of it is usable."""
    if seed.size == 0:
        raise SkipFile("empty file")
    suffix = seed.path.suffix.lower()
    try:
        if suffix in JSONL_SUFFIXES:
            return _read_jsonl(seed, max_file_bytes)
        if seed.size > max_file_bytes:
            raise SkipFile(
                f"{seed.size / 1e6:.1f} MB is over the {max_file_bytes / 1e6:.0f} MB limit "
                "for one article (setting: max_file_mb)"
            )
        with open_regular(seed.path) as handle:
            raw = handle.read(max_file_bytes + 1)
    except FileNotFoundError:
        raise SkipFile("vanished while reading") from None
    except IsADirectoryError:
        raise SkipFile("is a directory") from None
    except OSError as error:
        raise SkipFile(f"cannot read: {error.strerror or error}") from None
    if b"\x00" in raw[:_SNIFF_BYTES]:
        raise SkipFile("binary file, not text")
    if not raw.strip():
        raise SkipFile("empty file")
    text, warning = decode(raw)
    document = parse_text(text, seed.rel)
    if document is None:
        raise SkipFile("no text in file")
    return FileRead([document], [warning] if warning else [])


def open_regular(path: Path) -> BinaryIO:
    """Open a file for reading only if it is a regular file.

    Opened without blocking and checked after opening, so a file swapped for a
    FIFO or a device after the scan can neither hang the reindex nor be read.
    Never through a link (the scan resolved the links it allows): a file
    swapped for a link to `../.env` after the scan is refused.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise SkipFile("became a link after the scan; not followed") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise SkipFile("not a regular file (a pipe, socket or device)")
    return os.fdopen(fd, "rb")


def stream_jsonl(seed: SeedFile, max_line_bytes: int, warnings: list[str]) -> Generator[Document, None, None]:
    """The articles of a JSON Lines export, one at a time; problems go to `warnings` as they are met.

    Exports can be far larger than memory, so they are read line by line with
    an incremental decoder, and one article (one line) is held to the same size
    limit as a single-article file. Raises `SkipFile` for a binary file.
    """
    with open_regular(seed.path) as handle:
        head = handle.read(_SNIFF_BYTES)
        if b"\x00" in head:
            raise SkipFile("binary file, not JSON Lines")
        handle.seek(0)
        decode_warned = False

        def lines() -> Iterator[str]:
            nonlocal decode_warned
            # "-sig": an export saved by a Windows tool opens with a byte-order mark.
            decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
            number = 0
            while raw := handle.readline(max_line_bytes + 1):
                number += 1
                if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                    while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                        pass  # skip the rest of the oversized line without holding it
                    warnings.append(
                        f"line {number}: over the {max_line_bytes / 1e6:.0f} MB limit for one article; skipped"
                    )
                    yield ""
                    continue
                try:
                    yield decoder.decode(raw)
                except UnicodeDecodeError:
                    decoder.reset()
                    if not decode_warned:
                        warnings.append(f"line {number}: invalid UTF-8; bytes replaced")
                        decode_warned = True
                    yield raw.decode("utf-8", errors="replace")

        for item in parse_jsonl(lines(), seed.rel):
            if isinstance(item, FormatWarning):
                warnings.append(str(item))
            else:
                yield item


def no_articles(warnings: list[str]) -> SkipFile:
    """Why an export yielded nothing, as the operator sees it."""
    return SkipFile("no articles: " + ("; ".join(warnings[:3]) or "empty"))


def _read_jsonl(seed: SeedFile, max_line_bytes: int) -> FileRead:
    result = FileRead()
    result.documents.extend(stream_jsonl(seed, max_line_bytes, result.warnings))
    if not result.documents:
        raise no_articles(result.warnings)
    return result


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks so large exports stay cheap in memory."""
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
