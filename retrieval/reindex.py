"""A reindex: compare the seeds folder with the store, then apply the difference as one new generation.

Consistency model, in one place:
- Only one writer at a time (a `flock` on the data directory, `locking.py`),
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

What to do is decided by the pure planners in `planning.py`: per file first,
then per article of that file only.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path, PurePosixPath

from newsbot.retrieval import checkpoints
from newsbot.retrieval.boilerplate import sentence_keys, title_key
from newsbot.retrieval.chunking import Passage, passages_for
from newsbot.retrieval.documents import Document
from newsbot.retrieval.engines import Engine, IndexedPassage
from newsbot.retrieval.errors import RemovalsNeedConsent
from newsbot.retrieval.formats import JSONL_SUFFIXES
from newsbot.retrieval.lifecycle import IndexKeeper
from newsbot.retrieval.options import ArchiveOptions
from newsbot.retrieval.planning import (
    Article,
    ArticlePlan,
    FileState,
    Scanned,
    plan_articles,
    plan_files,
    removal_share,
)
from newsbot.retrieval.reads import Pending
from newsbot.retrieval.seeds import (
    UNSUPPORTED,
    FileRead,
    SeedFile,
    SkipFile,
    Skipped,
    file_digest,
    no_articles,
    read_seed,
    scan_seeds,
    stream_jsonl,
)
from newsbot.retrieval.store import LiveDocument, NewDocument, Store

log = logging.getLogger(__name__)

# A batch of single-article files (one store transaction, one trip to a worker
# thread) ends at whichever comes first: bounds memory and per-batch overhead.
_BATCH_FILES = 256
_BATCH_BYTES = 16_000_000
# An export is applied in parts of about this much article text, so the
# memory a reindex needs does not grow with the size of one export.
_PART_BYTES = 8_000_000

Progress = Callable[[int, int], None]

# The analyzer drops tokens over 40 characters: a passage needs one shorter word.
_A_WORD = re.compile(r"(?<!\w)\w{1,40}(?!\w)")


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
    settling: list[str] = field(default_factory=list)  # changed too recently: left for the next round

    def problems(self) -> list[Skipped]:
        """Skipped files worth reading first (too big, binary, unreadable), then one line per unsupported type.

        A seeds folder often holds many files newsbot does not read (images,
        PDFs); listed one by one, they would bury the real problems.
        """
        real = sorted((item for item in self.skipped if item.reason != UNSUPPORTED), key=lambda item: item.rel)
        kinds = Counter(PurePosixPath(item.rel).suffix.lower() or "(none)" for item in self.skipped if item not in real)
        if kinds:
            counted = ", ".join(f"{suffix} ×{count}" for suffix, count in kinds.most_common())
            real.append(Skipped(f"{sum(kinds.values())} files", f"{UNSUPPORTED}: {counted}"))
        return real


# An article cut for the archive: its passages, and its body's sentence keys (boilerplate detection).
Cut = tuple[Document, list[Passage], frozenset[int]]


@dataclass(slots=True)
class _Prepared:
    """One single-article file after the thread-side work: hashed, read and cut into passages."""

    seed: SeedFile
    sha256: str | None = None
    read: FileRead | None = None
    cut: list[Cut] = field(default_factory=list)
    error: str | None = None
    same_bytes: bool = False


def passages_of(document: Document, options: ArchiveOptions) -> list[Passage]:
    """The passages of an article that can be found: each holds a searchable word."""
    passages = passages_for(document, options.chunking.passage_chars, options.chunking.overlap_chars)
    # A passage with no searchable word (a 5 MB run of letters, a line of
    # symbols) can never be found; indexing it only costs space.
    passages = [p for p in passages if _A_WORD.search(p.text)]
    if not options.index_titles:
        passages = [p for p in passages if p.kind != "title"]
    return passages


def trusted_dates(document: Document, latest: date) -> tuple[Document, list[str]]:
    """The article with dates after `latest` removed, and a warning for each.

    A date years ahead is a typo or a scraper bug (9999-12-31); trusted, it
    would sit at the top of `latest` forever. Unknown is better than wrong.
    """
    warnings = []
    update: dict[str, object] = {}
    if document.date is not None and document.date > latest:
        warnings.append(f"date {document.date.isoformat()} of “{document.title[:80]}” is in the future; not used")
        update["date"] = None
    future = [h for h in document.headlines if h.date is not None and h.date > latest]
    if future:
        warnings.append(
            f"{len(future)} headline dates of “{document.title[:80]}” are in the future (first {future[0].date}); "
            "not used"
        )
        update["headlines"] = tuple(
            h.model_copy(update={"date": None}) if h.date is not None and h.date > latest else h
            for h in document.headlines
        )
    return (document.model_copy(update=update) if update else document), warnings


def _index_batch(engine: Engine, retired: Sequence[int], documents: Sequence[NewDocument]) -> None:
    """Thread side of a write: replace the retired articles' passages in the index."""
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


def _is_export(seed: SeedFile) -> bool:
    return seed.path.suffix.lower() in JSONL_SUFFIXES


def _unreadable(error: BaseException) -> str:
    if isinstance(error, SkipFile):
        return str(error)
    if isinstance(error, FileNotFoundError):
        return "vanished while reading"
    if isinstance(error, OSError):
        return f"cannot read: {error.strerror or error}"
    raise error


def _cut(document: Document, options: ArchiveOptions) -> Cut:
    passages = passages_of(document, options)
    return document, passages, sentence_keys(p.text for p in passages if p.kind == "body")


def _compare(cut: Iterable[Cut], live: Mapping[str, LiveDocument]) -> ArticlePlan:
    return plan_articles(
        (Article(document.key, document.content_hash) for document, _, _ in cut),
        {key: (old.id, old.content_hash) for key, old in live.items()},
    )


class Reindex:
    """One reindex run, with the writer lock held: its generation, the ids it hands out, its report."""

    def __init__(self, keeper: IndexKeeper, writer: Store, options: ArchiveOptions, progress: Progress | None) -> None:
        self.keeper = keeper
        self.writer = writer
        self.options = options
        self.progress = progress
        self.report = ReindexReport()
        self.pending: Pending | None = None
        self.generation = 0
        self.retired: list[int] = []  # articles this generation retired, for the passage count
        self.next_doc = self.next_pid = 0
        self._first_ids = (0, 0)
        self._limit = int(options.max_file_mb * 1_000_000)
        # A day ahead is a time zone, not an error.
        self._latest_day = date.today() + timedelta(days=1)

    @property
    def engine(self) -> Engine:
        assert self.keeper.engine is not None
        return self.keeper.engine

    async def run(self, seeds_dir: Path, allow_removals: bool, settle_seconds: float = 0.0) -> ReindexReport:
        """Bring the archive in line with `seeds_dir`; see `Archive.reindex` for what it raises.

        A file modified less than `settle_seconds` ago may still be being written (a scraper's
        export): it is not read, and what the archive holds of it stays as it is, until a later run.
        """
        report, writer = self.report, self.writer
        await self._start()
        scan = await asyncio.to_thread(scan_seeds, seeds_dir, self.options.allowed_link_dirs)
        report.files_seen = len(scan.files)
        report.skipped.extend(scan.passed_over)
        known = await writer.file_states()
        cutoff = time.time_ns() - int(settle_seconds * 1e9)
        settled = [s for s in scan.files if not settle_seconds or s.mtime_ns <= cutoff]
        report.settling = sorted(s.rel for s in scan.files if settle_seconds and s.mtime_ns > cutoff)
        plan = plan_files(
            (Scanned(s.rel, s.size, s.mtime_ns) for s in settled),
            known,
            [*scan.unlisted, *(rel for rel in report.settling if rel in known)],  # kept as they are
            await writer.files_with_articles(),
        )
        report.unchanged = len(plan.unchanged)
        seed_by_rel = {seed.rel: seed for seed in scan.files}
        todo = [seed_by_rel[rel] for rel in plan.to_read]
        gone = [d.id for docs in (await writer.live_documents(plan.gone)).values() for d in docs.values()]
        total = await writer.live_document_count()
        if gone and not allow_removals and removal_share(len(gone), total) > self.options.max_removal_share:
            raise RemovalsNeedConsent(len(gone), total, len(plan.gone), seeds_dir)

        self.next_doc, self.next_pid = await writer.next_ids()
        self._first_ids = (self.next_doc, self.next_pid)
        try:
            if plan.gone:  # files removed from seeds: their articles leave the archive
                await self._write(gone, [], [], plan.gone, step="store:after-removals")
                report.removed += len(gone)
            done = 0
            for batch in _batches([seed for seed in todo if not _is_export(seed)]):
                await self._apply_pages(batch, known)
                done += len(batch)
                self._progress(done, len(todo))
            for seed in (seed for seed in todo if _is_export(seed)):
                await self._apply_export(seed, known)
                done += 1
                self._progress(done, len(todo))

            if self.pending is None:
                report.generation = self.generation - 1
                return report
            report.passages_removed = await writer.count_passages(self.retired)
            await self._recount_boilerplate()
            checkpoints.reached("index:before-commit")
            await asyncio.to_thread(self.engine.commit, self.generation)
            checkpoints.reached("index:after-commit")
            await writer.finish_generation()
            if not await self.keeper.agrees(writer, None):
                await self.keeper.rebuild(writer)
                report.rebuilt_index = True
        except BaseException:
            await writer.rollback()
            await asyncio.to_thread(self.engine.rollback)
            raise
        report.generation = self.generation
        return report

    async def _recount_boilerplate(self) -> None:
        """Decide again about the sentences of every article this generation added or retired."""
        assert self.pending is not None
        keys = await self.writer.sentence_keys_of(self.pending.first_document, self.retired)
        await self.writer.begin_write()
        await self.writer.recount_boilerplate(keys, self.options.boilerplate_min_titles)
        await self.writer.commit()

    async def _complete_sentences(self) -> None:
        """Once, for an archive built before sentence keys were kept: key its articles from their passages."""
        writer = self.writer
        if await writer.meta("sentences_complete", "1") == "1":
            return
        after = 0
        while batch := await writer.articles_without_sentences(after):
            after = batch[-1][0]
            keyed = await asyncio.to_thread(
                lambda rows: [(id_, title_key(title), sentence_keys(texts)) for id_, title, texts in rows], batch
            )
            await writer.begin_write()
            await writer.add_sentences([(id_, key, title) for id_, title, keys in keyed for key in keys])
            await writer.recount_boilerplate(
                {key for _, _, keys in keyed for key in keys}, self.options.boilerplate_min_titles
            )
            await writer.commit()
        await writer.set_meta("sentences_complete", "1")

    def _progress(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    async def _start(self) -> None:
        """Bring the index to the committed generation, and resume a generation a dead writer left."""
        keeper, writer = self.keeper, self.writer
        await keeper.finish_indexed_generation(writer)
        pending = await writer.pending()
        if not await keeper.in_step(writer, pending):
            await keeper.rebuild(writer)
            self.report.rebuilt_index = keeper.persistent
        # The index is at the committed generation now, so rows retired before
        # it are unreachable: purge what a run killed before its purge left behind.
        await writer.purge_retired()
        await self._complete_sentences()
        if pending is not None:
            # A writer died half way: bring what it stored into the (uncommitted) index and carry on.
            self.retired = await writer.retired_in(pending)
            await asyncio.to_thread(self.engine.delete_documents, self.retired)
            await keeper.add_stored(writer, None, since=pending.first_passage)
            log.warning("resuming reindex generation %d, which a previous run did not finish", pending.generation)
        self.pending = pending
        self.generation = pending.generation if pending is not None else await writer.generation() + 1

    async def _write(
        self,
        retired: Sequence[int],
        documents: Sequence[NewDocument],
        states: Sequence[tuple[str, int, int, str]],
        removed_files: Sequence[str] = (),
        step: str = "store:after-batch",
    ) -> None:
        """One store transaction, then the same change in the (uncommitted) index."""
        if not (retired or documents or states or removed_files):
            return
        writer = self.writer
        await writer.begin_write()
        if self.pending is None:
            # The first write of a generation marks it pending in the same transaction.
            self.pending = Pending(self.generation, *self._first_ids)
            await writer.start_generation(self.pending)
        await writer.retire(retired, self.generation)
        await writer.insert(documents, self.generation)
        await writer.save_files(states, removed_files)
        await writer.commit()
        checkpoints.reached(step)
        self.retired.extend(retired)
        self.report.passages_added += sum(len(d.passages) for d in documents)
        await asyncio.to_thread(_index_batch, self.engine, retired, documents)
        checkpoints.reached("index:after-add")

    def _rows(self, rel: str, cut: Iterable[Cut], articles: ArticlePlan) -> list[NewDocument]:
        """New rows, with fresh ids, for the articles of `cut` the plan adds or changes."""
        added = set(articles.added)
        wanted = added | {key for key, _ in articles.changed}
        documents = []
        for document, passages, sentences in cut:
            if document.key not in wanted:
                continue
            wanted.discard(document.key)
            rows = []
            for passage in passages:
                rows.append((self.next_pid, passage.kind, passage.start, passage.end, passage.date, passage.text))
                self.next_pid += 1
            documents.append(
                NewDocument(
                    self.next_doc,
                    document.key,
                    rel,
                    document.title,
                    document.date,
                    document.url,
                    document.content_hash,
                    rows,
                    [(h.title, h.date) for h in document.headlines],
                    sentences,
                    title_key(document.title),
                    added=document.key in added,
                )
            )
            self.next_doc += 1
        return documents

    def _count(self, articles: ArticlePlan) -> None:
        self.report.added += len(articles.added)
        self.report.changed += len(articles.changed)
        self.report.removed += len(articles.removed)

    def _skip(self, seed: SeedFile, reason: str, known: Mapping[str, FileState]) -> None:
        kept = "; its indexed articles are kept" if seed.rel in known else ""
        self.report.skipped.append(Skipped(seed.rel, reason + kept))

    async def _apply_pages(self, batch: Sequence[SeedFile], known: Mapping[str, FileState]) -> None:
        """Single-article files, a batch at a time, in one transaction."""
        prepared = await asyncio.to_thread(self._prepare, batch, known)
        live_by_file = await self.writer.live_documents([p.seed.rel for p in prepared])
        documents: list[NewDocument] = []
        retired: list[int] = []
        states: list[tuple[str, int, int, str]] = []
        for item in prepared:
            if item.error is not None:
                self._skip(item.seed, item.error, known)
                continue
            assert item.sha256 is not None
            states.append((item.seed.rel, item.seed.size, item.seed.mtime_ns, item.sha256))
            if item.same_bytes or item.read is None:
                self.report.unchanged += 1
                continue
            self.report.warnings.extend(Skipped(item.seed.rel, w) for w in item.read.warnings)
            articles = _compare(item.cut, live_by_file.get(item.seed.rel, {}))
            self._count(articles)
            retired.extend(articles.retired)
            documents.extend(self._rows(item.seed.rel, item.cut, articles))
        await self._write(retired, documents, states)

    def _prepare(self, seeds: Sequence[SeedFile], known: Mapping[str, FileState]) -> list[_Prepared]:
        """Thread side of a batch: hash each file and read it unless its bytes are unchanged."""
        out: list[_Prepared] = []
        for seed in seeds:
            item = _Prepared(seed)
            try:
                item.sha256 = file_digest(seed.path)
                previous = known.get(seed.rel)
                if previous is not None and previous[2] == item.sha256:
                    item.same_bytes = True
                else:
                    item.read = read_seed(seed, self._limit)
                    for document in item.read.documents:
                        document, warnings = trusted_dates(document, self._latest_day)
                        item.read.warnings.extend(warnings)
                        item.cut.append(_cut(document, self.options))
            except (SkipFile, OSError) as error:
                item.error = _unreadable(error)
            out.append(item)
        return out

    async def _apply_export(self, seed: SeedFile, known: Mapping[str, FileState]) -> None:
        """A JSON Lines export, streamed in parts; its state is saved (and gone lines retired) last.

        A run killed half way leaves the file's state unsaved, so the next run
        reads it again and finds the parts already written unchanged.
        """
        try:
            sha256 = await asyncio.to_thread(file_digest, seed.path)
        except (SkipFile, OSError) as error:
            self._skip(seed, _unreadable(error), known)
            return
        state = (seed.rel, seed.size, seed.mtime_ns, sha256)
        previous = known.get(seed.rel)
        if previous is not None and previous[2] == sha256:
            self.report.unchanged += 1
            await self._write([], [], [state])
            return
        live = (await self.writer.live_documents([seed.rel])).get(seed.rel, {})
        warnings: list[str] = []
        seen: set[str] = set()
        stream = stream_jsonl(seed, self._limit, warnings)
        try:
            while part := await asyncio.to_thread(self._cut_part, stream, warnings):
                keys = {document.key for document, _, _ in part}
                articles = _compare(part, {key: live[key] for key in keys if key in live})
                seen |= keys
                self._count(articles)
                await self._write(articles.retired, self._rows(seed.rel, part, articles), [])
        except (SkipFile, OSError) as error:
            self._skip(seed, _unreadable(error), known)
            return
        finally:
            stream.close()
        if not seen:
            self._skip(seed, str(no_articles(warnings)), known)
            return
        self.report.warnings.extend(Skipped(seed.rel, w) for w in warnings)
        removed = sorted(old.id for key, old in live.items() if key not in seen)
        self.report.removed += len(removed)
        await self._write(removed, [], [state])

    def _cut_part(self, stream: Iterator[Document], warnings: list[str]) -> list[Cut]:
        """Thread side of an export: its next articles, up to about `_PART_BYTES` of text."""
        part: list[Cut] = []
        size = 0
        for read in stream:
            document, problems = trusted_dates(read, self._latest_day)
            warnings.extend(problems)
            part.append(_cut(document, self.options))
            size += len(document.title) + len(document.body)
            if size >= _PART_BYTES:
                break
        return part
