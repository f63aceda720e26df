"""The thread side of a question: rank passages, fetch them, keep one per article, cut excerpts.

Runs in one worker thread per question (`Archive.ask`), so ranking, the
SQLite fetch and the excerpts cost a single hop off the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from retrieval.analyzer import Analyzer
from retrieval.answer import Hit, excerpt_for
from retrieval.dates import human_date
from retrieval.engines import Engine, ScoredPassage
from retrieval.options import SearchOptions
from retrieval.store import PassageReader, PassageRow

# Candidates looked at for one question, at most: far past any real run of copies.
_MAX_POOL = 20_000


def search(
    engine: Engine,
    reader: PassageReader,
    analyzer: Analyzer,
    options: SearchOptions,
    terms: list[str],
    count: int,
    after: date | None = None,
    before: date | None = None,
) -> list[Hit]:
    """The best `count` distinct hits for analyzed `terms` (or all there are).

    Empty when the best score is under `min_score`. Near-duplicates (the same
    headline listed on many pages, one page scraped thirty times, several
    passages of one article) are dropped, so the candidate pool grows until
    `count` distinct hits are found or the engine has no more.
    """
    pool = count * 2 + 6
    while True:
        scored = engine.search(terms, pool, after, before)
        if not scored or scored[0].score < options.min_score:
            return []
        rows = reader.passages([s.pid for s in scored])
        hits = _hits(engine, analyzer, options, scored, rows, terms, count)
        if len(hits) == count or len(scored) < pool or pool >= _MAX_POOL:
            return hits
        pool *= 4


def _hits(
    engine: Engine,
    analyzer: Analyzer,
    options: SearchOptions,
    scored: Sequence[ScoredPassage],
    rows: dict[int, PassageRow],
    terms: list[str],
    count: int,
) -> list[Hit]:
    """Ranked passages to answers: near-duplicates dropped, each article shown by its best excerpt."""
    weights = engine.weights(terms)
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
        excerpt, spans = excerpt_for(shown.text, analyzer, weights, options.excerpt_chars)
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
