"""`newsbot ask` from a shell, against a bare interpreter start: cold, warm, and what imports cost.

Issue #14's target: a warm `newsbot ask` takes at most 4× a bare `python -c pass`.
Both are measured in the same run, side by side: each warm round starts, one
after the other, a bare interpreter, `python -m newsbot.bot.cli ask`, the
`newsbot` console script (`ask`), `python -m newsbot.bot.cli --help`, and the
libraries `ask` cannot do without imported with no newsbot code at all (the
floor newsbot's own code cannot go below), with the same interpreter,
environment and working directory, the order rotated from round to round. On a
shared, noisy machine that is the only fair comparison: a slow minute slows
them all alike, and the ratio of medians (and the median of each round's own
ratio) stays put where absolute times do not.

Warm means the index is built, the settings validated once (the archive
options are then cached: `bot/options_cache.py`), and the bytecode cached, as for an installed
wheel: the runs write and read `.pyc` files under a private
`PYTHONPYCACHEPREFIX` (not in the working tree), even where the environment
sets `PYTHONDONTWRITEBYTECODE`. One more `ask` per round runs without that
cache, as a checkout with `PYTHONDONTWRITEBYTECODE=1` does, compiling
newsbot's modules from source every time; and one where no options can be
cached, so that it validates its settings (with pydantic) every time.

On the bundled seed and on the 100k-passage corpus; each run is a fresh
process, timed from outside. Writes `benchmarks/results/shell.md`.

    python -m benchmarks.shell [--rounds 21] [--note "what else ran meanwhile"]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.corpus import build as build_corpus

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
QUESTION = "What did the ICG say about Russia and Turkey?"
WARM_ROUNDS = 21
IMPORT_RUNS = 5
TARGET = 4.0  # issue #14: a warm `newsbot ask` at most this many times a bare interpreter start
BARE = "bare `python -c pass`"
FLOOR = "its libraries alone, no newsbot code"
ASK = "`python -m newsbot.bot.cli ask`"
SCRIPT = "`newsbot ask` (console script)"
UNCACHED = "`python -m newsbot.bot.cli ask`, no bytecode cache"
VALIDATED = "`python -m newsbot.bot.cli ask`, settings validated (no options cache)"
HELP = "`python -m newsbot.bot.cli --help`"
# What a warm `ask` imports that no newsbot change can avoid: it reads SQLite, ranks with tantivy,
# finds its cached options by a digest of their JSON, parses its arguments and logs.
FLOOR_CODE = """
import argparse, dataclasses, datetime, hashlib, json, logging, re, sqlite3
import tantivy
"""


def console_script() -> Path | None:
    """The installed `newsbot` entry point beside this interpreter, if there is one."""
    beside = Path(sys.executable).parent / "newsbot"
    if beside.is_file():
        return beside
    found = shutil.which("newsbot")
    return Path(found) if found else None


@dataclass(frozen=True)
class Command:
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)  # over the run's environment
    uncached: bool = False  # without the bytecode cache


def commands() -> dict[str, Command]:
    """What each warm round starts, by label; all with this interpreter."""
    ask = [sys.executable, "-m", "newsbot.bot.cli", "ask", QUESTION]
    chosen = {
        BARE: Command([sys.executable, "-c", "pass"]),
        FLOOR: Command([sys.executable, "-c", FLOOR_CODE]),
        ASK: Command(ask),
        HELP: Command([sys.executable, "-m", "newsbot.bot.cli", "--help"]),
        UNCACHED: Command(ask, uncached=True),
        # XDG_CACHE_HOME a file: no options can be cached, so each run validates its settings (pydantic).
        VALIDATED: Command(ask, env={"XDG_CACHE_HOME": os.devnull}),
    }
    script = console_script()
    if script is not None:
        # Run by this interpreter rather than through its `#!` line, so that it is the same one.
        chosen[SCRIPT] = Command([sys.executable, str(script), "ask", QUESTION])
    return chosen


def timed(command: Command, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {**env, **command.env}
    if command.uncached:
        env.pop("PYTHONPYCACHEPREFIX", None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    started = time.perf_counter()
    done = subprocess.run(command.argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done


def checked(label: str, command: Command, done: subprocess.CompletedProcess[str]) -> None:
    """A run that failed would time the wrong thing.

    `ask` exits 1 when the archive has no answer (the 100k corpus has none for
    QUESTION): the whole search ran all the same, so that counts as a run.
    """
    asked = "ask" in command.argv
    ok = done.returncode in ((0, 1) if asked else (0,)) and "Traceback" not in done.stderr
    if not ok or (asked and not done.stdout.strip()):
        raise SystemExit(f"{label} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def import_ms(stderr: str) -> float:
    """Total of top-level imports reported by `python -X importtime`, in ms."""
    total = 0
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if name.startswith(" ") and not name.startswith("  ") and cumulative.strip().isdigit():
                total += int(cumulative)
    return total / 1000


@dataclass
class Measured:
    label: str
    cold: float
    warm: dict[str, list[float]]  # seconds, one per round, by command label
    imports: float  # ms, median over IMPORT_RUNS `-X importtime` runs of `ask`

    def median_ms(self, command: str) -> float:
        return statistics.median(self.warm[command]) * 1000

    def ratio(self, command: str) -> float:
        """Median over the rounds of command / bare in the same round."""
        return statistics.median(a / b for a, b in zip(self.warm[command], self.warm[BARE], strict=True))


# Imported once, untimed, before the cold run: so that it times building the index, not compiling bytecode.
PRELOAD = "import newsbot.bot.cli, newsbot.bot.replies, newsbot.bot.settings, newsbot.retrieval.reindex"


def measure(label: str, seeds: Path, pycache: Path, rounds: int = WARM_ROUNDS) -> Measured:
    data = Path(tempfile.mkdtemp(prefix="newsbot-shell-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "PYTHONDONTWRITEBYTECODE"))}
    env |= {
        "PYTHONPATH": str(ROOT),
        "XDG_CACHE_HOME": str(data / "cache"),  # the validated options the first `ask` caches
        "PYTHONPYCACHEPREFIX": str(pycache),
        "NEWSBOT_SEEDS_DIR": str(seeds),
        "NEWSBOT_DATA_DIR": str(data / "archive"),
    }
    chosen = commands()
    warm: dict[str, list[float]] = {name: [] for name in chosen}
    try:
        for code in (PRELOAD, FLOOR_CODE):
            timed(Command([sys.executable, "-c", code]), env)
        cold, done = timed(chosen[ASK], env)
        checked(ASK, chosen[ASK], done)
        for name, command in chosen.items():  # one untimed run each: writes the bytecode, pages in the files
            checked(name, command, timed(command, env)[1])
        names = list(chosen)
        for round_ in range(rounds):
            shift = round_ % len(names)
            for name in names[shift:] + names[:shift]:
                seconds, done = timed(chosen[name], env)
                checked(name, chosen[name], done)
                warm[name].append(seconds)
        ask_importtime = Command([sys.executable, "-X", "importtime", *chosen[ASK].argv[1:]])
        imports = statistics.median(import_ms(timed(ask_importtime, env)[1].stderr) for _ in range(IMPORT_RUNS))
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return Measured(label, cold, warm, imports)


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def report(results: list[Measured], rounds: int, loads: tuple[str, str], notes: list[str]) -> str:
    names = list(results[0].warm)
    rows = [
        "| archive | command | warm, median | × bare (median of rounds) | × bare (of medians) |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for result in results:
        bare = result.median_ms(BARE)
        for name in names:
            rows.append(
                f"| {result.label} | {name} | {result.median_ms(name):.0f} ms | {result.ratio(name):.2f} "
                f"| {result.median_ms(name) / bare:.2f} |"
            )
    others = [
        "| archive | cold `ask` (builds the index) | imports in a warm `ask` |",
        "| --- | ---: | ---: |",
        *(
            f"| {r.label} | {r.cold:.2f} s | {r.imports:.0f} ms ({r.imports / r.median_ms(ASK) * 100:.0f}% of it) |"
            for r in results
        ),
    ]
    verdicts = [
        f"- {r.label}: a warm `ask` is {r.ratio(ASK):.2f}× a bare start, "
        f"{'within' if r.ratio(ASK) <= TARGET else 'OVER'} the {TARGET:g}× target. The libraries it needs, "
        f"imported with no newsbot code, are already {r.ratio(FLOOR):.2f}× bare; newsbot's own imports and "
        f"work add {r.median_ms(ASK) - r.median_ms(FLOOR):.0f} ms to them."
        for r in results
    ]
    return "\n".join(
        [
            "# `newsbot ask` from the shell, against a bare interpreter",
            "",
            f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
            f"- python: {sys.version.split()[0]}; cpus: {os.cpu_count()} (shared, noisy)",
            f"- load average at start: {loads[0]}; at end: {loads[1]}",
            "",
            "Generated by `python -m benchmarks.shell`. Warm: median of "
            f"{rounds} rounds; each round runs every command once, one after the other, in rotating order, "
            "same interpreter, environment and working directory, bytecode cached (but in the one row without). "
            f"Issue #14's target: warm `ask` ≤ {TARGET:g}× bare.",
            "",
            *(f"Note: {note}" for note in notes),
            *([""] if notes else []),
            *verdicts,
            "",
            *rows,
            "",
            *others,
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=WARM_ROUNDS, help=f"warm rounds (default {WARM_ROUNDS})")
    parser.add_argument("--note", action="append", default=[], help="a line for the results (repeatable)")
    args = parser.parse_args(argv)
    started = load()
    with tempfile.TemporaryDirectory(prefix="newsbot-pycache-") as pycache:
        results = [
            measure("bundled seed (17 passages)", ROOT / "seeds", Path(pycache), args.rounds),
            measure("100k passages (37 export files)", build_corpus(100_000), Path(pycache), args.rounds),
        ]
    text = report(results, args.rounds, (started, load()), args.note)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "shell.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
