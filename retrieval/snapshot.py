"""One committed generation of the archive, as answering sees it; all synchronous.

A question is answered from an engine, the passages behind it and the keys of
the boilerplate sentences: a `Snapshot` holds the three, and answers in one
go, in whatever thread it is called from. The bot's `Archive` takes a snapshot
for each question and runs it in a worker thread; a shell `ask` opens one
directly (`open_snapshot`), without an event loop, aiosqlite or pydantic, and
falls back to the `Archive` whenever the archive needs anything written first
(issue #14).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from newsbot.retrieval import reads
from newsbot.retrieval.analyzer import Analyzer
from newsbot.retrieval.answer import Answer
from newsbot.retrieval.answerability import frame_terms
from newsbot.retrieval.engines import Engine, differing_articles, index_failed, open_current
from newsbot.retrieval.migrations import SCHEMA_VERSION
from newsbot.retrieval.options import ArchiveOptions
from newsbot.retrieval.question_dates import question_dates
from newsbot.retrieval.reads import LatestItem, PassageReader
from newsbot.retrieval.search import search
from newsbot.retrieval.topics import topic_items

log = logging.getLogger(__name__)

DATABASE_NAME = "newsbot.sqlite3"
MAX_QUESTION_CHARS = 1000
DATED_LISTING = 10  # headlines listed for a question of only dates ("what happened last week?")


class IndexFailed(Exception):
    """The engine failed while ranking a question: its files are damaged (see `engines.index_failed`).

    Raised from the ranking alone, so that whoever asked rebuilds the index for
    an index's failure only, never for an error anywhere else in answering.
    """


@contextlib.contextmanager
def _engine_failures() -> Iterator[None]:
    """Around the engine's own work only: its failure becomes `IndexFailed`, any other error stays itself."""
    try:
        yield
    except BaseException as error:
        if index_failed(error):
            raise IndexFailed(str(error)) from error
        raise


@dataclass(frozen=True)
class Snapshot:
    """What answering needs: no engine yet (`None`) means nothing was indexed."""

    options: ArchiveOptions
    analyzer: Analyzer
    engine: Engine | None
    reader: PassageReader
    boilerplate: frozenset[int]

    def ask(
        self,
        question: str,
        k: int | None = None,
        after: date | None = None,
        before: date | None = None,
        today: date | None = None,
        context: Sequence[str] = (),
    ) -> Answer:
        """The best passages for a question, each with a quoted excerpt; empty when the archive cannot answer.

        Without an explicit `after`/`before`, dates in the question ("last week",
        "in January 2026") become the filter and leave the words searched.
        `context` holds the earlier questions a follow-up continues, oldest first:
        their words help rank, below the question's own (see `search`).
        """
        question = " ".join(question.split())[:MAX_QUESTION_CHARS]
        earlier = " ".join(" ".join(text.split())[:MAX_QUESTION_CHARS] for text in context)
        count = k or self.options.search.results
        scope = None
        if after is None and before is None:
            scope = question_dates(question, today or date.today())
            after, before = scope.after, scope.before
        dated = scope is not None and scope.label is not None
        searched = scope.text if scope is not None and dated else question
        terms = self.analyzer.query_terms(searched)
        if dated and not earlier and not set(terms) - frame_terms(self.analyzer):
            terms = []  # "what happened last week": nothing to search for but the dates
        if (not terms and not earlier) or self.engine is None:
            answer = Answer(question=question, terms=[], hits=[])
            if dated and scope is not None:
                answer.dated = self.latest(DATED_LISTING, scope.after, scope.before)
        else:
            answer = self._search(searched, count, after, before, earlier)
        relaxed = False
        if dated and terms and not answer.found:
            # "in 1975" may date the event asked about, not the article: try all dates, and say so.
            wider = self._search(searched, count, None, None, earlier)
            if wider.found:
                answer, relaxed = wider, True
        if scope is not None:
            answer.dates, answer.unsure_dates = scope.label, list(scope.unsure)
            answer.after, answer.before = (None, None) if relaxed else (after, before)
            answer.dates_relaxed = relaxed
        answer.question = question
        answer.context = list(context)
        return answer

    def _search(self, question: str, count: int, after: date | None, before: date | None, context: str) -> Answer:
        if self.engine is None:
            return Answer(question=question, terms=[], hits=[])
        with _engine_failures():
            return search(
                self.engine,
                self.reader,
                self.analyzer,
                self.options.search,
                question,
                count,
                after,
                before,
                self.boilerplate,
                context,
            )

    def latest(
        self, count: int, since: date | None = None, until: date | None = None, topic: str | None = None
    ) -> list[LatestItem]:
        """Newest articles and headlines with their dates, deduplicated, optionally within a range
        and on a topic (every one of its words, read by the questions' analyzer)."""
        if topic is None:
            return self.reader.read(reads.latest(count, since, until))
        if self.engine is None:
            return []
        with _engine_failures():
            return topic_items(self.engine, self.reader, self.analyzer, topic, count, since, until)

    def close(self) -> None:
        """Close the engine and reader of a snapshot `open_snapshot` opened (an `Archive`'s are its own)."""
        if self.engine is not None:
            self.engine.close()
        self.reader.close()


def open_snapshot(options: ArchiveOptions) -> Snapshot | None:
    """The committed generation, if it can be answered from as it stands; reads only, writes nothing.

    None when the `Archive` must act first: no archive or no index yet, a
    migration to apply, a reindex under way, an index that does not agree with
    the store or fails. The `Archive` then builds, migrates, waits or rebuilds,
    as it always does. The checks are the ones `IndexKeeper` makes before answering.
    A snapshot opened here is closed with `close()`.
    """
    path = options.data_dir / DATABASE_NAME
    if options.engine != "tantivy" or not path.is_file():  # rank-bm25 lives in a process's memory
        return None
    reader = PassageReader(path)
    try:
        snapshot = _in_step(options, reader)
    except BaseException as error:
        if not (isinstance(error, sqlite3.Error) or index_failed(error)):
            reader.close()
            raise
        log.debug("not answering from the archive as it stands (%s); opening it in full", error)
        snapshot = None
    if snapshot is None:
        reader.close()
    return snapshot


def _in_step(options: ArchiveOptions, reader: PassageReader) -> Snapshot | None:
    if reader.read(reads.schema_version()) != SCHEMA_VERSION or reader.read(reads.pending()) is not None:
        return None
    generation = reader.read(reads.committed_generation())
    analyzer = Analyzer(stem=options.analyzer.stem, stopwords=options.analyzer.stopwords)
    engine = open_current(options.engine, options.data_dir, analyzer, quiet=True)
    if engine is None:
        return None
    try:
        if generation and engine.generation() == generation:
            # The kept count, not a count: this runs for every shell question (see migration 0006).
            count = reader.read(reads.live_passages_kept())
            sample = reader.read(reads.live_article_sample(reads.AGREEMENT_SAMPLE))
            if engine.count() == count and not differing_articles(engine, sample):
                return Snapshot(options, analyzer, engine, reader, reader.read(reads.boilerplate()))
    except BaseException:
        engine.close()
        raise
    engine.close()
    return None
