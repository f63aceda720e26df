"""The evaluation question set in `benchmarks/questions/`: what members ask, and what answers it.

Each line names the article that answers the question (`file` under the seeds
directory, or `url` for the news export) and a phrase the quoted excerpt must
contain for the answer to count as a success.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"


@dataclass(frozen=True)
class EvalQuestion:
    question: str
    answer: str
    file: str | None = None
    url: str | None = None


def load_questions(*names: str) -> list[EvalQuestion]:
    """Questions from the named files (default: every `*.jsonl` in the folder), in file order."""
    paths = [QUESTIONS_DIR / f"{name}.jsonl" for name in names] or sorted(QUESTIONS_DIR.glob("*.jsonl"))
    questions = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                questions.append(
                    EvalQuestion(record["question"], record["answer"], record.get("file"), record.get("url"))
                )
    return questions
