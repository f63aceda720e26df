"""Retrieval quality: answers members can trust (issue #12's targets), and per engine and analyzer choice.

First the trust measures at the default configuration (`benchmarks.trust`, which
also writes `trust.md` with the curve as the coverage floor moves): answerable
against unanswerable questions, typos, dates, boilerplate in excerpts.

Then two evaluations per configuration, on the real news export (`tests/data/news-articles.jsonl.gz`):
- known-item search: each article's title is the question; its own passages are
  the relevant ones; titles are not indexed (`index_titles = false`), so the
  title must be found through the body. MRR@10 and Recall@10 over the engine's
  ranked passages.
- the question set in `benchmarks/questions/` (what members ask, with the phrase
  that answers it): newsbot's answer path (`Archive.ask`, 3 answers). An answer
  counts when one of its quotes (the excerpt, and under the lead answer the
  quotes from elsewhere in its article) contains the phrase. Success@1 and
  Success@3 (ranx's hit_rate).

Configurations: engine (tantivy, rank-bm25) × stemming on/off × stop words
on/off × passage size (300, 600, 1000 characters). Results go to
`benchmarks/results/quality.{md,json}`.

    python -m benchmarks.quality               # both (the grid takes minutes)
    python -m benchmarks.quality --trust-only  # the trust measures; the grid as last run
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import itertools
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ranx import Qrels, Run, evaluate

from benchmarks import trust
from benchmarks.questions import EvalQuestion, belongs, fold, load_questions
from newsbot.retrieval.archive import Archive
from newsbot.retrieval.options import AnalyzerOptions, ArchiveOptions, ChunkingOptions

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
NEWS = ROOT / "tests" / "data" / "news-articles.jsonl.gz"
SEED = ROOT / "seeds" / "000_5366ab7e5f21e498.txt"
DEFAULT = ("tantivy", True, True, 600)


async def known_items(archive: Archive) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """Known-item search over a built archive: each article's title by query id, and its passages as relevant."""
    async with archive.store.db.execute(
        "SELECT d.id, d.title, p.id FROM documents d JOIN passages p ON p.document_id = d.id "
        "WHERE d.retired IS NULL AND p.retired IS NULL"
    ) as cursor:
        rows = await cursor.fetchall()
    titles: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    for doc_id, title, pid in rows:
        titles[f"d{doc_id}"] = title
        qrels.setdefault(f"d{doc_id}", {})[str(pid)] = 1
    return titles, qrels


async def known_item(options: ArchiveOptions) -> dict[str, float]:
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        titles, qrels = await known_items(archive)
        run: dict[str, dict[str, float]] = {}
        assert archive.engine is not None
        for qid, title in titles.items():
            hits = archive.engine.search(archive.analyzer.query_terms(title), 10)
            run[qid] = {str(h.pid): h.score for h in hits} or {"none": 0.0}
    finally:
        await archive.close()
    scores = evaluate(Qrels(qrels), Run(run), ["mrr@10", "recall@10"])
    return {"kis_mrr@10": round(float(scores["mrr@10"]), 4), "kis_recall@10": round(float(scores["recall@10"]), 4)}


async def question_set(options: ArchiveOptions, questions: list[EvalQuestion]) -> dict[str, float]:
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        qrels: dict[str, dict[str, int]] = {}
        run: dict[str, dict[str, float]] = {}
        for number, question in enumerate(questions):
            qid = f"q{number}"
            answer = await archive.ask(question.question, 3)
            run[qid] = {}
            qrels[qid] = {"none": 1}  # a question nothing answers still counts, as a miss
            for rank, hit in enumerate(answer.hits):
                doc = f"{hit.passage_id}:{rank}"
                run[qid][doc] = float(len(answer.hits) - rank)
                if belongs(question, hit.url, hit.file) and any(
                    fold(question.answer) in fold(quoted) for quoted in trust.quotes(hit)
                ):
                    qrels[qid][doc] = 1
            if not run[qid]:
                run[qid] = {"nothing": 0.0}
    finally:
        await archive.close()
    scores = evaluate(Qrels(qrels), Run(run), ["hit_rate@1", "hit_rate@3"])
    return {
        "qs_success@1": round(float(scores["hit_rate@1"]), 4),
        "qs_success@3": round(float(scores["hit_rate@3"]), 4),
    }


async def evaluate_config(engine: str, stem: bool, stopwords: bool, size: int, work: Path) -> dict[str, Any]:
    seeds = work / "seeds"
    if not seeds.exists():
        seeds.mkdir(parents=True)
        with gzip.open(NEWS, "rb") as packed:
            (seeds / "articles.jsonl").write_bytes(packed.read())
        shutil.copy(SEED, seeds / SEED.name)
    base = {
        "seeds_dir": seeds,
        "engine": engine,
        "analyzer": AnalyzerOptions(stem=stem, stopwords=stopwords),
        "chunking": ChunkingOptions(passage_chars=size, overlap_chars=size // 4),
    }
    name = f"{engine}-{stem}-{stopwords}-{size}"
    kis = await known_item(ArchiveOptions(**base, data_dir=work / f"kis-{name}", index_titles=False))  # type: ignore[arg-type]
    qs = await question_set(ArchiveOptions(**base, data_dir=work / f"qs-{name}"), load_questions())  # type: ignore[arg-type]
    return {"engine": engine, "stem": stem, "stopwords": stopwords, "passage_chars": size, **kis, **qs}


def markdown(rows: list[dict[str, Any]], questions: int, trusted: dict[str, Any], grid_date: str) -> str:
    lines = [
        "# Retrieval quality",
        "",
        f"Generated by `python -m benchmarks.quality` on {trusted['date']}.",
        "",
        f"## Answers members can trust (issue #12), at the default coverage floor ({trusted['default_floor']})",
        "",
        f"{trusted['questions']['answerable']} answerable questions, {trusted['questions']['unanswerable']} "
        "unanswerable ones, and the typo and date sets, over the news export and the seed. The curve as the floor "
        "moves, the misses and the plot are in `trust.md` and `trust.png`.",
        "",
        *trust.headline(trusted),
        "",
        "## Engines and analyzer choices",
        "",
        f"Measured on {grid_date}; scores computed by ranx.",
        "Known-item search: 232 articles' titles as questions (titles not indexed).",
        f"Question set: {questions} questions; an answer counts when one of its quotes holds the answering phrase.",
        "",
        "| engine | stemming | stop words | passage chars | KIS MRR@10 | KIS Recall@10 | QS Success@1 | QS Success@3 |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in sorted(rows, key=lambda r: (-r["qs_success@1"], -r["kis_mrr@10"])):
        marker = (
            " **(default)**" if (row["engine"], row["stem"], row["stopwords"], row["passage_chars"]) == DEFAULT else ""
        )
        lines.append(
            f"| {row['engine']}{marker} | {'on' if row['stem'] else 'off'} | {'on' if row['stopwords'] else 'off'} "
            f"| {row['passage_chars']} | {row['kis_mrr@10']:.3f} | {row['kis_recall@10']:.3f} "
            f"| {row['qs_success@1']:.3f} | {row['qs_success@3']:.3f} |"
        )
    return "\n".join(lines) + "\n"


async def run_all(engines: list[str], sizes: list[int]) -> list[dict[str, Any]]:
    rows = []
    work = Path(tempfile.mkdtemp(prefix="newsbot-quality-"))
    try:
        for engine, stem, stopwords, size in itertools.product(engines, (True, False), (True, False), sizes):
            row = await evaluate_config(engine, stem, stopwords, size, work)
            print(json.dumps(row), file=sys.stderr, flush=True)
            rows.append(row)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--engines", nargs="+", default=["tantivy", "rank-bm25"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 600, 1000])
    parser.add_argument("--out", default=str(RESULTS / "quality"))
    parser.add_argument("--trust-only", action="store_true", help="keep the grid of the last run")
    args = parser.parse_args(argv)
    out = Path(args.out)
    trusted = trust.run()
    if args.trust_only:
        last = json.loads(out.with_suffix(".json").read_text())
        rows, grid_date = last["grid"], last["grid_date"]
    else:
        rows, grid_date = asyncio.run(run_all(args.engines, args.sizes)), time.strftime("%Y-%m-%d")
    out.parent.mkdir(parents=True, exist_ok=True)
    summary = {"trust": {"date": trusted["date"], **trusted["at_default"]}, "grid_date": grid_date, "grid": rows}
    out.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")
    table = markdown(rows, len(load_questions()), trusted, grid_date)
    out.with_suffix(".md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
