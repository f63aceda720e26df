"""What a reindex must do, decided by pure functions before anything is written.

Two steps, each a plain comparison that unit tests can drive without a disk:
`plan_files` compares the scanned seeds folder with the files the store knows;
`plan_articles` compares the articles one file yields now with the live
articles *of that same file*. Keeping the second step per file is the point:
comparing against the articles of every file in a batch is how an earlier
version retired untouched articles for good.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple


class FileState(NamedTuple):
    """What the store remembers of a file: `stat` size and mtime, and its bytes' hash."""

    size: int
    mtime_ns: int
    sha256: str


class Scanned(NamedTuple):
    """A file the scan found: its path under the seeds folder and its `stat` size and mtime."""

    rel: str
    size: int
    mtime_ns: int


@dataclass
class FilePlan:
    """Every file the store or the scan knows, in exactly one group."""

    unchanged: list[str] = field(default_factory=list)  # same size and mtime: not opened
    check: list[str] = field(default_factory=list)  # known, stat changed: hash, maybe re-read
    new: list[str] = field(default_factory=list)  # not known: read
    gone: list[str] = field(default_factory=list)  # known, not found: its articles leave
    kept: list[str] = field(default_factory=list)  # known, under a folder that could not be listed

    @property
    def to_read(self) -> list[str]:
        return sorted(self.check + self.new)


def _under(rel: str, folders: Sequence[str]) -> bool:
    return any(folder in ("", ".") or rel == folder or rel.startswith(folder.rstrip("/") + "/") for folder in folders)


def plan_files(
    scanned: Iterable[Scanned],
    known: Mapping[str, FileState],
    unlisted: Sequence[str] = (),
    with_articles: Iterable[str] = (),
) -> FilePlan:
    """Group files by what a reindex must do with them.

    `with_articles` are files that have live articles in the store: a file with
    articles but no remembered state still counts as known, so it can be
    removed. Files under an `unlisted` folder (one the scan could not list) are
    kept as they are: an unreadable folder is not a deleted one.
    """
    plan = FilePlan()
    found: set[str] = set()
    for seed in scanned:
        found.add(seed.rel)
        state = known.get(seed.rel)
        if state is None:
            plan.new.append(seed.rel)
        elif (state.size, state.mtime_ns) == (seed.size, seed.mtime_ns):
            plan.unchanged.append(seed.rel)
        else:
            plan.check.append(seed.rel)
    for rel in sorted(set(known) | set(with_articles)):
        if rel in found:
            continue
        (plan.kept if _under(rel, unlisted) else plan.gone).append(rel)
    for group in (plan.unchanged, plan.check, plan.new):
        group.sort()
    return plan


class Article(NamedTuple):
    """An article as the planner sees it: its key and the hash of what members can see."""

    key: str
    content_hash: str


@dataclass
class ArticlePlan:
    """One file's articles: which to add, which replace which, which leave."""

    added: list[str] = field(default_factory=list)  # keys
    changed: list[tuple[str, int]] = field(default_factory=list)  # (key, id of the article it replaces)
    unchanged: list[str] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)  # ids of live articles the file no longer holds

    @property
    def retired(self) -> list[int]:
        return [old for _, old in self.changed] + self.removed


def plan_articles(current: Iterable[Article], live: Mapping[str, tuple[int, str]]) -> ArticlePlan:
    """Compare what a file holds now with the live articles of that file only (`key -> (id, hash)`)."""
    plan = ArticlePlan()
    seen: set[str] = set()
    for article in current:
        if article.key in seen:
            continue  # parsers make keys unique; a repeat would only replace itself
        seen.add(article.key)
        old = live.get(article.key)
        if old is None:
            plan.added.append(article.key)
        elif old[1] == article.content_hash:
            plan.unchanged.append(article.key)
        else:
            plan.changed.append((article.key, old[0]))
    plan.removed = sorted(old_id for key, (old_id, _) in live.items() if key not in seen)
    return plan


def removal_share(removing: int, archive_size: int) -> float:
    """The share of the archive's articles a reindex would remove."""
    return removing / archive_size if archive_size else 0.0
