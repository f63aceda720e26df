"""`newsbot ask` from a shell: cold (first run builds the index) and warm, and what imports cost.

On the bundled seed and on the 100k-passage corpus; each run is a fresh
process, timed from outside. Writes `benchmarks/results/shell.md`.

    python -m benchmarks.shell
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import build as build_corpus

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
QUESTION = "What did the ICG say about Russia and Turkey?"
WARM_RUNS = 7


def ask(env: dict[str, str], *extra: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *extra, "-m", "newsbot.bot.cli", "ask", QUESTION],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - started, done.stderr


def import_ms(stderr: str) -> float:
    """Total of top-level imports reported by `python -X importtime`, in ms."""
    total = 0
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if name.startswith(" ") and not name.startswith("  ") and cumulative.strip().isdigit():
                total += int(cumulative)
    return total / 1000


def measure(label: str, seeds: Path) -> list[str]:
    data = Path(tempfile.mkdtemp(prefix="newsbot-shell-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSBOT_SEEDS_DIR": str(seeds), "NEWSBOT_DATA_DIR": str(data)}
    try:
        cold, _ = ask(env)
        warm = [ask(env)[0] for _ in range(WARM_RUNS)]
        imports = [import_ms(ask(env, "-X", "importtime")[1]) for _ in range(3)]
    finally:
        shutil.rmtree(data, ignore_errors=True)
    median = statistics.median(warm) * 1000
    share = statistics.median(imports) / median * 100
    return [f"| {label} | {cold:.2f} s | {median:.0f} ms | {statistics.median(imports):.0f} ms ({share:.0f}%) |"]


def main() -> int:
    rows = [
        "| archive | cold (builds the index) | warm (median of 7) | imports in a warm run |",
        "| --- | ---: | ---: | ---: |",
    ]
    rows += measure("bundled seed (17 passages)", ROOT / "seeds")
    rows += measure("100k passages (37 export files)", build_corpus(100_000))
    text = "\n".join(
        [
            "# `newsbot ask` from the shell",
            "",
            f"{time.strftime('%Y-%m-%d')}, Python {sys.version.split()[0]}.",
            "",
            *rows,
            "",
        ]
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "shell.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
