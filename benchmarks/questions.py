"""The evaluation question sets in `benchmarks/questions/`: what members ask, and what answers it.

Answerable sets (`seed`, `news`): each line names the article that answers the
question (`file` under the seeds directory, or `url` for the news export) and a
phrase the quoted excerpt must contain for the answer to count as a success.

`unanswerable.jsonl`: questions the archive cannot answer, each with its kind
(`off-topic`, `absent-entity` or `near-miss`). `typos.jsonl`: the answerable
questions with one typing error in their rarest word, written by
`python -m benchmarks.make_typos`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"
ANSWERABLE = ("seed", "news")

UnanswerableKind = Literal["off-topic", "absent-entity", "near-miss"]
UNANSWERABLE_KINDS: tuple[UnanswerableKind, ...] = ("off-topic", "absent-entity", "near-miss")


@dataclass(frozen=True)
class EvalQuestion:
    question: str
    answer: str
    file: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class UnanswerableQuestion:
    question: str
    kind: UnanswerableKind


@dataclass(frozen=True)
class Typo:
    word: str  # the word as the question spells it
    typed: str  # the same word with one typing error


@dataclass(frozen=True)
class TypoQuestion(EvalQuestion):
    """An answerable question with one typing error; `typo` says which word was misspelt, and how."""

    typo: Typo = field(kw_only=True)


def _records(name: str) -> list[dict[str, Any]]:
    path = QUESTIONS_DIR / f"{name}.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [cast(dict[str, Any], json.loads(line)) for line in lines if line.strip()]


def load_questions(*names: str) -> list[EvalQuestion]:
    """Questions from the named files (default: the answerable sets, `seed` and `news`), in file order."""
    return [
        EvalQuestion(record["question"], record["answer"], record.get("file"), record.get("url"))
        for name in names or ANSWERABLE
        for record in _records(name)
    ]


def load_unanswerable() -> list[UnanswerableQuestion]:
    """`unanswerable.jsonl`, in file order."""
    questions = []
    for record in _records("unanswerable"):
        kind = record["kind"]
        if kind not in UNANSWERABLE_KINDS:
            raise ValueError(f"unanswerable.jsonl: unknown kind {kind!r}")
        questions.append(UnanswerableQuestion(record["question"], cast(UnanswerableKind, kind)))
    return questions


def load_typos() -> list[TypoQuestion]:
    """`typos.jsonl`, in file order."""
    return [
        TypoQuestion(
            record["question"],
            record["answer"],
            record.get("file"),
            record.get("url"),
            typo=Typo(record["typo"]["word"], record["typo"]["typed"]),
        )
        for record in _records("typos")
    ]


def fold(text: str) -> str:
    """Text as answers are compared: curly quotes straightened, whitespace collapsed."""
    table = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
    return " ".join(text.translate(table).split())


def belongs(question: EvalQuestion, url: str | None, file: str) -> bool:
    """Whether a source (its url, or its file under the seeds folder) is the article that answers `question`."""
    return (question.url is not None and url == question.url) or (question.file is not None and file == question.file)
