"""Write `benchmarks/questions/typos.jsonl`: each answerable question with one typing error.

For every question of the answerable sets (`seed`, `news`) the rarest word is
misspelt once: the word of 4+ letters with the lowest document frequency in the
benchmark archive (the bundled seed page plus the news export, each article one
document, lowercase words of letters). Words the archive never uses are skipped
when the question has another candidate: misspelling them would not change what
a search finds. The error is one of: a deleted letter, an inserted letter (a
keyboard neighbour of the letter before it), a letter replaced by a keyboard
neighbour, or two adjacent letters swapped. The result must not itself be a word
of the archive. Random choices are seeded per question, so the file is the same
on every run and does not depend on question order.

    python -m benchmarks.make_typos
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_5366ab7e5f21e498.txt"
NEWS = ROOT / "tests" / "data" / "news-articles.jsonl.gz"
QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"
ANSWERABLE = ("seed", "news")
OUTPUT = QUESTIONS_DIR / "typos.jsonl"
RANDOM_SEED = 20260114
MIN_LETTERS = 4

WORD = re.compile(r"[^\W\d_]+")  # runs of letters

# QWERTY neighbours of each letter (same row and the rows above and below).
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbours() -> dict[str, str]:
    table: dict[str, str] = {}
    for r, row in enumerate(_ROWS):
        for c, letter in enumerate(row):
            near = [row[i] for i in (c - 1, c + 1) if 0 <= i < len(row)]
            if r > 0:  # row above is shifted left by half a key
                above = _ROWS[r - 1]
                near += [above[i] for i in (c, c + 1) if 0 <= i < len(above)]
            if r < len(_ROWS) - 1:
                below = _ROWS[r + 1]
                near += [below[i] for i in (c - 1, c) if 0 <= i < len(below)]
            table[letter] = "".join(sorted(set(near)))
    return table


NEIGHBOURS = _neighbours()


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def archive_texts() -> Iterator[str]:
    """The benchmark archive, one text per article: the seed page, then each export article (title and body)."""
    yield SEED.read_text(encoding="utf-8")
    with gzip.open(NEWS, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                yield f"{record.get('title') or ''}\n{record.get('text') or ''}"


def document_frequency() -> Counter[str]:
    df: Counter[str] = Counter()
    for text in archive_texts():
        df.update(set(words(text)))
    return df


def answerable_records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for name in ANSWERABLE:
        for line in (QUESTIONS_DIR / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(json.loads(line))
    return records


def rarest_word(question: str, df: Counter[str]) -> re.Match[str] | None:
    """The question's word of 4+ letters with the lowest document frequency (first one on a tie)."""
    candidates = [m for m in WORD.finditer(question) if len(m.group()) >= MIN_LETTERS]
    known = [m for m in candidates if df[m.group().lower()] > 0] or candidates
    return min(known, key=lambda m: df[m.group().lower()], default=None)


def _same_case(letter: str, like: str) -> str:
    return letter.upper() if like.isupper() else letter


def edit(word: str, rng: random.Random) -> str:
    """`word` with one random typing error (deletion, insertion, neighbour substitution or transposition)."""
    kind = rng.choice(("delete", "insert", "substitute", "transpose"))
    if kind == "delete":
        i = rng.randrange(len(word))
        return word[:i] + word[i + 1 :]
    if kind == "insert":  # an extra key next to the letter just typed; a capital only inside a capitalised run
        i = rng.randrange(1, len(word) + 1)
        near = NEIGHBOURS.get(word[i - 1].lower())
        if not near:
            return word
        upper = word[i - 1].isupper() and (i == len(word) or word[i].isupper())
        letter = rng.choice(near)
        return word[:i] + (letter.upper() if upper else letter) + word[i:]
    if kind == "substitute":
        i = rng.randrange(len(word))
        near = NEIGHBOURS.get(word[i].lower())
        if not near:
            return word
        return word[:i] + _same_case(rng.choice(near), word[i]) + word[i + 1 :]
    i = rng.randrange(len(word) - 1)
    first, second = word[i], word[i + 1]
    if word[i].isupper() != word[i + 1].isupper():  # keep the capital in place: "Akrabakh", not "aKrabakh"
        first, second = _same_case(first.lower(), word[i + 1]), _same_case(second.lower(), word[i])
    return word[:i] + second + first + word[i + 2 :]


def misspell(word: str, vocabulary: Counter[str], rng: random.Random) -> str:
    """One typing error in `word` that yields a string the archive never uses as a word."""
    for _ in range(1000):
        typed = edit(word, rng)
        if typed.lower() != word.lower() and words(typed) == [typed.lower()] and vocabulary[typed.lower()] == 0:
            return typed
    raise ValueError(f"no misspelling of {word!r} found")


def typo_records() -> list[dict[str, Any]]:
    df = document_frequency()
    records = []
    for record in answerable_records():
        question: str = record["question"]
        match = rarest_word(question, df)
        if match is None:
            continue
        rng = random.Random(f"{RANDOM_SEED}:{question}")
        word = match.group()
        typed = misspell(word, df, rng)
        out = dict(record)
        out["question"] = question[: match.start()] + typed + question[match.end() :]
        out["typo"] = {"word": word, "typed": typed}
        records.append(out)
    return records


def main() -> None:
    records = typo_records()
    OUTPUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    print(f"{len(records)} questions -> {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
