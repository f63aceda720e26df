"""Retrieval speed and memory: newsbot's engines and outside peers, side by side, one run.

For each corpus size (passages recombined from real news, `benchmarks/corpus.py`):
- `newsbot/tantivy`, `newsbot/rank-bm25`: newsbot's whole path. Build = `reindex`
  of the corpus files (parse, chunk, analyse, store, index); query = `Archive.ask`
  (analysis, ranking, passage fetch from SQLite, excerpts); start-up = opening the
  stored archive in a fresh process; incremental = `reindex` after one file changed.
- peers on the *same passages and the same terms* (read from newsbot's store,
  analysed once by newsbot's analyzer): the raw `tantivy` library with no newsbot
  layer (the ceiling), `bm25s`, and SQLite FTS5 `bm25()`.

Each measurement runs in its own process, so peak memory (VmHWM) belongs to it.
Queries are run one at a time on one thread; ≥ 200 questions (the evaluation set
plus corpus headlines). Size on disk is what the engine leaves behind after the
build: newsbot's passage store (SQLite) and its index separately; a peer's index
(bm25s keeps none). Results: `benchmarks/results/retrieval.{md,json,png}`.

An engine whose peak memory, scaled linearly from the largest smaller size in
the reference results (`--reference`), would pass `--memory-budget-gb` is not
run and its row says so, so a large size cannot push the machine into swap.

    python -m benchmarks.retrieval --sizes 1000 10000 100000 1000000
    python -m benchmarks.retrieval --sizes 10000000 --engines newsbot/tantivy tantivy-raw \
        --out benchmarks/results/retrieval_10m --note "shared the machine with a test run"
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.corpus import build as build_corpus
from benchmarks.corpus import describe
from benchmarks.questions import load_questions

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
QUESTION_COUNT = 200
RANK_BM25_BUILD_LIMIT = 600.0  # seconds: the card's reference engine is skipped past this
NEWSBOT_ENGINES = ("newsbot/tantivy", "newsbot/rank-bm25")
PEERS = ("tantivy-raw", "bm25s", "fts5")
ENGINES = NEWSBOT_ENGINES + PEERS


# -- measuring helpers ----------------------------------------------------------


def memory_mb() -> tuple[float, float]:
    """(resident, peak resident) of this process in MB, from /proc."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return round(fields["VmRSS"], 1), round(fields["VmHWM"], 1)


def latency_stats(latencies: Sequence[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "query_median_ms": round(statistics.median(ordered) * 1000, 3),
        "query_p99_ms": round(p99 * 1000, 3),
        "qps": round(len(ordered) / sum(ordered), 1),
        "queries": len(ordered),
    }


def timed(run: Callable[[str], object], questions: Sequence[str]) -> list[float]:
    for question in questions[:10]:  # warm caches; not counted
        run(question)
    latencies = []
    for question in questions:
        started = time.perf_counter()
        run(question)
        latencies.append(time.perf_counter() - started)
    return latencies


def disk_mb(*paths: Path) -> float:
    """Bytes on disk under `paths` (files and directories), in MB."""
    total = 0
    for path in paths:
        files = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        total += sum(f.stat().st_blocks * 512 for f in files if f.is_file())
    return round(total / 1_000_000, 1)


def newsbot_disk(data: Path) -> dict[str, float]:
    """newsbot's passage store (SQLite and its journal) and its index, on disk."""
    sizes = {"store_mb": disk_mb(*data.glob("newsbot.sqlite3*"))}
    if (data / "index").is_dir():  # rank-bm25 keeps its index in memory only
        sizes["index_mb"] = disk_mb(data / "index")
    return sizes


def expected_peak_mb(reference: dict[str, Any], engine: str, size: int) -> tuple[float, int] | None:
    """(peak MB scaled linearly to `size`, the size it was scaled from), from the reference run."""
    known = [
        (int(s), rows[engine])
        for s, rows in reference.get("sizes", {}).items()
        if int(s) <= size and "error" not in rows.get(engine, {"error": "absent"})
    ]
    if not known:
        return None
    base, row = max(known, key=lambda pair: pair[0])
    peak = max(float(row.get(key, 0)) for key in ("build_peak_mb", "serving_rss_mb", "serving_peak_mb"))
    return peak * size / base, base


def questions_for(corpus: Path) -> list[str]:
    """The evaluation questions, then corpus headlines, to `QUESTION_COUNT` questions."""
    questions = [q.question for q in load_questions()]
    first = sorted(corpus.glob("*.jsonl"))[0]
    titles = [json.loads(line)["title"].rsplit(" (", 1)[0] for line in first.read_text().splitlines()]
    random.Random(7).shuffle(titles)
    return (questions + titles)[:QUESTION_COUNT]


# -- workers (each in a fresh process) -------------------------------------------


def work_newsbot_build(engine: str, corpus: str, data: str) -> dict[str, Any]:
    from newsbot.retrieval.archive import Archive
    from newsbot.retrieval.options import ArchiveOptions

    async def go() -> dict[str, Any]:
        options = ArchiveOptions(seeds_dir=Path(corpus), data_dir=Path(data), engine=engine)  # type: ignore[arg-type]
        started = time.perf_counter()
        archive = await Archive.open(options)
        report = await archive.reindex()
        seconds = time.perf_counter() - started
        await archive.close()
        return {"build_s": round(seconds, 2), "passages": report.passages_added}

    result = asyncio.run(go())
    result["build_peak_mb"] = memory_mb()[1]
    result["passages_per_s"] = round(result["passages"] / result["build_s"])
    return result


def work_newsbot_serve(engine: str, corpus: str, data: str, questions: list[str]) -> dict[str, Any]:
    from newsbot.retrieval.archive import Archive
    from newsbot.retrieval.options import ArchiveOptions

    async def go() -> dict[str, Any]:
        options = ArchiveOptions(seeds_dir=Path(corpus), data_dir=Path(data), engine=engine)  # type: ignore[arg-type]
        started = time.perf_counter()
        archive = await Archive.open(options)
        startup = time.perf_counter() - started
        latencies = []
        for question in questions[:10]:  # warm caches; not counted
            await archive.ask(question, 10)
        found = 0
        for question in questions:
            began = time.perf_counter()
            answer = await archive.ask(question, 10)
            latencies.append(time.perf_counter() - began)
            found += answer.found
        rss, peak = memory_mb()
        # One file changes: a new article appended to the last export file.
        changed = sorted(Path(corpus).glob("*.jsonl"))[-1]  # noqa: ASYNC240 - setup, not timed
        original = changed.read_bytes()
        extra = {
            "title": "Benchmark change",
            "date": "2026-01-20",
            "url": "https://bench.example/x",
            "text": "Sorghum.",
        }
        changed.write_bytes(original + (json.dumps(extra) + "\n").encode())
        try:
            began = time.perf_counter()
            await archive.reindex()
            incremental = time.perf_counter() - began
        finally:
            changed.write_bytes(original)
            await archive.reindex()  # back to the corpus as built, for the next worker
        await archive.close()
        return {
            "startup_s": round(startup, 3),
            **latency_stats(latencies),
            "answered": found,
            "serving_rss_mb": rss,
            "serving_peak_mb": peak,
            "incremental_s": round(incremental, 3),
        }

    return asyncio.run(go())


def _stored_passages(data: str) -> list[str]:
    with sqlite3.connect(Path(data) / "newsbot.sqlite3") as db:
        return [row[0] for row in db.execute("SELECT text FROM passages WHERE retired IS NULL ORDER BY id")]


def work_peer(peer: str, data: str, index_dir: str, questions: list[str]) -> dict[str, Any]:
    """A peer engine over newsbot's stored passages, with newsbot's terms."""
    from newsbot.retrieval.analyzer import Analyzer

    analyzer = Analyzer()
    texts = _stored_passages(data)
    queries = [analyzer.query_terms(q) for q in questions]
    search: Callable[[list[str]], object]
    if peer == "tantivy-raw":
        import tantivy

        normalized = [analyzer.normalize(t) for t in texts]
        del texts
        started = time.perf_counter()
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("text", tokenizer_name="nb", index_option="freq")
        builder.add_integer_field("pid", fast=True)
        schema = builder.build()
        index = tantivy.Index(schema, path=index_dir)
        index.register_tokenizer("nb", analyzer.tantivy_analyzer)
        writer = index.writer(256_000_000, 2)
        for pid, text in enumerate(normalized):
            writer.add_document(tantivy.Document(text=text, pid=pid))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        build = time.perf_counter() - started
        del normalized
        searcher = index.searcher()

        def search(terms: list[str]) -> object:
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "text", t)) for t in terms]
            )
            hits = searcher.search(query, 10, count=False).hits
            return searcher.fast_field_values("pid", [address for _, address in hits])

    elif peer == "bm25s":
        import bm25s

        tokens = [analyzer.terms(t) for t in texts]
        del texts
        started = time.perf_counter()
        model = bm25s.BM25(k1=1.2, b=0.75)
        model.index(tokens, show_progress=False)
        build = time.perf_counter() - started
        del tokens
        vocabulary = model.vocab_dict

        def search(terms: list[str]) -> object:
            known = [t for t in terms if t in vocabulary]
            if not known:
                return []
            return model.retrieve([known], k=10, show_progress=False, n_threads=1)

    elif peer == "fts5":
        joined = [" ".join(analyzer.terms(t)) for t in texts]
        del texts
        started = time.perf_counter()
        db = sqlite3.connect(Path(index_dir) / "fts.sqlite3")
        db.execute("CREATE VIRTUAL TABLE p USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0')")
        db.executemany("INSERT INTO p (rowid, terms) VALUES (?, ?)", enumerate(joined))
        db.commit()
        build = time.perf_counter() - started
        del joined

        def search(terms: list[str]) -> object:
            if not terms:
                return []
            match = " OR ".join(f'"{t}"' for t in terms)
            return db.execute("SELECT rowid FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT 10", (match,)).fetchall()

    else:
        raise SystemExit(f"unknown peer {peer}")
    gc.collect()
    latencies = timed(lambda q: search(queries[questions.index(q)]), questions)
    rss, peak = memory_mb()
    return {
        "build_s": round(build, 2),
        **latency_stats(latencies),
        "serving_rss_mb": rss,
        "build_peak_mb": peak,
    }


WORKERS = {"newsbot-build": work_newsbot_build, "newsbot-serve": work_newsbot_serve, "peer": work_peer}


def in_process(kind: str, *args: Any, timeout: float = 3600) -> dict[str, Any]:
    """Run a worker in a fresh Python process; its last stdout line is the JSON result."""
    command = [sys.executable, "-m", "benchmarks.retrieval", "--worker", json.dumps([kind, *args])]
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"stopped after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1][:200]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- the run --------------------------------------------------------------------


def measure_size(
    size: int,
    log: Callable[[str], None],
    skip_rank_bm25: bool,
    engines: Sequence[str] = ENGINES,
    reference: dict[str, Any] | None = None,
    budget_mb: float = float("inf"),
) -> dict[str, Any]:
    corpus = build_corpus(size)
    questions = questions_for(corpus)
    work = Path(tempfile.mkdtemp(prefix=f"newsbot-bench-{size}-"))
    rows: dict[str, Any] = {"corpus": describe(size)}

    def too_big(name: str) -> bool:
        expected = expected_peak_mb(reference or {}, name, size)
        if expected is None or expected[0] <= budget_mb:
            return False
        peak, base = expected
        rows[name] = {
            "error": f"not run: would need ~{peak / 1000:.1f} GB (peak at {base:,} × {size / base:g}), "
            f"budget {budget_mb / 1000:.1f} GB",
            "expected_peak_mb": round(peak),
        }
        log(f"{size}: {name} {rows[name]['error']}")
        return True

    try:
        for name in NEWSBOT_ENGINES:
            engine = name.removeprefix("newsbot/")
            # The peers read newsbot/tantivy's store, so it is built whenever a peer runs.
            needed_as_store = engine == "tantivy" and any(p in engines for p in PEERS)
            if name not in engines and not needed_as_store:
                continue
            if name in engines and too_big(name):
                continue
            limit = RANK_BM25_BUILD_LIMIT if engine == "rank-bm25" else 3600
            if engine == "rank-bm25" and skip_rank_bm25:
                rows[name] = {"error": f"not run: 10× the last size's build would pass {RANK_BM25_BUILD_LIMIT:.0f} s"}
                continue
            data = work / engine
            log(f"{size}: {name} build")
            built = in_process("newsbot-build", engine, str(corpus), str(data), timeout=limit)
            if "error" in built:
                rows[name] = built
                continue
            built.update(newsbot_disk(data))
            if name not in engines:
                rows["_store"] = built  # built only for the peers; not a row of its own
                continue
            log(f"{size}: {name} serve")
            rows[name] = {**built, **in_process("newsbot-serve", engine, str(corpus), str(data), questions)}
        data = work / "tantivy"
        for peer in PEERS:
            if peer not in engines or too_big(peer):
                continue
            log(f"{size}: {peer}")
            index_dir = work / peer
            index_dir.mkdir()
            rows[peer] = in_process("peer", peer, str(data), str(index_dir), questions)
            if "error" not in rows[peer] and peer != "bm25s":  # bm25s is in memory only
                rows[peer]["index_mb"] = disk_mb(index_dir)
            shutil.rmtree(index_dir, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def machine() -> dict[str, str]:
    versions = {name: metadata.version(name) for name in ("tantivy", "rank-bm25", "bm25s", "numpy")}
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.machine(),
    )
    memory_gb = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{memory_gb:.1f} GB",
        "load average at start": " ".join(f"{load:.2f}" for load in os.getloadavg()),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        **versions,
    }


COLUMNS = [
    ("build_s", "build s"),
    ("passages_per_s", "passages/s"),
    ("query_median_ms", "query median ms"),
    ("query_p99_ms", "query p99 ms"),
    ("qps", "queries/s"),
    ("build_peak_mb", "peak MB (build)"),
    ("serving_rss_mb", "RSS MB (serving)"),
    ("startup_s", "start-up s"),
    ("incremental_s", "1-file reindex s"),
    ("index_mb", "index MB (disk)"),
    ("store_mb", "store MB (disk)"),
]


def markdown(results: dict[str, Any]) -> str:
    lines = ["# Retrieval speed and memory", ""]
    lines += [f"- {key}: {value}" for key, value in results["machine"].items()]
    lines += ["", "Generated by `python -m benchmarks.retrieval`; see benchmarks/README.md.", ""]
    lines += [f"Note: {note}" for note in results.get("notes", [])]
    if results.get("notes"):
        lines.append("")
    for size, rows in results["sizes"].items():
        corpus = rows["corpus"]
        lines += [f"## {int(size):,} passages ({corpus['articles']:,} articles in {corpus['files']} files)", ""]
        lines.append("| engine | " + " | ".join(label for _, label in COLUMNS) + " |")
        lines.append("| --- |" + " ---: |" * len(COLUMNS))
        for name, row in rows.items():
            if name.startswith(("corpus", "_")):
                continue
            if "error" in row:
                lines.append(f"| {name} | {row['error']} |" + " |" * (len(COLUMNS) - 1))
                continue
            cells = [f"{row[key]:,}" if isinstance(row.get(key), int | float) else "–" for key, _ in COLUMNS]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    engines = sorted(
        {name for rows in results["sizes"].values() for name in rows if not name.startswith(("corpus", "_"))}
    )
    for engine in engines:
        points = [
            (int(size), rows[engine])
            for size, rows in results["sizes"].items()
            if engine in rows and "error" not in rows[engine]
        ]
        if not points:
            continue
        sizes = [size for size, _ in points]
        left.plot(sizes, [row["query_median_ms"] for _, row in points], marker="o", label=engine)
        right.plot(sizes, [row.get("build_peak_mb", 0) for _, row in points], marker="o", label=engine)
    for axis, title, unit in ((left, "Query latency (median)", "ms"), (right, "Peak memory while building", "MB")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("passages")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle(f"newsbot retrieval benchmark — {results['machine']['date']}, {results['machine']['cpu']}")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000, 1000000])
    parser.add_argument("--out", default=str(RESULTS / "retrieval"))
    parser.add_argument(
        "--engines", nargs="+", choices=ENGINES, default=list(ENGINES), help="which engines to run (default: all)"
    )
    parser.add_argument(
        "--reference",
        default=str(RESULTS / "retrieval.json"),
        help="earlier results whose peak memory, scaled to each size, decides whether an engine fits",
    )
    parser.add_argument(
        "--memory-budget-gb", type=float, default=16.0, help="skip an engine expected to need more than this"
    )
    parser.add_argument("--note", action="append", default=[], help="a line to print with the results")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, *rest = json.loads(args.worker)
        print(json.dumps(WORKERS[kind](*rest)))
        return 0
    results: dict[str, Any] = {"machine": machine(), "notes": args.note, "sizes": {}}
    reference_path = Path(args.reference)
    reference = json.loads(reference_path.read_text()) if reference_path.exists() else {}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    skip_rank_bm25 = False
    for size in args.sizes:
        rows = measure_size(
            size,
            lambda line: print(time.strftime("%H:%M:%S"), line, file=sys.stderr, flush=True),
            skip_rank_bm25,
            args.engines,
            reference,
            args.memory_budget_gb * 1000,
        )
        reference = rows.get("newsbot/rank-bm25", {})
        skip_rank_bm25 = "error" in reference or reference.get("build_s", 0) * 10 > RANK_BM25_BUILD_LIMIT
        results["sizes"][str(size)] = rows
        results["machine"]["load average at end"] = " ".join(f"{load:.2f}" for load in os.getloadavg())
        # Written after every size, so a long run leaves its partial results behind.
        out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
        out.with_suffix(".md").write_text(markdown(results))
        plot(results, out.with_suffix(".png"))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
