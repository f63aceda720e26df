"""BM25 ranking engines behind one small interface.

`TantivyEngine` is the default: an on-disk, incremental Lucene-style BM25 index
that filters dates inside the engine. `RankBM25Engine` wraps rank-bm25's
`BM25Okapi` in memory: exact reference scores, for small archives and tests.
Both receive identical terms from `Analyzer`, so their results are comparable.
"""

from __future__ import annotations

import logging
import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import tantivy

from newsbot.retrieval.analyzer import TOKENIZER_NAME, Analyzer
from newsbot.retrieval.spelling import distance

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

EngineName = Literal["tantivy", "rank-bm25"]
GENERATION_FILE = "newsbot-generation"


@dataclass(frozen=True, slots=True)
class IndexedPassage:
    """What an engine needs of a passage: ids, its text and its date (as an ordinal)."""

    pid: int
    doc_id: int
    text: str
    day: int | None


@dataclass(frozen=True, slots=True)
class ScoredPassage:
    pid: int
    score: float


class Engine(Protocol):
    """Add, delete by document, commit or roll back, search, count. Writers are single; readers many.

    `persistent` engines live in a directory that other processes read and
    `reload`; the others live in memory and are rebuilt from the store.
    """

    name: str
    persistent: bool

    def add(self, passages: Iterable[IndexedPassage]) -> None: ...
    def delete_documents(self, doc_ids: Iterable[int]) -> None: ...
    def commit(self, generation: int) -> None: ...
    def rollback(self) -> None: ...
    def reload(self) -> None: ...
    def generation(self) -> int | None: ...
    def search(
        self,
        terms: Sequence[str],
        k: int,
        after: date | None = None,
        before: date | None = None,
        boosts: Mapping[str, float] | None = None,
    ) -> list[ScoredPassage]: ...
    def count(self) -> int: ...
    def passage_counts(self, doc_ids: Sequence[int]) -> dict[int, int]: ...
    def frequencies(self, terms: Sequence[str]) -> dict[str, int]: ...
    def near(self, term: str, edits: int, k: int) -> list[int]: ...
    def close(self) -> None: ...


def open_engine(name: EngineName, path: Path | None, analyzer: Analyzer) -> Engine:
    """A new or existing engine: tantivy in `path`, rank-bm25 in memory (`path` unused)."""
    if name == "tantivy":
        if path is None:
            raise ValueError("the tantivy engine needs a directory")
        return TantivyEngine(path, analyzer)
    return RankBM25Engine(analyzer)


def index_failed(error: BaseException) -> bool:
    """Whether an error from the engine means its files are damaged.

    A Rust panic inside tantivy surfaces as pyo3's `PanicException`, a
    `BaseException`; damaged bytes that tantivy notices come as `ValueError`
    ("An IO error occurred: 'Invalid data'") or `OSError`.
    """
    return type(error).__name__ == "PanicException" or isinstance(error, ValueError | OSError)


def differing_articles(engine: Engine, sample: Mapping[int, int]) -> list[int]:
    """Articles of a store's sample (id: passage count) whose passages the index holds another number of."""
    held = engine.passage_counts(list(sample))
    return [doc for doc, stored in sample.items() if held.get(doc) != stored]


def index_root(data_dir: Path) -> Path:
    """Where a data directory's on-disk indexes live; `CURRENT` there names the one to answer from."""
    return data_dir / "index"


def current_index(data_dir: Path) -> Path | None:
    """The index directory `CURRENT` names (a rebuild switches it atomically), if any."""
    root = index_root(data_dir)
    try:
        name = (root / "CURRENT").read_text().strip()
    except OSError:
        return None
    return root / name if name else None


def open_current(name: EngineName, data_dir: Path, analyzer: Analyzer, quiet: bool = False) -> Engine | None:
    """The current on-disk index, opened; None when there is none or it cannot be opened (then it is rebuilt).

    `quiet`: a failure is not worth a warning here, because the caller hands the archive
    to code that opens it again, and warns then (a shell `ask` to the full path).
    """
    path = current_index(data_dir)
    if path is None or not (path / "meta.json").exists():
        return None
    try:
        return open_engine(name, path, analyzer)
    except Exception as error:  # a corrupt index is rebuilt, never fatal
        level = logging.DEBUG if quiet else logging.WARNING
        log.log(level, "index at %s cannot be opened (%s); it will be rebuilt", path, error)
        return None


def idf(documents: int, frequency: int) -> float:
    """Lucene's BM25 idf, never negative: how much a term says about a passage."""
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


def _ranked(pairs: Iterable[tuple[int, float]], k: int) -> list[ScoredPassage]:
    # Ties are broken by passage id so both engines, and every run, agree on order.
    ordered = sorted(pairs, key=lambda pair: (-pair[1], pair[0]))
    return [ScoredPassage(pid, score) for pid, score in ordered[:k]]


class TantivyEngine:
    """Lucene BM25 (k1 1.2, b 0.75) in a tantivy index on disk.

    Writes are buffered in one `IndexWriter` and published atomically by
    `commit`; readers keep seeing the previous commit until then. The generation
    written beside the commit lets start-up check the index against the store.
    """

    name = "tantivy"
    persistent = True

    def __init__(self, path: Path, analyzer: Analyzer, writer_heap_mb: int = 256) -> None:
        self.path = path
        self.analyzer = analyzer
        self._heap = writer_heap_mb * 1_000_000
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("text", tokenizer_name=TOKENIZER_NAME, index_option="freq")
        builder.add_integer_field("pid", fast=True)
        builder.add_integer_field("doc", indexed=True)
        builder.add_integer_field("day", fast=True)
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        self.index.register_tokenizer(TOKENIZER_NAME, analyzer.tantivy_analyzer)
        self._writer: tantivy.IndexWriter | None = None

    def _writing(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self.index.writer(self._heap, 2)
        return self._writer

    def add(self, passages: Iterable[IndexedPassage]) -> None:
        writer = self._writing()
        normalize = self.analyzer.normalize
        for passage in passages:
            document = tantivy.Document()
            document.add_text("text", normalize(passage.text))
            document.add_integer("pid", passage.pid)
            document.add_integer("doc", passage.doc_id)
            if passage.day is not None:
                document.add_integer("day", passage.day)
            writer.add_document(document)

    def delete_documents(self, doc_ids: Iterable[int]) -> None:
        writer = self._writing()
        for doc_id in doc_ids:
            writer.delete_documents_by_term("doc", doc_id)

    def commit(self, generation: int) -> None:
        """Publish all buffered changes, then record `generation`, then free the writer lock."""
        writer = self._writing()
        writer.commit()
        writer.wait_merging_threads()
        self._writer = None
        _write_atomically(self.path / GENERATION_FILE, str(generation))
        self.index.reload()

    def rollback(self) -> None:
        if self._writer is not None:
            self._writer.rollback()
            self._writer.wait_merging_threads()
            self._writer = None

    def generation(self) -> int | None:
        try:
            return int((self.path / GENERATION_FILE).read_text().strip())
        except (OSError, ValueError):
            return None

    def reload(self) -> None:
        """See commits made since opening, by this or another process."""
        self.index.reload()

    def search(
        self,
        terms: Sequence[str],
        k: int,
        after: date | None = None,
        before: date | None = None,
        boosts: Mapping[str, float] | None = None,
    ) -> list[ScoredPassage]:
        if not terms or k <= 0:
            return []
        boosts = boosts or {}
        clauses = []
        for term in dict.fromkeys(terms):
            clause = tantivy.Query.term_query(self.schema, "text", term)
            if boosts.get(term, 1.0) != 1.0:
                clause = tantivy.Query.boost_query(clause, boosts[term])
            clauses.append((tantivy.Occur.Should, clause))
        query = tantivy.Query.boolean_query(clauses)
        if after is not None or before is not None:
            days = tantivy.Query.range_query(
                self.schema,
                "day",
                tantivy.FieldType.Integer,
                after.toordinal() if after else None,
                before.toordinal() if before else None,
            )
            # A zero-scored filter keeps BM25 scores identical with or without dates.
            query = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, query),
                    (tantivy.Occur.Must, tantivy.Query.const_score_query(days, 0.0)),
                ]
            )
        searcher = self.index.searcher()
        # Ask for a few more than k so ties at the cut are ordered by pid, like
        # the reference engine, rather than by segment order.
        result = searcher.search(query, limit=k + 8, count=False)
        if not result.hits:
            return []
        addresses = [address for _, address in result.hits]
        pids = searcher.fast_field_values("pid", addresses)
        return _ranked(
            [(int(pid), float(score)) for (score, _), pid in zip(result.hits, pids, strict=True) if pid is not None],
            k,
        )

    def count(self) -> int:
        return int(self.index.searcher().num_docs)

    def passage_counts(self, doc_ids: Sequence[int]) -> dict[int, int]:
        """How many passages the index holds of each article: a sample check against the store.

        By the indexed `doc` field, a lookup each; not by the passage id, which
        is only a fast field here, and would scan its column once per id.
        """
        searcher = self.index.searcher()
        return {
            doc: searcher.search(tantivy.Query.term_query(self.schema, "doc", doc), limit=1, count=True).count  # type: ignore[attr-defined]
            for doc in doc_ids
        }

    def frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """How many passages hold each term (0: the archive never uses it)."""
        searcher = self.index.searcher()
        return {term: int(searcher.doc_freq("text", term)) for term in terms}

    def near(self, term: str, edits: int, k: int) -> list[int]:
        """Up to `k` passages holding a term within `edits` edits of `term` (a swap counts one)."""
        query = tantivy.Query.fuzzy_term_query(self.schema, "text", term, distance=edits, transposition_cost_one=True)
        searcher = self.index.searcher()
        # Every match scores the same, so without an order the k kept would depend on how the
        # writer's threads happened to lay out segments: the lowest pids, the same in every build.
        result = searcher.search(query, limit=k, count=False, order_by_field="pid", order=tantivy.Order.Asc)
        return [int(pid) for pid, _ in result.hits]

    def close(self) -> None:
        self.rollback()


_Snapshot = tuple[int | None, "np.ndarray", "np.ndarray", "dict[str, np.ndarray]", object | None]


class RankBM25Engine:
    """rank-bm25's `BM25Okapi` over analyzer terms, rebuilt in memory on commit.

    Exact reference scores; building is O(corpus) on every commit, so it suits
    small archives and tests, not hundreds of thousands of passages.
    """

    name = "rank-bm25"
    persistent = False

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self._terms: dict[int, list[str]] = {}
        self._doc_of: dict[int, int] = {}
        self._day: dict[int, int | None] = {}
        # The working maps as of the last commit, for `rollback`.
        self._committed: tuple[dict[int, list[str]], dict[int, int], dict[int, int | None]] = ({}, {}, {})
        # (generation, pids, days, postings, model) swapped in one assignment on
        # commit, so a search in another thread never mixes two generations.
        import numpy as np  # imported here: only this engine needs it, and `newsbot ask` starts faster

        self._np = np
        self._snapshot: _Snapshot = (None, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), {}, None)

    def add(self, passages: Iterable[IndexedPassage]) -> None:
        for passage in passages:
            self._terms[passage.pid] = self.analyzer.terms(passage.text)
            self._doc_of[passage.pid] = passage.doc_id
            self._day[passage.pid] = passage.day

    def delete_documents(self, doc_ids: Iterable[int]) -> None:
        gone = set(doc_ids)
        for pid in [pid for pid, doc in self._doc_of.items() if doc in gone]:
            del self._terms[pid], self._doc_of[pid], self._day[pid]

    def commit(self, generation: int) -> None:
        from rank_bm25 import BM25Okapi  # imported late: it is the optional engine

        np = self._np
        pids = sorted(self._terms)
        # Unknown dates sort below every real day, so any date filter drops them.
        days = [self._day[p] if self._day[p] is not None else -1 for p in pids]
        corpus = [self._terms[p] for p in pids]
        postings: dict[str, list[int]] = {}
        for row, terms in enumerate(corpus):
            for term in set(terms):
                postings.setdefault(term, []).append(row)
        model = BM25Okapi(corpus) if any(corpus) else None
        self._committed = (dict(self._terms), dict(self._doc_of), dict(self._day))
        self._snapshot = (
            generation,
            np.array(pids, dtype=np.int64),
            np.array(days, dtype=np.int64),
            {term: np.array(rows, dtype=np.int64) for term, rows in postings.items()},
            model,
        )

    def rollback(self) -> None:
        """Forget adds and deletes since the last commit."""
        terms, doc_of, day = self._committed
        self._terms, self._doc_of, self._day = dict(terms), dict(doc_of), dict(day)

    def reload(self) -> None:
        """Nothing to do: only this process writes an in-memory engine."""

    def generation(self) -> int | None:
        return self._snapshot[0]

    def search(
        self,
        terms: Sequence[str],
        k: int,
        after: date | None = None,
        before: date | None = None,
        boosts: Mapping[str, float] | None = None,
    ) -> list[ScoredPassage]:
        _, pids, days, postings, model = self._snapshot
        if model is None or not terms or k <= 0:
            return []
        np = self._np
        unique = list(dict.fromkeys(terms))
        plain = [term for term in unique if not boosts or boosts.get(term, 1.0) == 1.0]
        scores = np.asarray(model.get_scores(plain), dtype=float)  # type: ignore[attr-defined]
        for term in unique:
            if boosts and boosts.get(term, 1.0) != 1.0:  # BM25 sums per term: a boost scales one addend
                scores = scores + boosts[term] * np.asarray(model.get_scores([term]))  # type: ignore[attr-defined]
        # A hit is a passage holding a question term. Not "score > 0": BM25Okapi
        # gives terms in over half the passages a tiny or negative idf.
        keep = np.zeros(len(pids), dtype=bool)
        for term in terms:
            if term in postings:
                keep[postings[term]] = True
        if after is not None:
            keep &= days >= after.toordinal()
        if before is not None:
            keep &= (days <= before.toordinal()) & (days >= 0)
        candidates = np.flatnonzero(keep)
        if candidates.size > k:
            top = np.argpartition(-scores[candidates], k - 1)[:k]
            # Everything tied with the k-th score stays in, so the pid tie-break is exact.
            floor = scores[candidates[top]].min()
            candidates = candidates[scores[candidates] >= floor]
        return _ranked([(int(pids[i]), float(scores[i])) for i in candidates], k)

    def count(self) -> int:
        return len(self._snapshot[1])

    def passage_counts(self, doc_ids: Sequence[int]) -> dict[int, int]:
        committed = Counter(self._committed[1].values())  # article of each passage, as of the last commit
        return {doc: committed[doc] for doc in doc_ids}

    def frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """How many passages hold each term (0: the archive never uses it)."""
        postings = self._snapshot[3]
        return {term: len(postings.get(term, ())) for term in terms}

    def near(self, term: str, edits: int, k: int) -> list[int]:
        """Up to `k` passages holding a term within `edits` edits of `term`: a scan of the vocabulary."""
        _, pids, _, postings, _ = self._snapshot
        rows: list[int] = []
        for candidate, positions in postings.items():
            # Cheap tests first: a Python edit distance over a whole vocabulary is slow.
            if candidate[:1] != term[:1] or abs(len(candidate) - len(term)) > edits or candidate == term:
                continue
            if distance(term, candidate, edits) <= edits:
                rows.extend(int(row) for row in positions[:k])
        return sorted({int(pids[row]) for row in rows})[:k]

    def close(self) -> None:
        self._snapshot = (None, self._snapshot[1][:0], self._snapshot[2][:0], {}, None)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def remove_index(path: Path) -> None:
    """Delete an index directory, tolerating one that is already gone."""
    import shutil  # only a rebuild or reindex removes an index; a shell `ask` never does

    shutil.rmtree(path, ignore_errors=True)
