"""Ranking variants side by side: a title field boost, term proximity and RM3 against the default.

One run builds the news export and the seed twice (titles indexed, for the
question set; titles not indexed, for known-item search) and measures every
variant on both:

- the question set (`benchmarks/questions/`, 166 answerable questions): three
  answers per question; an answer counts when it is from the right article
  (url or file) and its quoted excerpt holds the answering phrase. Success@1,
  Success@3.
- known-item search: each article's title is the question over the archive
  built with `index_titles = false`; its own passages are the relevant ones.
  MRR@10, Recall@10 (ranx) over the ranked passages.

Variants:

- `baseline`: newsbot's own answer path, `Archive.ask(question, 3)` with the
  coverage floor off; for known-item search `engine.search(terms, 10)`.
- `control`: this benchmark's own answer path with no re-ranking: the 50 best
  BM25 passages, one answer per article, excerpts cut by `excerpt_for`. Every
  re-ranked variant goes through exactly this path, so `control` against
  `baseline` shows what the path itself changes (it has no typo correction).
- `title w`: each passage of the pool of 50 scores BM25 + w · the question's
  BM25 (k1 1.2, b 0.75, idf from the passage index, title lengths against the
  archive's mean title length) against its article's title. Listed headlines
  have no article of their own and get no bonus. In known-item search the
  question *is* the title, so this variant reads the answer: its figures there
  are reported but flagged, and are no evidence either way.
- `proximity w`: BM25 + w · (idf sum of the distinct question terms the passage
  holds) / (length, in analyzer tokens, of the shortest run of the passage
  holding all of them); passages holding fewer than two distinct question terms
  get no bonus. Pool of 50.
- `rm3 λ`: the 10 best BM25 passages weighted by their share of the top-10
  score; each term's weight is the sum over them of share · (term frequency /
  passage length in analyzer tokens). The 10 heaviest terms not in the question,
  normalised, are interpolated with the question (λ / |question| per question
  term, (1 − λ) · weight per expansion term) and searched as a boolean query of
  boosted term queries; its 50 best passages go through the same answer path.

The answer path of every variant but `baseline` follows newsbot's: dates in
the question filter the search (all dates again when nothing is found), a best
BM25 score under `min_score` finds nothing, one answer per article (and per
identical text), a title passage is quoted from its article's best body passage
in the pool, excerpts skip boilerplate, `excerpt_for(text, analyzer, {term:
idf}, 600)`, three answers.

Adoption: a variant is "adopt" only if it beats `baseline` by at least +0.02
(about three questions of 166; less is noise) on BOTH question-set Success@1
and known-item MRR@10; otherwise "not adopted". The table also gives questions
won and lost at rank 1 against the baseline and paired randomisation-test
p-values, for reading the margins.

Writes `benchmarks/results/ranking.md` and `.json`.

    python -m benchmarks.ranking
"""

from __future__ import annotations

import asyncio
import gzip
import importlib.metadata
import json
import math
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import tantivy
from ranx import Qrels, Run, evaluate  # type: ignore[import-untyped]

from benchmarks.quality import known_items
from benchmarks.questions import EvalQuestion, belongs, fold, load_questions
from newsbot.retrieval import Answer, Archive
from newsbot.retrieval.answer import excerpt_for
from newsbot.retrieval.engines import ScoredPassage, TantivyEngine, idf
from newsbot.retrieval.options import ArchiveOptions, SearchOptions
from newsbot.retrieval.question_dates import question_dates
from newsbot.retrieval.reads import PassageRow

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
NEWS = ROOT / "tests" / "data" / "news-articles.jsonl.gz"
SEED = ROOT / "seeds" / "000_5366ab7e5f21e498.txt"

ANSWERS = 3
POOL = 50  # candidates re-ranked per question
KIS_DEPTH = 10
FEEDBACK_PASSAGES = 10  # RM3: passages the relevance model is built from
EXPANSION_TERMS = 10  # RM3: terms added to the question
K1, B = 1.2, 0.75  # the title's BM25, as tantivy's
NOISE = 0.02  # the least gain that counts, on 166 questions
PERMUTATIONS = 10_000

Kind = Literal["baseline", "control", "title", "proximity", "rm3"]


@dataclass(frozen=True)
class Variant:
    kind: Kind
    value: float = 0.0  # the title or proximity weight w, or RM3's λ

    @property
    def name(self) -> str:
        return self.kind if self.kind in ("baseline", "control") else f"{self.kind} {self.value:g}"

    @property
    def parameters(self) -> str:
        if self.kind == "baseline":
            return "Archive.ask, floor off; KIS: engine.search top 10"
        if self.kind == "control":
            return f"BM25 pool {POOL}, no re-ranking"
        if self.kind == "title":
            return f"w = {self.value:g}, pool {POOL}"
        if self.kind == "proximity":
            return f"w = {self.value:g}, pool {POOL}"
        return f"λ = {self.value:g}, {FEEDBACK_PASSAGES} passages, {EXPANSION_TERMS} terms"


VARIANTS = [
    Variant("baseline"),
    Variant("control"),
    *(Variant("title", w) for w in (0.5, 1.0, 2.0)),
    *(Variant("proximity", w) for w in (0.5, 1.0, 2.0)),
    *(Variant("rm3", lam) for lam in (0.5, 0.7)),
]


@dataclass(frozen=True)
class Shown:
    """One answer as a member reads it: where it is from and the quoted excerpt."""

    url: str | None
    file: str
    excerpt: str


def answered(question: EvalQuestion, answer: Shown) -> bool:
    """As `benchmarks.trust` scores it: the right article, and the phrase in the quoted excerpt."""
    return belongs(question, answer.url, answer.file) and fold(question.answer) in fold(answer.excerpt)


def _shown(answer: Answer) -> list[Shown]:
    return [Shown(hit.url, hit.file, hit.excerpt) for hit in answer.hits]


def _ordered(pairs: Iterable[tuple[int, float]]) -> list[ScoredPassage]:
    # Ties broken by passage id, as newsbot's engines do.
    return [ScoredPassage(pid, score) for pid, score in sorted(pairs, key=lambda pair: (-pair[1], pair[0]))]


def shortest_span(positions: Mapping[str, Sequence[int]]) -> int:
    """Length of the shortest run of tokens holding every key of `positions` at least once."""
    events = sorted((position, term) for term, where in positions.items() for position in where)
    wanted = len(positions)
    held: Counter[str] = Counter()
    best = math.inf
    left = 0
    for position, term in events:
        held[term] += 1
        while len(held) == wanted:
            start, first = events[left]
            best = min(best, position - start + 1)
            held[first] -= 1
            if not held[first]:
                del held[first]
            left += 1
    return int(best)


@dataclass
class Ranker:
    """The variants' rankings over one built archive, from its public pieces."""

    archive: Archive
    mean_title_terms: float
    today: date = field(default_factory=date.today)
    _rows: dict[int, PassageRow] = field(default_factory=dict)
    _tokens: dict[int, list[str]] = field(default_factory=dict)
    _titles: dict[str, Counter[str]] = field(default_factory=dict)
    _idf: dict[str, float] = field(default_factory=dict)

    @property
    def engine(self) -> TantivyEngine:
        engine = self.archive.engine
        assert isinstance(engine, TantivyEngine), "the ranking benchmark runs on the tantivy engine"
        return engine

    # -- what the re-rankers read, cached over the whole run -------------------

    def rows(self, pids: Sequence[int]) -> dict[int, PassageRow]:
        missing = [pid for pid in pids if pid not in self._rows]
        if missing:
            self._rows.update(self.archive.reader.passages(missing))
        return {pid: self._rows[pid] for pid in pids if pid in self._rows}

    def tokens(self, pid: int) -> list[str]:
        found = self._tokens.get(pid)
        if found is None:
            found = self._tokens[pid] = self.archive.analyzer.terms(self._rows[pid].text)
        return found

    def title_terms(self, title: str) -> Counter[str]:
        found = self._titles.get(title)
        if found is None:
            found = self._titles[title] = Counter(self.archive.analyzer.terms(title))
        return found

    def idf(self, terms: Sequence[str]) -> dict[str, float]:
        unknown = [term for term in terms if term not in self._idf]
        if unknown:
            passages = self.engine.count()
            for term, frequency in self.engine.frequencies(unknown).items():
                self._idf[term] = idf(passages, frequency)
        return {term: self._idf[term] for term in terms}

    # -- the variants ------------------------------------------------------------

    def rank(
        self, variant: Variant, terms: Sequence[str], after: date | None = None, before: date | None = None
    ) -> list[ScoredPassage]:
        """The pool of `POOL` passages for `terms`, in the variant's order (empty if BM25 finds nothing)."""
        if variant.kind == "rm3":
            return self._rm3(terms, variant.value, after, before)
        pool = self.engine.search(terms, POOL, after, before)
        if variant.kind in ("baseline", "control") or not pool:
            return pool
        rows = self.rows([s.pid for s in pool])
        weights = self.idf(terms)
        bonus = self._title_bonus if variant.kind == "title" else self._proximity
        return _ordered(
            (s.pid, s.score + variant.value * bonus(rows[s.pid], weights) if s.pid in rows else s.score) for s in pool
        )

    def _title_bonus(self, row: PassageRow, weights: Mapping[str, float]) -> float:
        if row.kind == "headline":
            return 0.0  # its `title` is the page listing it, not an article of its own
        counts = self.title_terms(row.title)
        norm = K1 * (1 - B + B * sum(counts.values()) / self.mean_title_terms)
        return sum(
            weight * counts[term] * (K1 + 1) / (counts[term] + norm) for term, weight in weights.items() if counts[term]
        )

    def _proximity(self, row: PassageRow, weights: Mapping[str, float]) -> float:
        positions: dict[str, list[int]] = {}
        for position, token in enumerate(self.tokens(row.pid)):
            if token in weights:
                positions.setdefault(token, []).append(position)
        if len(positions) < 2:
            return 0.0
        return sum(weights[term] for term in positions) / shortest_span(positions)

    def expansion(self, terms: Sequence[str], after: date | None, before: date | None) -> dict[str, float]:
        """RM3's relevance model: the `EXPANSION_TERMS` heaviest terms of the feedback passages, normalised."""
        feedback = self.engine.search(terms, FEEDBACK_PASSAGES, after, before)
        rows = self.rows([s.pid for s in feedback])
        total = sum(s.score for s in feedback if s.pid in rows)
        model: dict[str, float] = {}
        asked = set(terms)
        for scored in feedback:
            if scored.pid not in rows or total <= 0:
                continue
            tokens = self.tokens(scored.pid)
            share = scored.score / total
            for term, count in Counter(tokens).items():
                if term not in asked:
                    model[term] = model.get(term, 0.0) + share * count / len(tokens)
        chosen = sorted(model.items(), key=lambda pair: (-pair[1], pair[0]))[:EXPANSION_TERMS]
        mass = sum(weight for _, weight in chosen)
        return {term: weight / mass for term, weight in chosen} if mass > 0 else {}

    def _rm3(self, terms: Sequence[str], keep: float, after: date | None, before: date | None) -> list[ScoredPassage]:
        question = list(dict.fromkeys(terms))
        weights = dict.fromkeys(question, keep / len(question))
        for term, weight in self.expansion(question, after, before).items():
            weights[term] = weights.get(term, 0.0) + (1 - keep) * weight
        return self.weighted_search(weights, POOL, after, before)

    def weighted_search(
        self, weights: Mapping[str, float], k: int, after: date | None, before: date | None
    ) -> list[ScoredPassage]:
        """`TantivyEngine.search`, with each term's query boosted by its weight."""
        engine = self.engine
        query = tantivy.Query.boolean_query(
            [
                (
                    tantivy.Occur.Should,
                    tantivy.Query.boost_query(tantivy.Query.term_query(engine.schema, "text", term), weight),
                )
                for term, weight in weights.items()
                if weight > 0
            ]
        )
        if after is not None or before is not None:
            days = tantivy.Query.range_query(
                engine.schema,
                "day",
                tantivy.FieldType.Integer,
                after.toordinal() if after else None,
                before.toordinal() if before else None,
            )
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query), (tantivy.Occur.Must, tantivy.Query.const_score_query(days, 0.0))]
            )
        searcher = engine.index.searcher()
        result = searcher.search(query, limit=k + 8, count=False)
        if not result.hits:
            return []
        pids = searcher.fast_field_values("pid", [address for _, address in result.hits])
        pairs = [(int(pid), float(score)) for (score, _), pid in zip(result.hits, pids, strict=True) if pid is not None]
        return _ordered(pairs)[:k]

    # -- the answer path ---------------------------------------------------------

    def answer(
        self, variant: Variant, question: str, options: SearchOptions, boilerplate: frozenset[int]
    ) -> list[Shown]:
        """Up to three answers to `question` the way newsbot builds them, from the variant's ranking."""
        question = " ".join(question.split())
        scope = question_dates(question, self.today)
        dated = scope.label is not None
        searched = scope.text if dated else question
        terms = self.archive.analyzer.query_terms(searched)
        if not terms:
            return []
        found = self._answers(variant, terms, scope.after, scope.before, options, boilerplate)
        if dated and not found:  # the date may be the event's, not the article's: all dates
            found = self._answers(variant, terms, None, None, options, boilerplate)
        return found

    def _answers(
        self,
        variant: Variant,
        terms: Sequence[str],
        after: date | None,
        before: date | None,
        options: SearchOptions,
        boilerplate: frozenset[int],
    ) -> list[Shown]:
        best = self.engine.search(terms, 1, after, before)
        if not best or best[0].score < options.min_score:
            return []
        ranked = self.rank(variant, terms, after, before)
        rows = self.rows([s.pid for s in ranked])
        weights = self.idf(terms)
        bodies: dict[int, PassageRow] = {}
        for scored in ranked:
            row = rows.get(scored.pid)
            if row is not None and row.kind == "body":
                bodies.setdefault(row.document_id, row)
        seen: set[tuple[str, object]] = set()
        shown: list[Shown] = []
        for scored in ranked:
            row = rows.get(scored.pid)
            if row is None:
                continue
            keys: set[tuple[str, object]] = {("text", " ".join(row.text.casefold().split()))}
            if row.kind != "headline":
                keys.add(("doc", row.document_id))
            if keys & seen:
                continue
            seen |= keys
            quoted = bodies.get(row.document_id, row) if row.kind == "title" else row
            excerpt, _ = excerpt_for(quoted.text, self.archive.analyzer, weights, options.excerpt_chars, boilerplate)
            if not excerpt:
                continue
            shown.append(Shown(None if row.kind == "headline" else row.url, row.file, excerpt))
            if len(shown) == ANSWERS:
                break
        return shown


# -- measuring -----------------------------------------------------------------


def _seeds(work: Path) -> Path:
    seeds = work / "seeds"
    seeds.mkdir(parents=True)
    with gzip.open(NEWS, "rb") as packed:
        (seeds / "articles.jsonl").write_bytes(packed.read())
    shutil.copy(SEED, seeds / SEED.name)
    return seeds


async def _mean_title_terms(archive: Archive) -> float:
    async with archive.store.db.execute("SELECT title FROM documents WHERE retired IS NULL") as cursor:
        titles = [str(row[0] or "") for row in await cursor.fetchall()]
    lengths = [len(archive.analyzer.terms(title)) for title in titles]
    return max(sum(lengths) / max(len(lengths), 1), 1.0)


async def question_set(options: ArchiveOptions, questions: Sequence[EvalQuestion]) -> dict[str, list[list[bool]]]:
    """For each variant, for each question, whether each of its answers answers it, in rank order."""
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        baseline = [_shown(await archive.ask(q.question, ANSWERS)) for q in questions]
        ranker = Ranker(archive, await _mean_title_terms(archive))
        boilerplate = await archive.store.boilerplate()
        answers: dict[str, list[list[Shown]]] = {"baseline": baseline}
        for variant in VARIANTS[1:]:
            started = time.perf_counter()
            answers[variant.name] = [ranker.answer(variant, q.question, options.search, boilerplate) for q in questions]
            print(f"question set, {variant.name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    finally:
        await archive.close()
    return {
        name: [[answered(q, a) for a in shown] for q, shown in zip(questions, lists, strict=True)]
        for name, lists in answers.items()
    }


async def known_item(options: ArchiveOptions) -> tuple[Qrels, dict[str, Run]]:
    """Each article's title as the question over an archive without titles: the qrels, and a run per variant."""
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        titles, qrels = await known_items(archive)
        ranker = Ranker(archive, await _mean_title_terms(archive))
        runs: dict[str, Run] = {}
        for variant in VARIANTS:
            run: dict[str, dict[str, float]] = {}
            for qid, title in titles.items():
                terms = archive.analyzer.query_terms(title)
                if variant.kind == "baseline":
                    hits = ranker.engine.search(terms, KIS_DEPTH)
                else:
                    hits = ranker.rank(variant, terms)[:KIS_DEPTH]
                # Ranks, not scores, as the run: RM3's boosted scores are on another scale, and ties are settled.
                run[qid] = {str(h.pid): float(KIS_DEPTH - rank) for rank, h in enumerate(hits)} or {"none": 0.0}
            runs[variant.name] = Run(run, name=variant.name)
    finally:
        await archive.close()
    return Qrels(qrels), runs


def randomisation_p(a: Sequence[float], b: Sequence[float], seed: int = 7) -> float:
    """Two-sided paired randomisation test on the mean difference of `b` over `a`."""
    diffs = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    if not diffs.any():
        return 1.0
    observed = abs(float(diffs.mean()))
    signs = np.random.default_rng(seed).choice([-1.0, 1.0], size=(PERMUTATIONS, diffs.size))
    extreme = int((np.abs((signs * diffs).mean(axis=1)) >= observed - 1e-12).sum())
    return (extreme + 1) / (PERMUTATIONS + 1)


def _at(results: Sequence[Sequence[bool]], k: int) -> list[float]:
    return [float(any(result[:k])) for result in results]


async def measure(work: Path) -> dict[str, Any]:
    seeds = _seeds(work)
    questions = load_questions()
    floor_off = SearchOptions(partial_coverage=0.0)  # so the coverage floor drops no answer
    started = time.perf_counter()
    qs = await question_set(ArchiveOptions(seeds_dir=seeds, data_dir=work / "qs", search=floor_off), questions)
    qrels, runs = await known_item(
        ArchiveOptions(seeds_dir=seeds, data_dir=work / "kis", search=floor_off, index_titles=False)
    )
    seconds = time.perf_counter() - started
    per_query: dict[str, dict[str, list[float]]] = {}
    for name, run in runs.items():
        evaluate(qrels, run, ["mrr@10", "recall@10"])  # per-query scores land in `run.scores`
        per_query[name] = {
            metric: [float(run.scores[metric][qid]) for qid in sorted(qrels.qrels)]
            for metric in ("mrr@10", "recall@10")
        }
    base_s1 = _at(qs["baseline"], 1)
    base_mrr = per_query["baseline"]["mrr@10"]
    rows = []
    for variant in VARIANTS:
        s1, s3 = _at(qs[variant.name], 1), _at(qs[variant.name], 3)
        mrr, recall = per_query[variant.name]["mrr@10"], per_query[variant.name]["recall@10"]
        row: dict[str, Any] = {
            "variant": variant.name,
            "kind": variant.kind,
            "value": variant.value,
            "parameters": variant.parameters,
            "qs_success@1": round(sum(s1) / len(s1), 4),
            "qs_success@3": round(sum(s3) / len(s3), 4),
            "kis_mrr@10": round(sum(mrr) / len(mrr), 4),
            "kis_recall@10": round(sum(recall) / len(recall), 4),
            "qs_won@1": sum(v > b for v, b in zip(s1, base_s1, strict=True)),
            "qs_lost@1": sum(v < b for v, b in zip(s1, base_s1, strict=True)),
            "qs_p@1": round(randomisation_p(base_s1, s1), 4),
            "kis_p_mrr": round(randomisation_p(base_mrr, mrr), 4),
            "kis_leaks_title": variant.kind == "title",
        }
        rows.append(row)
    baseline = rows[0]
    for row in rows:
        gain_qs = row["qs_success@1"] - baseline["qs_success@1"]
        gain_kis = row["kis_mrr@10"] - baseline["kis_mrr@10"]
        row["delta_qs_success@1"] = round(gain_qs, 4)
        row["delta_kis_mrr@10"] = round(gain_kis, 4)
        if row["kind"] == "baseline":
            row["verdict"] = "current default"
        elif row["kind"] == "control":
            row["verdict"] = "reference (the benchmark's own answer path)"
        else:
            adopt = gain_qs >= NOISE - 1e-9 and gain_kis >= NOISE - 1e-9
            row["verdict"] = "adopt" if adopt else "not adopted"
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {platform.system()} {platform.release()}",
        "versions": {
            "python": platform.python_version(),
            **{name: importlib.metadata.version(name) for name in ("tantivy", "ranx", "newsbot")},
        },
        "questions": len(questions),
        "known_items": len(qrels.qrels),
        "seconds": round(seconds, 1),
        "noise": NOISE,
        "rows": rows,
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Ranking variants",
        "",
        f"Generated by `python -m benchmarks.ranking` on {result['date']} ({result['machine']}; Python "
        f"{result['versions']['python']}, tantivy {result['versions']['tantivy']}, ranx {result['versions']['ranx']}), "
        f"in {result['seconds']:.0f} s. QS: the question set, {result['questions']} answerable questions, 3 answers, "
        "an answer counts when it is from the right article and its quoted excerpt holds the answering phrase. "
        f"KIS: known-item search, {result['known_items']} article titles as questions over an archive without "
        "titles, ranked passages scored by ranx. How each variant is computed: the docstring of "
        "`benchmarks/ranking.py`.",
        "",
        f'Rule: "adopt" only when a variant beats the baseline by at least +{result["noise"]:.2f} on both QS '
        "Success@1 and KIS MRR@10. Won/lost: questions a variant answers at rank 1 that the baseline does not, "
        "and the reverse. p: two-sided paired randomisation test against the baseline. Every row comes from the "
        "same two archives built in this run, so the rows are paired; compare them with each other, not across runs.",
        "",
        "| variant | parameters | QS Success@1 | QS Success@3 | KIS MRR@10 | KIS Recall@10 "
        "| QS won/lost @1 (p) | KIS MRR p | verdict |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in result["rows"]:
        leak = " †" if row["kis_leaks_title"] else ""
        versus = "–" if row["kind"] == "baseline" else f"{row['qs_won@1']}/{row['qs_lost@1']} ({row['qs_p@1']:.2f})"
        kis_p = "–" if row["kind"] == "baseline" else f"{row['kis_p_mrr']:.3f}"
        lines.append(
            f"| {row['variant']} | {row['parameters']} | {row['qs_success@1']:.3f} | {row['qs_success@3']:.3f} "
            f"| {row['kis_mrr@10']:.3f}{leak} | {row['kis_recall@10']:.3f}{leak} | {versus} | {kis_p} "
            f"| {row['verdict']} |"
        )
    lines += [
        "",
        "† The title boost matches the question against each passage's article title; in known-item search the "
        "question is that title, so these figures read the answer off the key and say nothing about ranking; "
        "its verdict rests on the question set alone.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="newsbot-ranking-"))
    try:
        result = asyncio.run(measure(work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ranking.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    text = markdown(result)
    (RESULTS / "ranking.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
