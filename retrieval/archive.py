"""The archive: store + index kept in step, reindexed incrementally, asked questions.

Consistency model, in one place:
- The SQLite store is the source of truth; the index is derived from it. Both
  carry a generation number; they are in step when the numbers agree.
- Only one writer at a time (a `flock` on the data directory itself),
  whether it is the bot's `/reindex` or `newsbot reindex` in a shell.
- A reindex records generation G+1 as *pending* in its first transaction
  (with the first ids it will allocate), writes new rows and *retires* replaced
  ones (they stay readable), then commits the index at G+1, then, in one
  transaction, purges retired rows and clears the pending mark.
- Readers answer from the committed generation G until then: the index at G,
  and the store's rows as of G (created before G+1, not retired before it).
  Never a mix: a writer killed half way leaves G readable as it was.
- The next writer resumes a pending generation: it applies the rows already
  written to the index at G and carries on with the same generation number.
- An index that disagrees with the store is rebuilt from the store's rows of
  the committed generation (never from seeds).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType

from retrieval.analyzer import Analyzer
from retrieval.answer import Answer, Hit, excerpt_for
from retrieval.chunking import Passage, passages_for
from retrieval.dates import human_date
from retrieval.documents import Document
from retrieval.engines import Engine, IndexedPassage, RankBM25Engine, ScoredPassage, TantivyEngine, remove_index
from retrieval.options import ArchiveOptions
from retrieval.planning import Article, FileState, Scanned, plan_articles, plan_files, removal_share
from retrieval.seeds import FileRead, SeedFile, SkipFile, Skipped, file_digest, read_seed, scan_seeds
from retrieval.store import LatestItem, NewDocument, PassageReader, PassageRow, Pending, Store

log = logging.getLogger(__name__)

DATABASE_NAME = "newsbot.sqlite3"
MAX_QUESTION_CHARS = 1000
# A reindex batch (one store transaction, one trip to a worker thread) ends at
# whichever comes first: bounds memory for huge exports and overhead for tiny pages.
_BATCH_FILES = 256
_BATCH_BYTES = 16_000_000

Progress = Callable[[int, int], None]
_SAMPLE = 16  # stored passage ids looked up in the index by each consistency check


def _is_panic(error: BaseException) -> bool:
    """A Rust panic inside tantivy surfaces as pyo3's `PanicException`, a `BaseException`."""
    return type(error).__name__ == "PanicException"


def _is_damage(error: sqlite3.DatabaseError) -> bool:
    """SQLITE_CORRUPT ("disk image is malformed") or SQLITE_NOTADB, not a busy or full disk."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _database_is_damaged(path: Path) -> bool:
    """A full check, run only once an error has already said "damaged"."""
    try:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            rows = connection.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as error:
        return _is_damage(error)
    return rows != [("ok",)]


def _set_aside(path: Path) -> Path:
    """Move a damaged database and its WAL files next to it, under a dated name."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}-{uuid.uuid4().hex[:6]}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            os.replace(source, aside.with_name(aside.name + suffix))
    return aside


# The analyzer drops tokens over 40 characters: a passage needs one shorter word.
_A_WORD = re.compile(r"(?<!\w)\w{1,40}(?!\w)")


class ArchiveError(Exception):
    """A problem the operator must fix (the message says how)."""


class ReindexBusy(ArchiveError):
    """Another reindex holds the writer lock."""


class RemovalsNeedConsent(ArchiveError):
    """A reindex would remove more of the archive than `max_removal_share` without being told to."""

    def __init__(self, removing: int, total: int, files: int, seeds_dir: Path) -> None:
        self.removing, self.total, self.files = removing, total, files
        super().__init__(
            f"stopped: {files} files are gone from {seeds_dir}, which would remove {removing} of the archive's "
            f"{total} articles ({removal_share(removing, total):.0%}); nothing was changed. If the folder is "
            "unmounted or was emptied by mistake, restore it; if the removal is intended, run "
            "`newsbot reindex --allow-removals` in a shell"
        )


def _checkpoint(step: str) -> None:
    """A named point between two reindex steps; tests replace it to inject crashes."""


@dataclass
class ReindexReport:
    """What a reindex did, for the CLI's summary and the bot's `/reindex` reply."""

    files_seen: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    passages_added: int = 0
    passages_removed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Skipped] = field(default_factory=list)
    rebuilt_index: bool = False
    generation: int = 0
    seconds: float = 0.0


def _ordinal(day: str | None) -> int | None:
    return date.fromisoformat(day).toordinal() if day else None


def _index_batch(engine: Engine, retired: Sequence[int], documents: Sequence[NewDocument]) -> None:
    """Thread side of a reindex batch: replace the retired articles' passages in the index."""
    engine.delete_documents(retired)
    engine.add(
        IndexedPassage(pid, document.id, text, day.toordinal() if day else None)
        for document in documents
        for pid, _kind, _start, _end, day, text in document.passages
    )


def _batches(seeds: Sequence[SeedFile]) -> list[list[SeedFile]]:
    batches: list[list[SeedFile]] = [[]]
    size = 0
    for seed in seeds:
        if batches[-1] and (len(batches[-1]) >= _BATCH_FILES or size + seed.size > _BATCH_BYTES):
            batches.append([])
            size = 0
        batches[-1].append(seed)
        size += seed.size
    return [batch for batch in batches if batch]


class WriterLock:
    """An exclusive `flock` on the data directory itself; released by the kernel if the process dies.

    The directory, not a lock file: a lock file can be deleted while held (it
    looks stale once a run is over), and the next writer would lock a new file
    at the same path and run beside the first. The directory cannot vanish
    while it holds the archive, and is checked to still be the same directory
    after locking.
    """

    def __init__(self, directory: Path, wait: bool = False) -> None:
        self.directory = directory
        self.wait = wait
        self._fd: int | None = None

    def _acquire(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            raise ReindexBusy("a reindex is already running on this data directory") from None
        held, now = os.fstat(fd), os.stat(self.directory)
        if (held.st_dev, held.st_ino) != (now.st_dev, now.st_ino):
            os.close(fd)
            raise ArchiveError(f"data directory {self.directory} was replaced while locking it; try again")
        self._fd = fd

    def __enter__(self) -> WriterLock:
        self._acquire()
        return self

    async def __aenter__(self) -> WriterLock:
        # A waiting lock blocks in `flock`: wait in a thread, not on the event loop.
        if self.wait:
            await asyncio.to_thread(self._acquire)
        else:
            self._acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(kind, error, tb)

    @property
    def held(self) -> bool:
        return self._fd is not None


@dataclass(slots=True)
class _Prepared:
    """One file after the thread-side work: hashed, read and cut into passages."""

    seed: SeedFile
    sha256: str | None = None
    read: FileRead | None = None
    cut: list[tuple[Document, list[Passage]]] = field(default_factory=list)
    error: str | None = None
    same_bytes: bool = False


class Archive:
    """Ask questions of, list, and reindex one data directory. Safe to share in one event loop."""

    def __init__(self, options: ArchiveOptions, store: Store) -> None:
        self.options = options
        self.store = store
        self.reader = PassageReader(store.path)
        self.analyzer = Analyzer(stem=options.analyzer.stem, stopwords=options.analyzer.stopwords)
        self.engine: Engine | None = None
        self._data_version = -1
        self._refresh_lock = asyncio.Lock()
        self._reindexing = False
        self._checked_at = -1e9
        self._unsaved_questions = 0
        self._saved_at = time.monotonic()

    # -- opening and keeping the index in step ----------------------------------

    @property
    def data_dir(self) -> Path:
        return self.options.data_dir

    @property
    def _index_root(self) -> Path:
        return self.data_dir / "index"

    @classmethod
    async def open(cls, options: ArchiveOptions) -> Archive:
        """Open the store and an index in step with it (rebuilt from the store if not).

        A damaged database file is moved aside, never deleted, and replaced by an
        empty one: the next reindex (or a first-run `ask`) rebuilds it from the seeds.
        """
        try:
            return await cls._open(options)
        except sqlite3.DatabaseError as error:
            if not _is_damage(error):
                raise
        async with WriterLock(options.data_dir, wait=True):
            if _database_is_damaged(options.data_dir / DATABASE_NAME):  # not already moved by another process
                aside = _set_aside(options.data_dir / DATABASE_NAME)
                log.warning(
                    "the archive database was damaged; moved it to %s and starting afresh from the seeds", aside.name
                )
        return await cls._open(options)

    @classmethod
    async def _open(cls, options: ArchiveOptions) -> Archive:
        store = await Store.open(options.data_dir / DATABASE_NAME)
        archive = cls(options, store)
        try:
            await archive._sync_engine(rebuild_allowed=True)
        except BaseException:
            await store.close()
            raise
        return archive

    async def close(self) -> None:
        await self._save_question_count()
        if self.engine is not None:
            self.engine.close()
        self.reader.close()
        await self.store.close()

    def _current_index_dir(self) -> Path | None:
        try:
            name = (self._index_root / "CURRENT").read_text().strip()
        except OSError:
            return None
        return self._index_root / name if name else None

    def _open_persistent_engine(self) -> TantivyEngine | None:
        path = self._current_index_dir()
        if path is None or not (path / "meta.json").exists():
            return None
        try:
            return TantivyEngine(path, self.analyzer)
        except Exception as error:  # a corrupt index is rebuilt, never fatal
            log.warning("index at %s cannot be opened (%s); it will be rebuilt", path, error)
            return None

    async def _sync_engine(self, rebuild_allowed: bool) -> None:
        """Make `self.engine` answer from the store's committed generation if possible."""
        self._data_version = await self.store.data_version()
        pending = await self.store.pending()
        generation = await self.store.committed_generation()
        if self.options.engine == "rank-bm25":
            if self.engine is None or self.engine.generation() != generation:
                self.engine = await self._build_engine(self.store, generation, None, pending)
            return
        current = self._current_index_dir()
        engine = self.engine
        if engine is None or not isinstance(engine, TantivyEngine) or engine.path != current:
            fresh = self._open_persistent_engine()
            if fresh is not None or engine is None:
                if engine is not None:
                    engine.close()
                engine = fresh
        else:
            # Same directory: another process may have committed to it in place.
            await asyncio.to_thread(engine.reload)
        self.engine = engine
        if engine is not None and await self._in_step(engine, pending):
            if pending is not None and engine.generation() == pending.generation and rebuild_allowed:
                await self._finish_indexed_generation()
            return
        if not rebuild_allowed:
            return
        try:
            with WriterLock(self.data_dir):
                await self._rebuild_index(self.store)
        except ReindexBusy:
            log.info("index generation differs from the store while another process reindexes; waiting for it")
            if self.engine is None:
                self.engine = self._open_persistent_engine()

    async def _finish_indexed_generation(self) -> None:
        """A writer died after committing the index, before telling the store: tell it now."""
        try:
            with WriterLock(self.data_dir):
                pending = await self.store.pending()
                if pending is not None and self.engine is not None and self.engine.generation() == pending.generation:
                    await self.store.finish_generation()
        except ReindexBusy:
            pass  # the running writer finishes it

    async def _in_step(self, engine: Engine, pending: Pending | None) -> bool:
        """Whether the index holds the committed generation, or a pending one it already committed."""
        if pending is not None and engine.generation() == pending.generation:
            # Killed between the index commit and clearing the mark: the index is ahead, and right.
            return await self._agrees(engine, None)
        committed = pending.generation - 1 if pending else await self.store.generation()
        return engine.generation() == committed and await self._agrees(engine, pending)

    async def _agrees(self, engine: Engine, as_of: Pending | None) -> bool:
        """Cheap check that an index holds what the store holds for its generation.

        Equal generations are not enough: a store rolled back under the index (a
        deleted `-wal` file) or an index damaged on disk keeps its number. So the
        passage counts must match and a spread sample of stored ids must be found.
        """
        count, sample = await self.store.live_passage_sample(_SAMPLE, as_of)
        try:
            indexed = engine.count()
            missing = await asyncio.to_thread(engine.missing, sample)
        except BaseException as error:  # a damaged index panics in Rust (pyo3's PanicException)
            if not _is_panic(error):
                raise
            log.warning("the search index fails (%s); it will be rebuilt from the store", error)
            return False
        if indexed != count or missing:
            log.warning(
                "the search index disagrees with the store (%d passages indexed, %d stored, %d of %d sampled "
                "ids missing); it will be rebuilt from the store",
                indexed,
                count,
                len(missing),
                len(sample),
            )
            return False
        return True

    async def _build_engine(self, store: Store, generation: int, path: Path | None, as_of: Pending | None) -> Engine:
        """An index of the store's passages as of `generation` (the one before `as_of` when it is pending)."""
        engine: Engine = RankBM25Engine(self.analyzer) if path is None else TantivyEngine(path, self.analyzer)
        await self._add_stored(engine, store, as_of)
        await asyncio.to_thread(engine.commit, generation)
        return engine

    @staticmethod
    async def _add_stored(engine: Engine, store: Store, as_of: Pending | None, since: int = 0) -> None:
        def add(rows: list[tuple[int, int, str, str | None]]) -> None:
            engine.add(IndexedPassage(pid, doc, text, _ordinal(day)) for pid, doc, text, day in rows)

        async for rows in store.live_passages(as_of, since):
            await asyncio.to_thread(add, rows)

    async def _rebuild_index(self, store: Store) -> None:
        """Build a fresh index of the committed generation, then switch to it atomically. Lock held."""
        pending = await store.pending()
        generation = await store.committed_generation()
        log.log(
            logging.WARNING if generation else logging.DEBUG,
            "rebuilding the search index from the store (generation %d)",
            generation,
        )
        self._index_root.mkdir(parents=True, exist_ok=True)
        path = self._index_root / f"tantivy-{generation:06d}-{uuid.uuid4().hex[:8]}"
        engine = await self._build_engine(store, generation, path, pending)
        _checkpoint("rebuild:before-switch")
        pointer = self._index_root / "CURRENT"
        temporary = pointer.with_name("CURRENT.tmp")
        temporary.write_text(path.name)
        os.replace(temporary, pointer)
        old = self.engine
        self.engine = engine
        if old is not None:
            old.close()
        for stale in self._index_root.iterdir():
            if stale.is_dir() and stale.name != path.name:
                remove_index(stale)
        await store.purge_retired()

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
                await self._sync_engine(rebuild_allowed=self.engine is None)

    # -- reindexing -----------------------------------------------------------

    async def reindex(self, progress: Progress | None = None, allow_removals: bool = False) -> ReindexReport:
        """Bring the archive in line with the seeds directory; only changed files are parsed.

        Raises `ReindexBusy` when another reindex runs, `ArchiveError` when the
        seeds directory is missing, `RemovalsNeedConsent` when it would remove
        more than `max_removal_share` of the archive and `allow_removals` is off.
        """
        with WriterLock(self.data_dir):
            return await self._reindex(progress, allow_removals)

    async def ensure_built(self, progress: Progress | None = None) -> ReindexReport | None:
        """Index the seeds if the archive was never built; wait for a first index another process is building.

        Returns the report when this call built it, `None` when it was already built.
        """
        if await self.store.committed_generation() > 0:
            return None
        async with WriterLock(self.data_dir, wait=True):
            if await self.store.committed_generation() > 0:  # built while we waited
                await self._sync_engine(rebuild_allowed=True)
                return None
            return await self._reindex(progress, allow_removals=False)

    async def _reindex(self, progress: Progress | None, allow_removals: bool) -> ReindexReport:
        """A reindex with the writer lock already held."""
        seeds_dir = self.options.seeds_dir
        if not seeds_dir.is_dir():
            raise ArchiveError(f"seeds directory {seeds_dir} does not exist (setting: seeds_dir / NEWSBOT_SEEDS_DIR)")
        started = time.perf_counter()
        self._reindexing = True
        writer = await Store.open(self.data_dir / DATABASE_NAME)
        try:
            report = await self._reindex_locked(writer, seeds_dir, progress, allow_removals)
        finally:
            self._reindexing = False
            await writer.close()
        report.seconds = time.perf_counter() - started
        self._data_version = await self.store.data_version()
        return report

    async def _reindex_locked(
        self, writer: Store, seeds_dir: Path, progress: Progress | None, allow_removals: bool
    ) -> ReindexReport:
        report = ReindexReport()
        pending = await writer.pending()
        engine = self.engine
        indexed = pending is not None and engine is not None and engine.generation() == pending.generation
        if indexed and engine is not None and await self._agrees(engine, None):
            # Killed after the index commit, before the store was told: finish that generation.
            await writer.finish_generation()
            pending = None
        if engine is None or not await self._in_step(engine, pending):
            if self.options.engine == "rank-bm25":  # in memory: just rebuild it from the store
                self.engine = await self._build_engine(writer, await writer.committed_generation(), None, pending)
            else:
                await self._rebuild_index(writer)
                report.rebuilt_index = True
            engine = self.engine
        assert engine is not None
        # The index is at the committed generation now, so rows retired before
        # it are unreachable: purge what a run killed before its purge left behind.
        await writer.purge_retired()
        retired_docs: list[int] = []
        if pending is not None:
            # A writer died half way: bring what it stored into the (uncommitted) index and carry on.
            retired_docs = await writer.retired_in(pending)
            await asyncio.to_thread(engine.delete_documents, retired_docs)
            await self._add_stored(engine, writer, None, since=pending.first_passage)
            log.warning("resuming reindex generation %d, which a previous run did not finish", pending.generation)
        generation = pending.generation if pending is not None else await writer.generation() + 1

        scan = await asyncio.to_thread(scan_seeds, seeds_dir)
        report.files_seen = len(scan.files)
        report.skipped.extend(scan.passed_over)
        known = await writer.file_states()
        plan = plan_files(
            (Scanned(s.rel, s.size, s.mtime_ns) for s in scan.files),
            known,
            scan.unlisted,
            await writer.files_with_articles(),
        )
        report.unchanged = len(plan.unchanged)
        seed_by_rel = {seed.rel: seed for seed in scan.files}
        todo = [seed_by_rel[rel] for rel in plan.to_read]
        gone = [d.id for docs in (await writer.live_documents(plan.gone)).values() for d in docs.values()]
        total = await writer.live_document_count()
        if gone and not allow_removals and removal_share(len(gone), total) > self.options.max_removal_share:
            raise RemovalsNeedConsent(len(gone), total, len(plan.gone), seeds_dir)

        next_doc, next_pid = await writer.next_ids()
        first_ids = (next_doc, next_pid)
        started_writing = pending is not None

        async def begin() -> None:
            # The first write of a generation marks it pending in the same transaction.
            nonlocal pending
            await writer.begin_write()
            if pending is None:
                pending = Pending(generation, *first_ids)
                await writer.start_generation(pending)

        done = 0
        try:
            # Files removed from seeds: their articles leave the archive.
            if plan.gone:
                await begin()
                started_writing = True
                await writer.retire(gone, generation)
                await writer.save_files([], plan.gone)
                await writer.commit()
                await asyncio.to_thread(engine.delete_documents, gone)
                retired_docs.extend(gone)
                report.removed += len(gone)
                _checkpoint("store:after-removals")

            for batch in _batches(todo):
                prepared = await asyncio.to_thread(self._prepare, batch, known)
                live_by_file = await writer.live_documents([p.seed.rel for p in prepared])
                documents: list[NewDocument] = []
                batch_retired: list[int] = []
                states: list[tuple[str, int, int, str]] = []
                for item in prepared:
                    if item.error is not None:
                        kept = "; its indexed articles are kept" if item.seed.rel in known else ""
                        report.skipped.append(Skipped(item.seed.rel, item.error + kept))
                        continue
                    assert item.sha256 is not None
                    states.append((item.seed.rel, item.seed.size, item.seed.mtime_ns, item.sha256))
                    if item.same_bytes or item.read is None:
                        report.unchanged += 1
                        continue
                    report.warnings.extend(Skipped(item.seed.rel, w) for w in item.read.warnings)
                    live = live_by_file.get(item.seed.rel, {})
                    articles = plan_articles(
                        (Article(document.key, document.content_hash) for document, _ in item.cut),
                        {key: (old.id, old.content_hash) for key, old in live.items()},
                    )
                    report.added += len(articles.added)
                    report.changed += len(articles.changed)
                    report.removed += len(articles.removed)
                    batch_retired.extend(articles.retired)
                    wanted = set(articles.added) | {key for key, _ in articles.changed}
                    for document, passages in item.cut:
                        if document.key not in wanted:
                            continue
                        wanted.discard(document.key)
                        rows = []
                        for passage in passages:
                            rows.append(
                                (next_pid, passage.kind, passage.start, passage.end, passage.date, passage.text)
                            )
                            next_pid += 1
                        documents.append(
                            NewDocument(
                                next_doc,
                                document.key,
                                item.seed.rel,
                                document.title,
                                document.date,
                                document.url,
                                document.content_hash,
                                rows,
                                [(h.title, h.date) for h in document.headlines],
                            )
                        )
                        next_doc += 1

                await begin()
                started_writing = True
                await writer.retire(batch_retired, generation)
                await writer.insert(documents)
                await writer.save_files(states, [])
                await writer.commit()
                _checkpoint("store:after-batch")
                retired_docs.extend(batch_retired)
                report.passages_added += sum(len(d.passages) for d in documents)
                await asyncio.to_thread(_index_batch, engine, batch_retired, documents)
                _checkpoint("index:after-add")
                done += len(batch)
                if progress is not None:
                    progress(done, len(todo))

            if not started_writing:
                report.generation = generation - 1
                return report
            report.passages_removed = await writer.count_passages(retired_docs)
            _checkpoint("index:before-commit")
            await asyncio.to_thread(engine.commit, generation)
            _checkpoint("index:after-commit")
            await writer.finish_generation()
            if not await self._agrees(engine, None):
                if self.options.engine == "tantivy":
                    await self._rebuild_index(writer)
                else:
                    self.engine = await self._build_engine(writer, generation, None, None)
                report.rebuilt_index = True
        except BaseException:
            await writer.rollback()
            if isinstance(engine, TantivyEngine):
                await asyncio.to_thread(engine.rollback)
            elif started_writing:
                # The in-memory engine already holds uncommitted changes: rebuild it.
                committed = await writer.committed_generation()
                self.engine = await self._build_engine(self.store, committed, None, await writer.pending())
            raise
        report.generation = generation
        return report

    def _prepare(self, seeds: Sequence[SeedFile], known: Mapping[str, FileState]) -> list[_Prepared]:
        """Thread side of a reindex batch: hash each file and read it unless its bytes are unchanged."""
        limit = int(self.options.max_file_mb * 1_000_000)
        out: list[_Prepared] = []
        for seed in seeds:
            item = _Prepared(seed)
            try:
                item.sha256 = file_digest(seed.path)
                previous = known.get(seed.rel)
                if previous is not None and previous[2] == item.sha256:
                    item.same_bytes = True
                else:
                    item.read = read_seed(seed, limit)
                    item.cut = [(d, self._passages(d)) for d in item.read.documents]
            except SkipFile as reason:
                item.error = str(reason)
            except FileNotFoundError:
                item.error = "vanished while reading"
            except OSError as error:
                item.error = f"cannot read: {error.strerror or error}"
            out.append(item)
        return out

    def _passages(self, document: Document) -> list[Passage]:
        chunking = self.options.chunking
        passages = passages_for(document, chunking.passage_chars, chunking.overlap_chars)
        # A passage with no searchable word (a 5 MB run of letters, a line of
        # symbols) can never be found; indexing it only costs space.
        passages = [p for p in passages if _A_WORD.search(p.text)]
        if not self.options.index_titles:
            passages = [p for p in passages if p.kind != "title"]
        return passages

    # -- answering ------------------------------------------------------------

    async def ask(
        self, question: str, k: int | None = None, after: date | None = None, before: date | None = None
    ) -> Answer:
        """The best passages for a question, each with a quoted excerpt; empty when nothing fits."""
        question = " ".join(question.split())[:MAX_QUESTION_CHARS]
        count = k or self.options.search.results
        terms = self.analyzer.query_terms(question)
        await self.refresh()
        engine = self.engine
        if not terms or engine is None:
            return Answer(question=question, terms=terms, hits=[])
        try:
            hits = await asyncio.to_thread(self._answer, engine, terms, count, after, before)
        except BaseException as error:
            if not _is_panic(error):
                raise
            log.warning("the search index failed on a question (%s); rebuilding it from the store", error)
            await self.repair_index()
            if self.engine is None:
                return Answer(question=question, terms=terms, hits=[])
            hits = await asyncio.to_thread(self._answer, self.engine, terms, count, after, before)
        return Answer(question=question, terms=terms, hits=hits)

    async def repair_index(self) -> None:
        """Rebuild the index from the store (a damaged index); skipped while another process writes."""
        try:
            with WriterLock(self.data_dir):
                if self.options.engine == "rank-bm25":
                    generation = await self.store.committed_generation()
                    self.engine = await self._build_engine(self.store, generation, None, await self.store.pending())
                else:
                    await self._rebuild_index(self.store)
        except ReindexBusy:
            log.warning("another process is reindexing; the index is repaired when it commits")

    def _answer(
        self, engine: Engine, terms: list[str], count: int, after: date | None, before: date | None
    ) -> list[Hit]:
        """The thread side of a question: rank, fetch the passages, cut excerpts."""
        # Extra candidates make room for dropping near-duplicates (the same
        # headline listed on many pages, several passages of one article).
        scored = engine.search(terms, count * 2 + 6, after, before)
        if not scored or scored[0].score < self.options.search.min_score:
            return []
        return self._hits(engine, scored, self.reader.passages([s.pid for s in scored]), terms, count)

    def _hits(
        self, engine: Engine, scored: Sequence[ScoredPassage], rows: dict[int, PassageRow], terms: list[str], count: int
    ) -> list[Hit]:
        """Ranked passages to answers: near-duplicates dropped, each article shown by its best excerpt."""
        weights = engine.weights(terms)
        limit = self.options.search.excerpt_chars
        bodies: dict[int, list[PassageRow]] = {}
        for item in scored:
            row = rows.get(item.pid)
            if row is not None and row.kind == "body":
                bodies.setdefault(row.document_id, []).append(row)
        seen: set[tuple[str, object]] = set()
        hits: list[Hit] = []
        for item in scored:
            row = rows.get(item.pid)
            if row is None:
                continue  # purged after this index generation: the next refresh drops it
            keys: set[tuple[str, object]] = {("text", " ".join(row.text.casefold().split()))}
            if row.kind != "headline":
                keys.add(("doc", row.document_id))
            if keys & seen:
                continue
            seen |= keys
            # An article found by its title is quoted from its best-ranked body passage.
            shown = bodies[row.document_id][0] if row.kind == "title" and bodies.get(row.document_id) else row
            excerpt, spans = excerpt_for(shown.text, self.analyzer, weights, limit)
            title = row.text if row.kind == "headline" else row.title
            hits.append(
                # Built from the store's own rows: validation would only cost time here.
                Hit.model_construct(
                    passage_id=shown.pid,
                    document_id=row.document_id,
                    kind=shown.kind,
                    title=title,
                    date=row.date,
                    date_human=human_date(row.date),
                    url=None if row.kind == "headline" else row.url,
                    file=row.file,
                    score=round(item.score, 4),
                    excerpt=excerpt,
                    highlights=spans,
                    passage=shown.text,
                )
            )
            if len(hits) == count:
                break
        return hits

    async def latest(self, count: int, since: date | None = None) -> list[LatestItem]:
        """Newest articles and headlines with their dates, deduplicated."""
        return await self.store.latest(count, since)

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

    @property
    def reindexing(self) -> bool:
        return self._reindexing
