"""The archive: one data directory's store and index, asked questions and reindexed.

A thin facade over the parts that do the work: `lifecycle.IndexKeeper` keeps
the index in step with the store, `reindex.Reindex` brings the store in line
with the seeds folder, `search.search` answers, `store.Store` holds the truth.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from newsbot.retrieval.analyzer import Analyzer
from newsbot.retrieval.answer import Answer
from newsbot.retrieval.answerability import frame_terms, surface_words
from newsbot.retrieval.engines import Engine
from newsbot.retrieval.errors import ArchiveError
from newsbot.retrieval.lifecycle import IndexKeeper
from newsbot.retrieval.locking import WriterLock
from newsbot.retrieval.options import ArchiveOptions
from newsbot.retrieval.reads import LatestItem, PassageReader
from newsbot.retrieval.snapshot import DATABASE_NAME, MAX_QUESTION_CHARS, IndexFailed, Snapshot
from newsbot.retrieval.store import AddedArticle, Store, database_is_damaged, is_damage, set_aside

if TYPE_CHECKING:
    # The reindex machinery (seed parsing, planning) is imported when a reindex runs: a warm `ask` never needs it.
    from newsbot.retrieval.reindex import Progress, ReindexReport

log = logging.getLogger(__name__)

__all__ = ["DATABASE_NAME", "MAX_QUESTION_CHARS", "Archive"]

T = TypeVar("T")


class Archive:
    """Ask questions of, list, and reindex one data directory. Safe to share in one event loop."""

    def __init__(self, options: ArchiveOptions, store: Store) -> None:
        self.options = options
        self.store = store
        self.reader = PassageReader(store.path)
        self.analyzer = Analyzer(stem=options.analyzer.stem, stopwords=options.analyzer.stopwords)
        self.keeper = IndexKeeper(options.engine, options.data_dir, self.analyzer)
        self._data_version = -1
        self._boilerplate: frozenset[int] = frozenset()
        self._refresh_lock = asyncio.Lock()
        self._reindexing = False
        self._checked_at = -1e9
        self._unsaved_questions = 0
        self._saved_at = time.monotonic()

    @property
    def data_dir(self) -> Path:
        return self.options.data_dir

    @property
    def engine(self) -> Engine | None:
        """The engine questions are answered from (None before the first index)."""
        return self.keeper.engine

    # -- opening and keeping the index in step ----------------------------------

    @classmethod
    async def open(cls, options: ArchiveOptions) -> Archive:
        """Open the store and an index in step with it (rebuilt from the store if not).

        A damaged database file is moved aside, never deleted, and replaced by an
        empty one: the next reindex (or a first-run `ask`) rebuilds it from the seeds.
        """
        try:
            return await cls._open(options)
        except sqlite3.DatabaseError as error:
            if not is_damage(error):
                raise
        path = options.data_dir / DATABASE_NAME
        async with WriterLock(options.data_dir, wait=True):
            # A full check of a large file takes a while: off the event loop.
            if await asyncio.to_thread(database_is_damaged, path):  # not already moved aside by another process
                aside = await asyncio.to_thread(set_aside, path)
                log.warning(
                    "the archive database was damaged; moved it to %s and starting afresh from the seeds", aside.name
                )
        return await cls._open(options)

    @classmethod
    async def _open(cls, options: ArchiveOptions) -> Archive:
        store = await Store.open(options.data_dir / DATABASE_NAME)
        archive = cls(options, store)
        try:
            await archive._sync(rebuild_allowed=True)
        except BaseException:
            await archive.close()
            raise
        return archive

    async def close(self) -> None:
        await self._save_question_count()
        self.keeper.close()
        self.reader.close()
        await self.store.close()

    async def _sync(self, rebuild_allowed: bool) -> None:
        self._data_version = await self.store.data_version()
        await self.keeper.sync(self.store, rebuild_allowed)
        self._boilerplate = await self.store.boilerplate()

    async def refresh(self) -> None:
        """Pick up a reindex committed by another process; cheap when nothing changed.

        Checked at most every `reload_check_seconds`, so a busy bot does not ask
        SQLite on every question.
        """
        now = time.monotonic()
        if self._reindexing or (self.engine is not None and now - self._checked_at < self.options.reload_check_seconds):
            return
        self._checked_at = now
        async with self._refresh_lock:
            if await self.store.data_version() != self._data_version or self.engine is None:
                await self._sync(rebuild_allowed=self.engine is None)

    # -- reindexing -----------------------------------------------------------

    async def reindex(
        self, progress: Progress | None = None, allow_removals: bool = False, settle_seconds: float = 0.0
    ) -> ReindexReport:
        """Bring the archive in line with the seeds directory; only changed files are parsed.

        Raises `ReindexBusy` when another reindex runs, `ArchiveError` when the
        seeds directory is missing, `RemovalsNeedConsent` when it would remove
        more than `max_removal_share` of the archive and `allow_removals` is off.
        Files modified within `settle_seconds` are left for a later run (`report.settling`).
        """
        with WriterLock(self.data_dir):
            return await self._reindex(progress, allow_removals, settle_seconds)

    async def ensure_built(self, progress: Progress | None = None) -> ReindexReport | None:
        """Index the seeds if the archive was never built; wait for a first index another process is building.

        Returns the report when this call built it, `None` when it was already built.
        """
        if await self.store.committed_generation() > 0:
            return None
        async with WriterLock(self.data_dir, wait=True):
            if await self.store.committed_generation() > 0:  # built while we waited
                await self._sync(rebuild_allowed=True)
                return None
            return await self._reindex(progress, allow_removals=False)

    async def _reindex(
        self, progress: Progress | None, allow_removals: bool, settle_seconds: float = 0.0
    ) -> ReindexReport:
        """A reindex with the writer lock already held, through its own connection."""
        seeds_dir = self.options.seeds_dir
        if not seeds_dir.is_dir():
            raise ArchiveError(f"seeds directory {seeds_dir} does not exist (setting: seeds_dir / NEWSBOT_SEEDS_DIR)")
        from newsbot.retrieval.reindex import Reindex

        started = time.perf_counter()
        self._reindexing = True
        writer = await Store.open(self.data_dir / DATABASE_NAME)
        try:
            reindex = Reindex(self.keeper, writer, self.options, progress)
            report = await reindex.run(seeds_dir, allow_removals, settle_seconds)
        finally:
            self._reindexing = False
            await writer.close()
        report.seconds = time.perf_counter() - started
        self._data_version = await self.store.data_version()
        self._boilerplate = await self.store.boilerplate()
        return report

    @property
    def reindexing(self) -> bool:
        return self._reindexing

    # -- answering ------------------------------------------------------------

    def _snapshot(self) -> Snapshot:
        return Snapshot(self.options, self.analyzer, self.engine, self.reader, self._boilerplate)

    async def ask(
        self,
        question: str,
        k: int | None = None,
        after: date | None = None,
        before: date | None = None,
        today: date | None = None,
        context: Sequence[str] = (),
    ) -> Answer:
        """The best passages for a question, each with a quoted excerpt: see `Snapshot.ask`.

        Answered in a worker thread from the newest committed index. An index
        that fails on the way is rebuilt from the store, and the question asked again.
        """
        await self.refresh()
        return await self._answered(lambda snapshot: snapshot.ask(question, k, after, before, today, context))

    async def _answered(self, work: Callable[[Snapshot], T]) -> T:
        """`work` on a snapshot, in a worker thread; an engine failing on it gets the index rebuilt, and a retry."""
        try:
            return await asyncio.to_thread(work, self._snapshot())
        except IndexFailed as error:
            log.warning("the search index failed (%s); rebuilding it from the store", error)
            await self.keeper.repair(self.store)
        return await asyncio.to_thread(work, self._snapshot())

    def subject_words(self, question: str) -> dict[str, str]:
        """The question's subject terms (frame words left out), each with the word as typed: what gaps group by."""
        frame = frame_terms(self.analyzer)
        words = surface_words(question, self.analyzer)
        return {term: words.get(term, term) for term in self.analyzer.query_terms(question) if term not in frame}

    async def latest(
        self, count: int, since: date | None = None, until: date | None = None, topic: str | None = None
    ) -> list[LatestItem]:
        """Newest articles and headlines with their dates, deduplicated, optionally within a range
        and on a topic (every one of its words, read by the questions' analyzer)."""
        if topic is None:
            return await asyncio.to_thread(self._snapshot().latest, count, since, until)
        await self.refresh()
        return await self._answered(lambda snapshot: snapshot.latest(count, since, until, topic))

    async def added_since(self, generation: int, limit: int = 1000) -> tuple[int, list[AddedArticle]]:
        """Articles new to the archive in committed generations after `generation` (not changed or
        re-dated ones), oldest first, and the generation that list is complete up to."""
        return await self.store.added_since(generation, limit)

    async def generation(self) -> int:
        """The committed generation: what questions are answered from."""
        return await self.store.committed_generation()

    async def stats(self) -> dict[str, int | str | None]:
        await self._save_question_count()
        counts = await self.store.counts()
        counts["engine"] = self.options.engine
        counts["indexed_passages"] = self.engine.count() if self.engine is not None else 0
        counts["index_generation"] = self.engine.generation() if self.engine is not None else None
        return counts

    async def count_question(self) -> None:
        """Count an answered question; written to the store in batches, not one write per question."""
        self._unsaved_questions += 1
        if time.monotonic() - self._saved_at > 5.0:
            await self._save_question_count()

    async def _save_question_count(self) -> None:
        if self._unsaved_questions:
            count, self._unsaved_questions = self._unsaved_questions, 0
            await self.store.count_questions(count)
        self._saved_at = time.monotonic()
