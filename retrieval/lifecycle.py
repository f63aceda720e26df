"""The search index's life: opened, checked against the store, rebuilt from it, switched atomically.

The SQLite store is the truth; the index is derived from it. Both carry a
generation number. A reader answers from the store's *committed* generation
(see `retrieval/reindex.py` for how a writer moves it on); the index is in
step when it holds exactly that generation's passages. Equal numbers are not
proof of that, so every check also compares passage counts and looks up a
sample of stored ids. An index that fails the check is rebuilt from the
store, never from the seeds, in a new directory that `CURRENT` then names.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from datetime import date
from pathlib import Path

from newsbot.retrieval import checkpoints
from newsbot.retrieval.analyzer import Analyzer
from newsbot.retrieval.engines import (
    Engine,
    EngineName,
    IndexedPassage,
    current_index,
    differing_articles,
    index_failed,
    index_root,
    open_current,
    open_engine,
    remove_index,
)
from newsbot.retrieval.errors import ReindexBusy
from newsbot.retrieval.locking import WriterLock
from newsbot.retrieval.reads import AGREEMENT_SAMPLE, Pending
from newsbot.retrieval.store import Store

log = logging.getLogger(__name__)


async def _recount(store: Store) -> None:
    """Set the store's kept live passage count to a real count, and say so if it was off. Writer lock held."""
    kept, counted = await store.recount_live()
    if kept != counted:
        log.warning("the store's kept count of live passages had drifted (%s); recounted it: %d", kept, counted)


def _ordinal(day: str | None) -> int | None:
    return date.fromisoformat(day).toordinal() if day else None


class IndexKeeper:
    """Holds the engine one process answers from, and keeps it in step with the store."""

    def __init__(self, engine_name: EngineName, data_dir: Path, analyzer: Analyzer) -> None:
        self.engine_name = engine_name
        self.data_dir = data_dir
        self.analyzer = analyzer
        self.engine: Engine | None = None
        # tantivy lives on disk, shared with other processes; rank-bm25 in this process's memory.
        self.persistent = engine_name == "tantivy"

    @property
    def _root(self) -> Path:
        return index_root(self.data_dir)

    def _open_current(self) -> Engine | None:
        return open_current(self.engine_name, self.data_dir, self.analyzer)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None

    async def sync(self, store: Store, rebuild_allowed: bool) -> None:
        """Answer from the store's committed generation: reopen, reload, or (if allowed) rebuild."""
        if not self.persistent:  # in memory: rebuilt from the store whenever it falls behind
            if self.engine is None or self.engine.generation() != await store.committed_generation():
                await self.rebuild(store)
            return
        pending = await store.pending()
        current = current_index(self.data_dir)
        engine = self.engine
        if engine is None or getattr(engine, "path", None) != current:
            fresh = self._open_current()
            if fresh is not None or engine is None:
                if engine is not None:
                    engine.close()
                engine = self.engine = fresh
        else:
            # Same directory: another process may have committed to it in place.
            await asyncio.to_thread(engine.reload)
        if engine is not None and await self.in_step(store, pending):
            if pending is not None and engine.generation() == pending.generation and rebuild_allowed:
                await self._finish_indexed_generation(store)
            return
        if not rebuild_allowed:
            return
        try:
            with WriterLock(self.data_dir):
                await self.rebuild(store)
        except ReindexBusy:
            log.info("index generation differs from the store while another process reindexes; waiting for it")
            if self.engine is None:
                self.engine = self._open_current()

    async def _finish_indexed_generation(self, store: Store) -> None:
        """`finish_indexed_generation` from a reader, if no writer is running (which would finish it)."""
        try:
            with WriterLock(self.data_dir):
                await self.finish_indexed_generation(store)
        except ReindexBusy:
            pass

    async def finish_indexed_generation(self, store: Store) -> bool:
        """A writer died after committing the index, before telling the store: tell it now. Lock held.

        True when it did: the pending generation is the committed one.
        """
        pending = await store.pending()
        engine = self.engine
        if pending is None or engine is None or engine.generation() != pending.generation:
            return False
        if not await self.agrees(store, None):
            return False
        await store.finish_generation()
        return True

    async def in_step(self, store: Store, pending: Pending | None) -> bool:
        """Whether the index holds the committed generation, or a pending one it already committed."""
        engine = self.engine
        if engine is None:
            return False
        if pending is not None and engine.generation() == pending.generation:
            # Killed between the index commit and clearing the mark: the index is ahead, and right.
            return await self.agrees(store, None)
        return engine.generation() == await store.committed_generation() and await self.agrees(store, pending)

    async def agrees(self, store: Store, as_of: Pending | None) -> bool:
        """Cheap check that the index holds what the store holds for its generation.

        Equal generations are not enough: a store rolled back under the index (a
        deleted `-wal` file) or an index damaged on disk keeps its number. So the
        passage counts must match, in all and for a spread sample of articles.
        """
        engine = self.engine
        if engine is None:
            return False
        count, sample = await store.agreement_sample(AGREEMENT_SAMPLE, as_of)
        try:
            indexed = engine.count()
            differing = await asyncio.to_thread(differing_articles, engine, sample)
        except BaseException as error:
            if not index_failed(error):
                raise
            log.warning("the search index fails (%s); it will be rebuilt from the store", error)
            return False
        if indexed != count or differing:
            log.warning(
                "the search index disagrees with the store (%d passages indexed, %d stored, %d of %d sampled "
                "articles with other passage counts); it will be rebuilt from the store",
                indexed,
                count,
                len(differing),
                len(sample),
            )
            return False
        if as_of is None:
            await self._keep_count_true(store, count)
        return True

    async def _keep_count_true(self, store: Store, counted: int) -> None:
        """The kept live passage count (what a shell `ask` checks its index against) must be the counted one.

        It is kept by every insert and retirement, and tests hold it so; should it
        ever drift (a hand-edited database, a bug), a shell `ask` would take the slow
        path every time without saying why. Recounted here under the writer lock;
        skipped while a writer (maybe this very process) runs: the next check looks again.
        """
        if await store.kept_live_count() == counted:
            return
        try:
            with WriterLock(self.data_dir):
                # Said only if still off under the lock: not merely a reindex that committed meanwhile.
                await _recount(store)
        except ReindexBusy:
            return

    async def add_stored(self, store: Store, as_of: Pending | None, since: int = 0) -> None:
        """Add the store's passages (of the generation before `as_of`; from id `since`) to the engine."""
        engine = self.engine
        assert engine is not None

        def add(rows: list[tuple[int, int, str, str | None]]) -> None:
            engine.add(IndexedPassage(pid, doc, text, _ordinal(day)) for pid, doc, text, day in rows)

        async for rows in store.live_passages(as_of, since):
            await asyncio.to_thread(add, rows)

    async def rebuild(self, store: Store) -> None:
        """A fresh index of the committed generation, switched to atomically. The writer lock is held."""
        pending = await store.pending()
        generation = await store.committed_generation()
        if not self.persistent:
            self.close()
            self.engine = open_engine(self.engine_name, None, self.analyzer)
            await self.add_stored(store, pending)
            await asyncio.to_thread(self.engine.commit, generation)
            return
        log.log(
            logging.WARNING if generation else logging.DEBUG,
            "rebuilding the search index from the store (generation %d)",
            generation,
        )
        self._root.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._root / f"tantivy-{generation:06d}-{uuid.uuid4().hex[:8]}"
        old, self.engine = self.engine, open_engine(self.engine_name, path, self.analyzer)
        try:
            await self.add_stored(store, pending)
            await asyncio.to_thread(self.engine.commit, generation)
            checkpoints.reached("rebuild:before-switch")
        except BaseException:
            self.engine.close()
            self.engine = old
            remove_index(path)
            raise
        pointer = self._root / "CURRENT"
        temporary = pointer.with_name("CURRENT.tmp")
        temporary.write_text(path.name)
        os.replace(temporary, pointer)
        if old is not None:
            old.close()
        for stale in self._root.iterdir():
            if stale.is_dir() and stale.name != path.name:
                remove_index(stale)
        await store.purge_retired()
        # A rebuild is the repair for a store and index that disagreed: the kept count too.
        await _recount(store)

    async def repair(self, store: Store) -> None:
        """Rebuild a damaged index from the store; skipped while another process writes."""
        if not self.persistent:
            await self.rebuild(store)
            return
        try:
            with WriterLock(self.data_dir):
                await self.rebuild(store)
        except ReindexBusy:
            log.warning("another process is reindexing; the index is repaired when it commits")
