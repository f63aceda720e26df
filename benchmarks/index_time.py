"""What taking boilerplate and duplicate stories out of the index (not only out of answers) would buy.

newsbot finds boilerplate (a sentence under three or more different titles)
and copies of one story at index time, but keeps both in the index: furniture
is never quoted and a candidate that matches only through it is under the
coverage floor; copies are folded into one answer naming every source. Taking
them out of the index itself would change the term statistics (a footer's
words stop looking common) and free candidate places, at a cost: the index
text of an article would depend on other articles, so a reindex would have to
re-index every article a newly found footer or a removed original touches.

Before building that, this measures it. Four archives over the news export
and the seed, built the default way except for what the engine is given:

- `indexed`: today's archive (the reference);
- `furniture out`: body passages indexed without their boilerplate sentences
  (and furniture glued to a sentence), the boilerplate set being the one the
  reference build found;
- `copies out`: only the first of each group of near-duplicate articles
  (three-word shingles of the body without its boilerplate, Jaccard at least
  `search.NEAR_DUPLICATE`, the rule answers use on passages) indexed; the others' body passages are indexed empty (they
  match nothing; their titles still do);
- `both out`.

Each is asked the trust benchmark's sets at the default floor, an answer
counting when it is from the right story (any of its copies: an archive that
folds copies quotes one and names the others) and quotes the answering phrase;
so the `indexed` row can differ a little from `trust.md`. Writes
`benchmarks/results/index_time.md` and `.json`.

    python -m benchmarks.index_time
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import newsbot.retrieval.reindex as reindex_module
from benchmarks.questions import EvalQuestion, load_questions, load_typos, load_unanswerable
from benchmarks.trust import RESULTS, ask_sets, nothing_found, success, write_seeds
from newsbot.retrieval import Answer, Archive, ArchiveOptions
from newsbot.retrieval.answer import without_furniture
from newsbot.retrieval.chunking import sentence_spans
from newsbot.retrieval.engines import Engine, IndexedPassage
from newsbot.retrieval.options import SearchOptions
from newsbot.retrieval.search import _shingles, _similar
from newsbot.retrieval.store import NewDocument

VARIANTS = ("indexed", "furniture out", "copies out", "both out")
Q = TypeVar("Q", bound=EvalQuestion)


def without_boilerplate(text: str, boilerplate: frozenset[int]) -> str:
    """`text` with its boilerplate sentences, and furniture glued to a sentence, left out."""
    kept = []
    for sentence in sentence_spans(text):
        span = without_furniture(text, sentence, boilerplate)
        if span.end > span.start:
            kept.append(text[span.start : span.end])
    return " ".join(kept)


def copies(documents: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each article's url → the url of the first article it is a near-duplicate of (itself if none).

    By the answers' own rule (`search._similar`), in file order.
    """
    kept: list[tuple[str, frozenset[str]]] = []
    first: dict[str, str] = {}
    for url, body in documents:
        shingles = _shingles(body)
        original = next((seen for seen, other in kept if _similar(shingles, other)), None)
        if original is None:
            kept.append((url, shingles))
        first[url] = original or url
    return first


def _export_bodies(seeds: Path) -> list[tuple[str, str]]:
    """(url, body) of the export's articles, in file order."""
    rows = []
    for line in (seeds / "articles.jsonl").read_text().split("\n"):
        if line.strip():
            record = json.loads(line)
            rows.append((record.get("url") or "", record.get("text", "")))
    return [(url, body) for url, body in rows if url]


def _as_stories(pairs: Sequence[tuple[Q, Answer]], first: dict[str, str]) -> list[tuple[Q, Answer]]:
    """Questions and answers with every copy's url read as its story's first url.

    An archive that folds copies answers with one of them and names the others;
    the question set names one url per question. Read through `first`, the
    right story counts whichever copy the archive quotes, in every variant alike.
    """
    folded = []
    for question, answer in pairs:
        hits = [replace(hit, url=first.get(hit.url or "", hit.url)) for hit in answer.hits]
        story = replace(question, url=first.get(question.url or "", question.url))
        folded.append((story, replace(answer, hits=hits)))
    return folded


def _indexing(boilerplate: frozenset[int] | None, skipped: set[str]) -> None:
    """Make the reindex give the engine what a variant indexes (the store keeps every article whole)."""

    def _indexed(key: str, kind: str, text: str) -> str:
        if kind != "body":
            return text
        if key.split("#", 1)[-1] in skipped:
            return ""  # still a passage, so the store and the index agree on counts, but it matches nothing
        return without_boilerplate(text, boilerplate) if boilerplate else text

    def index_batch(engine: Engine, retired: Sequence[int], documents: Sequence[NewDocument]) -> None:
        engine.delete_documents(retired)
        engine.add(
            IndexedPassage(pid, document.id, _indexed(document.key, kind, text), day.toordinal() if day else None)
            for document in documents
            for pid, kind, _start, _end, day, text in document.passages
        )

    reindex_module._index_batch = index_batch


async def measure(work: Path) -> dict[str, Any]:
    seeds = write_seeds(work)
    reference = ArchiveOptions(seeds_dir=seeds, data_dir=work / "indexed")
    archive = await Archive.open(reference)
    await archive.reindex()
    boilerplate = await archive.store.boilerplate()
    await archive.close()
    # Shingled without their furniture: scraped pages from one site share long lists of other stories,
    # enough for two different stories to look 70% alike.
    first = copies((url, without_boilerplate(body, boilerplate)) for url, body in _export_bodies(seeds))
    duplicates = {url for url, original in first.items() if url != original}
    original = reindex_module._index_batch
    rows = []
    try:
        for variant in VARIANTS:
            furniture = variant in ("furniture out", "both out")
            skipped = duplicates if variant in ("copies out", "both out") else set()
            _indexing(boilerplate if furniture else None, skipped)
            options = replace(reference, data_dir=work / variant.replace(" ", "-"))
            asked, typo_asked, refused = await ask_sets(options)
            clean, typed = _as_stories(asked, first), _as_stories(typo_asked, first)
            floor = SearchOptions().partial_coverage
            rows.append(
                {
                    "variant": variant,
                    "success@1": round(success(clean, floor, 1), 4),
                    "success@3": round(success(clean, floor, 3), 4),
                    "typo_success@3": round(success(typed, floor, 3), 4),
                    "unanswerable_nothing_found": round(nothing_found(refused, floor), 4),
                }
            )
    finally:
        reindex_module._index_batch = original
    return {
        "date": time.strftime("%Y-%m-%d"),
        "boilerplate_sentences": len(boilerplate),
        "near_duplicate_articles": len(duplicates),
        "questions": {
            "answerable": len(load_questions()),
            "typos": len(load_typos()),
            "unanswerable": len(load_unanswerable()),
        },
        "rows": rows,
    }


def markdown(result: dict[str, Any]) -> str:
    counts = result["questions"]
    lines = [
        "# Boilerplate and copies: out of answers, or out of the index too?",
        "",
        f"Generated by `python -m benchmarks.index_time` on {result['date']}: the news export and the seed, "
        f"{result['boilerplate_sentences']} boilerplate sentences and {result['near_duplicate_articles']} "
        "near-duplicate articles found; the trust benchmark's sets "
        f"({counts['answerable']} answerable, {counts['typos']} typo, {counts['unanswerable']} unanswerable "
        "questions) at the default coverage floor. What each variant leaves out of the index: the docstring of "
        "`benchmarks/index_time.py`. Answers leave out both in every variant; any copy of the right story "
        "counts as the right article.",
        "",
        "| index | Success@1 | Success@3 | typo Success@3 | unanswerable: nothing found |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['variant']} | {row['success@1']:.3f} | {row['success@3']:.3f} | "
            f"{row['typo_success@3']:.3f} | {row['unanswerable_nothing_found']:.1%} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    with tempfile.TemporaryDirectory() as work:
        result = asyncio.run(measure(Path(work)))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "index_time.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "index_time.md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
