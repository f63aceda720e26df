"""Peak memory of a reindex against the size of one JSON Lines export: streamed in parts, or whole.

Builds single exports of 20, 80 and 160 MB from the committed news export (its
real lines, each with its own url), reindexes each into an empty data
directory in a fresh process, and reads that process's peak resident memory
(VmHWM). "whole" is the same code with the part size set past the file size,
which is how exports were applied before they were streamed. Both modes run
side by side in one run. Writes `benchmarks/results/export_memory.md`.

    python -m benchmarks.export_memory [--sizes 20 80 160]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
NEWS = ROOT / "tests" / "data" / "news-articles.jsonl.gz"

CHILD = r"""
import asyncio, sys, time
from pathlib import Path
import newsbot.retrieval.reindex as reindex_module
from newsbot.retrieval import Archive, ArchiveOptions

if sys.argv[3] == "whole":
    reindex_module._PART_BYTES = 1 << 50

async def main():
    archive = await Archive.open(ArchiveOptions(seeds_dir=Path(sys.argv[1]), data_dir=Path(sys.argv[2])))
    started = time.perf_counter()
    report = await archive.reindex()
    seconds = time.perf_counter() - started
    await archive.close()
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    print(report.added, report.passages_added, f"{seconds:.2f}", status["VmHWM"].split()[0])

asyncio.run(main())
"""


def build_export(path: Path, megabytes: int) -> int:
    """An export of about `megabytes` MB made of the news export's lines; returns its article count."""
    with gzip.open(NEWS, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    target = megabytes * 1_000_000
    written = count = 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            record = dict(records[count % len(records)])
            record["url"] = f"https://example.org/copy/{count}"
            line = json.dumps(record, ensure_ascii=False) + "\n"
            out.write(line)
            written += len(line.encode("utf-8"))
            count += 1
    return count


def reindex(seeds: Path, mode: str) -> tuple[int, int, float, int]:
    data = Path(tempfile.mkdtemp(prefix="newsbot-memory-"))
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(seeds), str(data), mode],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        subprocess.run(["rm", "-rf", str(data)], check=False)
    added, passages, seconds, peak_kb = done.stdout.split()
    return int(added), int(passages), float(seconds), int(peak_kb)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 80, 160], help="export sizes in MB")
    args = parser.parse_args()
    rows = []
    for megabytes in args.sizes:
        with tempfile.TemporaryDirectory(prefix="newsbot-export-") as folder:
            seeds = Path(folder) / "seeds"
            seeds.mkdir()
            articles = build_export(seeds / "export.jsonl", megabytes)
            for mode in ("streamed", "whole"):
                added, passages, seconds, peak_kb = reindex(seeds, mode)
                assert added == articles, (added, articles)
                rows.append((megabytes, articles, passages, mode, seconds, peak_kb / 1024))
                print(rows[-1], flush=True)
    lines = [
        "# Peak memory of a reindex against the size of one export",
        "",
        f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; `python -m benchmarks.export_memory`. One JSON Lines export per run, "
        "reindexed into an empty data directory in a fresh process; peak is that process's VmHWM.",
        "",
        "| export | articles | passages | mode | reindex | peak memory |",
        "| ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    lines += [
        f"| {mb} MB | {articles:,} | {passages:,} | {mode} | {seconds:.1f} s | {peak:.0f} MB |"
        for mb, articles, passages, mode, seconds, peak in rows
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "export_memory.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
