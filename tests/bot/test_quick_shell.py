"""A shell command imports only what it needs (issue #14).

Every `newsbot` command is a fresh interpreter, so whatever its modules import
at load time is paid on every question. These tests look at what a real run
left in `sys.modules`, in a subprocess of its own: a module-level import of
discord.py, watchfiles or the reindex machinery slipping back into the path of
`newsbot ask` fails them. Times are measured by `benchmarks/shell.py`, never
asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import newsbot.retrieval
from newsbot.retrieval import date_phrases
from newsbot.retrieval import question_dates as dates_module
from newsbot.retrieval.question_dates import DateScope, question_dates
from tests.conftest import ROOT

QUESTION = "What did the ICG say about Russia and Turkey?"
ANSWER_TITLE = "Sustainable peace in Karabakh will require cooperation of external players – ICG"

# Runs the CLI in this process, then reports what it left loaded.
PROBE = """
import json, sys
from newsbot.bot.cli import main

try:
    code = main(sys.argv[2:])
except SystemExit as stop:  # --help
    code = stop.code
grammar = sys.modules.get("newsbot.retrieval.date_phrases")
report = {
    "code": code,
    "modules": sorted(sys.modules),
    "date_patterns_compiled": grammar is not None and grammar._patterns.cache_info().currsize > 0,
}
with open(sys.argv[1], "w", encoding="utf-8") as handle:
    json.dump(report, handle)
"""

# Only `run` talks to Discord and only `run` and `reindex --watch` watch the seeds folder; a warm
# archive needs no reindex (seed parsing, planning); rank-bm25 and numpy are for the other engine.
NOT_FOR_ASK = (
    "discord",
    "aiohttp",
    "watchfiles",
    "rank_bm25",
    "numpy",
    "newsbot.bot.runner",
    "newsbot.bot.client",
    "newsbot.bot.members",
    "newsbot.bot.conversations",
    "newsbot.retrieval.watch",
    "newsbot.retrieval.reindex",
    "newsbot.retrieval.seeds",
    "newsbot.retrieval.formats",
)
NOT_FOR_HELP = ("asyncio", "pydantic", "dotenv", "tantivy", "sqlite3", "newsbot.bot.settings")
# A warm `ask` answers from the archive as it stands, with the options an earlier command validated:
# no settings validation, no event loop (see `cli.quick`).
NOT_FOR_A_WARM_ASK = (
    "asyncio",
    "aiosqlite",
    "pydantic",
    "pydantic_core",
    "dotenv",
    "tomllib",
    "newsbot.bot.settings",
    "newsbot.retrieval.archive",
    "newsbot.retrieval.store",
    "newsbot.retrieval.lifecycle",
    "newsbot.retrieval.documents",
)


def environment() -> dict[str, str]:
    """As a newcomer's shell: no newsbot variables, the repository importable."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    return {**kept, "PYTHONPATH": str(ROOT)}


def probe(workdir: Path, *args: str) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    out = workdir / "probe.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args],
        cwd=workdir,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.is_file(), done.stderr
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report, done


def loaded(report: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    """Those of `names` loaded, as packages or as any of their submodules."""
    modules: list[str] = report["modules"]
    return [name for name in names if any(m == name or m.startswith(name + ".") for m in modules)]


def test_a_warm_ask_loads_no_event_loop_no_pydantic_nor_the_reindex(workdir: Path) -> None:
    first, done = probe(workdir, "ask", QUESTION)  # builds the index: the reindex is imported then
    assert first["code"] == 0, done.stderr
    assert "newsbot.retrieval.reindex" in first["modules"] and "pydantic" in first["modules"]  # the probe sees
    report, done = probe(workdir, "ask", QUESTION)
    assert report["code"] == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"1. {ANSWER_TITLE}"
    assert loaded(report, NOT_FOR_ASK + NOT_FOR_A_WARM_ASK) == []
    assert "newsbot.retrieval.snapshot" in report["modules"] and "tantivy" in report["modules"]


def test_a_question_without_dates_never_loads_the_date_grammar(workdir: Path) -> None:
    report, done = probe(workdir, "ask", QUESTION)
    assert report["code"] == 0, done.stderr
    assert "newsbot.retrieval.question_dates" in report["modules"]
    assert "newsbot.retrieval.date_phrases" not in report["modules"]
    assert not report["date_patterns_compiled"]
    dated, done = probe(workdir, "ask", "What did the ICG say on 14 January 2026?")
    assert dated["code"] == 0, done.stderr
    assert dated["date_patterns_compiled"]


def test_help_loads_no_settings_no_archive_and_no_event_loop(workdir: Path) -> None:
    report, done = probe(workdir, "--help")
    assert report["code"] == 0 and "ask" in done.stdout
    assert loaded(report, NOT_FOR_HELP + NOT_FOR_ASK) == []
    assert not [name for name in report["modules"] if name.startswith("newsbot.retrieval.")]


def test_importing_the_retrieval_package_loads_none_of_its_modules(workdir: Path) -> None:
    script = "import sys, newsbot.retrieval; print(sorted(m for m in sys.modules if 'newsbot.retrieval.' in m))"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=workdir, env=environment(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_every_export_of_the_retrieval_package_is_the_defining_modules_own() -> None:
    for name in newsbot.retrieval.__all__:
        value = getattr(newsbot.retrieval, name)
        module = sys.modules[f"newsbot.retrieval.{newsbot.retrieval._EXPORTS[name]}"]
        assert value is getattr(module, name), name
    assert set(newsbot.retrieval.__all__) <= set(dir(newsbot.retrieval))
    from newsbot.retrieval import checkpoints  # a submodule, not an export: still importable by name

    assert checkpoints.__name__ == "newsbot.retrieval.checkpoints"
    with pytest.raises(AttributeError):
        getattr(newsbot.retrieval, "no_such_name")  # noqa: B009


# The shortcut for questions that name no date must give what the full scan gives, always.

TODAY = date(2026, 1, 20)
WORDS = (
    "in on from to between and since after before until by for over the of last past this next coming few "
    "couple days day week weekend weeks month months year years hours fortnight ago today yesterday tomorrow "
    "now present date Monday friday's Jan MAY march Sept december spring winter early mid late end 1975 2025 "
    "2026-01-14 14.01.2026 10/11 24/7 14 3rd 31 two ICG Russia Turkey sanctions know update dated election"
).split()


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=5)),
        max_size=8,
    ),
    st.sampled_from((" ", ", ", " - ", "/", "")),
)
def test_the_no_date_shortcut_gives_the_full_scans_answer(words: list[str], separator: str) -> None:
    question = separator.join(words)
    assert question_dates(question, TODAY) == date_phrases._scan(question, TODAY)


@pytest.mark.parametrize(
    "question", [QUESTION, "  Oreshnik missile  ", "What did Erdoğan say?", "ſanctions on \u212aelvin scale", ""]
)
def test_questions_without_date_words_keep_all_their_text(question: str) -> None:
    assert dates_module._MAYBE_DATE.search(question) is None
    expected = DateScope(None, None, question.strip(), None, ())
    assert question_dates(question, TODAY) == expected == date_phrases._scan(question, TODAY)
