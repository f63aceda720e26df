"""Benchmark corpora of a given number of passages, recombined from real news text.

Source: `tests/data/news-articles.jsonl.gz` (231 scraped articles). A synthetic
article takes a real headline as its title and 3–10 real paragraphs sampled
from random articles, with a date in 2025–2026 and a url; articles are added
until newsbot's chunker has cut the requested number of passages. So the text,
vocabulary and term statistics are those of real news, only recombined; nothing
is random words. Each corpus is written once, as JSON Lines files of 500
articles, under `benchmarks/.cache/corpus-<passages>/`, and reused.

    python -m benchmarks.corpus 1000 10000 100000 1000000
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path

from newsbot.retrieval.chunking import passages_for
from newsbot.retrieval.formats import FormatWarning, parse_jsonl

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "data" / "news-articles.jsonl.gz"  # the 231-article export, committed
CACHE = ROOT / "benchmarks" / ".cache"
ARTICLES_PER_FILE = 500
PASSAGE_CHARS, OVERLAP_CHARS = 600, 150  # newsbot's defaults


def source_articles() -> list[tuple[str, list[str]]]:
    """(title, paragraphs) of every source article, paragraphs of useful length only."""
    with gzip.open(SOURCE, "rt", encoding="utf-8") as handle:
        documents = [d for d in parse_jsonl(iter(handle), "articles.jsonl") if not isinstance(d, FormatWarning)]
    return [(d.title, [p for p in d.paragraphs() if 60 <= len(p) <= 3000]) for d in documents]


def corpus_dir(passages: int) -> Path:
    return CACHE / f"corpus-{passages}"


def build(passages: int, seed: int = 20260114) -> Path:
    """Write (or reuse) a corpus of about `passages` passages; returns its directory."""
    target = corpus_dir(passages)
    done = target / "DONE"
    if done.exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.jsonl"):
        stale.unlink()
    rng = random.Random(seed)
    articles = source_articles()
    titles = [title for title, _ in articles]
    pool = [paragraph for _, paragraphs in articles for paragraph in paragraphs]
    count = 0
    number = 0
    lines: list[str] = []
    part = 0
    start = date(2025, 1, 1)
    while count < passages:
        number += 1
        body = rng.sample(pool, rng.randint(3, 10))
        record = {
            "title": f"{rng.choice(titles)} ({number})",
            "date": (start + timedelta(days=rng.randrange(400))).isoformat(),
            "url": f"https://bench.example/{number}",
            "text": "\n".join(body),
        }
        line = json.dumps(record, ensure_ascii=False)
        document = next(d for d in parse_jsonl(iter([line]), "x.jsonl") if not isinstance(d, FormatWarning))
        count += len(passages_for(document, PASSAGE_CHARS, OVERLAP_CHARS))
        lines.append(line)
        if len(lines) == ARTICLES_PER_FILE:
            part += 1
            (target / f"part-{part:05d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
            lines = []
    if lines:
        part += 1
        (target / f"part-{part:05d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done.write_text(json.dumps({"passages": count, "articles": number, "files": part}) + "\n")
    return target


def describe(passages: int) -> dict[str, int]:
    result: dict[str, int] = json.loads((corpus_dir(passages) / "DONE").read_text())
    return result


if __name__ == "__main__":
    for size in sys.argv[1:] or ["1000", "10000", "100000"]:
        path = build(int(size))
        print(path, describe(int(size)))
