"""The same archive answers the same question the same way in every process.

Python salts string hashes per process (PYTHONHASHSEED), so anything that
iterates a set of words in a computation whose ties matter (a float sum of
weights, the first of equal candidates) can answer differently from one run
of `newsbot ask` to the next, and a test can pass here and fail in CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from newsbot.retrieval import ArchiveOptions
from tests.conftest import ROOT

# Questions whose answers changed between processes before weights were summed exactly
# and fuzzy neighbours were taken in pid order (excerpt windows tied, typo candidates tied).
QUESTIONS = [
    "When is Myanmar's military junta holding its elections?",
    "What did Modi say about the civil code in last year's Independence Day speech?",
    "What is Taylor Swift calling the orange shade used for her new album announcement?",
    "How many Australians have scored a Test triple century like Bob Simpson?",
    "What did the mayor of Vienna say about rent control?",
    "who composed the four seasons violin concertos?",
    "What did the ICG report say about the Lachin corridor?",
]

_ASK = """
import asyncio, json, sys
from pathlib import Path
from newsbot.retrieval import Archive, ArchiveOptions

async def main() -> None:
    archive = await Archive.open(ArchiveOptions(**json.loads(sys.argv[1])))
    await archive.reindex()
    answers = [await archive.ask(question) for question in json.loads(sys.argv[2])]
    await archive.close()
    print(json.dumps([[a.searched, [(h.title, h.excerpt, h.more, h.coverage) for h in a.hits]] for a in answers]))

asyncio.run(main())
"""


def _answers(options: ArchiveOptions, seed: int) -> object:
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONPATH": str(ROOT)}
    where = {"seeds_dir": str(options.seeds_dir), "data_dir": str(options.data_dir)}
    assert ArchiveOptions(**where) == options  # nothing else to pass on
    done = subprocess.run(
        [sys.executable, "-c", _ASK, json.dumps(where), json.dumps(QUESTIONS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_answers_do_not_depend_on_the_processes_hash_seed(options: ArchiveOptions, news_jsonl: Path) -> None:
    news_jsonl.rename(options.seeds_dir / news_jsonl.name)
    first = _answers(options, 1)  # builds the archive; the others read it
    assert any(hits for _, hits in first)  # the questions reach the archive
    for seed in (2, 3, 4):
        assert _answers(options, seed) == first
