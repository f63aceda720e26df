"""Crash tests with real kills: a reindex in a child process is ended by SIGKILL.

Why real kills and not raised exceptions: an exception unwinds. `finally`
blocks run, `rollback()` is called, aiosqlite closes its connection, the
writer lock is released by `__exit__`. A SIGKILL does none of that: the
process stops between two machine instructions, with a SQLite transaction
half written to the WAL, a tantivy segment half flushed, the `CURRENT` pointer
maybe being replaced, and the `flock` held. Only the kernel cleans up (it
drops the lock and the file descriptors). These tests check that whatever such
a death leaves on disk, the next opening still answers, and the next reindex
ends with exactly what a fresh archive over the same seeds would hold, with no
retired rows left behind.

`NEWSBOT_KILLS=500 python -m pytest tests/retrieval/test_kills.py` runs a
stress loop; `NEWSBOT_KILLS_SEED` picks another random sequence.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from newsbot.retrieval.archive import DATABASE_NAME, Archive
from newsbot.retrieval.options import ArchiveOptions
from newsbot.retrieval.reads import Pending

ROOT = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("NEWSBOT_KILLS", "20"))
SEED = int(os.environ.get("NEWSBOT_KILLS_SEED", "20260201"))
STABLE = 6  # a00.md .. a05.md and the first lines of each export are never changed
CHILD_TIMEOUT = 60.0

# The child: open the archive, reindex, close. Every `_checkpoint` of the
# reindex is printed (so the parent can kill right at one), and with a third
# argument the child stops at that checkpoint and waits to be killed.
SCRIPT = r"""
import asyncio
import sys
import time
from pathlib import Path

from newsbot.retrieval import checkpoints
from newsbot.retrieval.archive import Archive
from newsbot.retrieval.options import ArchiveOptions

pause_at = sys.argv[3] if len(sys.argv) > 3 else None


def checkpoint(step):
    print(step, flush=True)
    if step == pause_at:
        print("paused", flush=True)
        time.sleep(3600)


checkpoints.reached = checkpoint


async def main():
    archive = await Archive.open(ArchiveOptions(seeds_dir=Path(sys.argv[1]), data_dir=Path(sys.argv[2])))
    print("open", flush=True)
    try:
        await archive.reindex()
    finally:
        await archive.close()
    print("done", flush=True)


asyncio.run(main())
"""

# The checkpoints a reindex passes in the child (removals only when a file is gone).
STEPS = ("store:after-removals", "store:after-batch", "index:after-add", "index:before-commit", "index:after-commit")


def _words(rng: random.Random, count: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return " ".join("".join(rng.choice(letters) for _ in range(rng.randint(5, 9))) for _ in range(count))


def _md(title: str, body: str) -> str:
    return f"---\ntitle: {title}\ndate: 2026-02-01\n---\n{body}\n"


def _line(title: str, url: str, text: str) -> str:
    return json.dumps({"title": title, "url": url, "text": text}) + "\n"


@dataclass
class Seeds:
    """The seeds folder and what the test knows about its stable articles."""

    root: Path
    rng: random.Random
    # title -> three words of its body, for articles that never change
    stable: dict[str, str] = field(default_factory=dict)
    counter: int = 0

    def build(self) -> None:
        self.root.mkdir()
        for i in range(40):
            body = _words(self.rng, 250) + "."
            title = f"Article {i:02d}"
            (self.root / f"a{i:02d}.md").write_text(_md(title, body))
            if i < STABLE:
                self.stable[title] = " ".join(body.split()[10:13])
        for e in range(2):
            with (self.root / f"e{e}.jsonl").open("w") as handle:
                for j in range(200):
                    text = _words(self.rng, 150) + "."
                    title = f"Export {e} line {j}"
                    handle.write(_line(title, f"https://e.org/{e}/{j}", text))
                    if j < STABLE:
                        self.stable[title] = " ".join(text.split()[20:23])

    def _changeable(self) -> list[Path]:
        stable = {f"a{i:02d}.md" for i in range(STABLE)}
        return sorted(p for p in self.root.glob("*.md") if p.name not in stable)

    def mutate(self) -> bool:
        """A random mix of edits, additions, deletions and appends; True when a file was deleted."""
        rng = self.rng
        changeable = self._changeable()
        for path in rng.sample(changeable, k=min(len(changeable), rng.randint(1, 3))):
            path.write_text(_md(f"Edited {path.stem}", _words(rng, rng.randint(50, 300)) + "."))
        if rng.random() < 0.5:
            self.counter += 1
            name = f"n{self.counter:04d}"
            (self.root / f"{name}.md").write_text(_md(f"New {name}", _words(rng, 200) + "."))
        changeable = self._changeable()
        deleted = rng.random() < 0.35 and len(changeable) > 10
        if deleted:
            rng.choice(changeable).unlink()
        if rng.random() < 0.5:
            export = self.root / f"e{rng.randint(0, 1)}.jsonl"
            with export.open("a") as handle:
                for _ in range(rng.randint(1, 5)):
                    self.counter += 1
                    handle.write(_line(f"Appended {self.counter}", f"https://e.org/x/{self.counter}", _words(rng, 80)))
        if rng.random() < 0.25:
            export = self.root / f"e{rng.randint(0, 1)}.jsonl"
            lines = export.read_text().splitlines(keepends=True)
            j = rng.randrange(STABLE, len(lines))
            record = json.loads(lines[j])
            lines[j] = _line(record["title"], record["url"], _words(rng, 120))
            export.write_text("".join(lines))
        if rng.random() < 0.15:
            for path in self.root.iterdir():
                os.utime(path, ns=(time.time_ns(), time.time_ns()))
        return deleted


@dataclass
class Child:
    """One reindex in a child process, with the lines it printed."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, seeds: Path, data: Path, stderr: IO[str], pause_at: str | None = None) -> Child:
        args = [sys.executable, "-c", SCRIPT, str(seeds), str(data)] + ([pause_at] if pause_at else [])
        process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True)
        return cls(process)

    def read_until(self, wanted: str) -> bool:
        """Read printed lines until `wanted` (True) or the end of output (False)."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.strip())
            if line.strip() == wanted:
                return True
        return False

    def kill(self) -> int:
        with contextlib.suppress(ProcessLookupError):  # it may have finished already
            os.kill(self.process.pid, signal.SIGKILL)
        return self.wait()

    def wait(self) -> int:
        assert self.process.stdout is not None
        self.lines.extend(line.strip() for line in self.process.stdout)
        self.process.stdout.close()
        return self.process.wait(timeout=CHILD_TIMEOUT)


def _watchdog(child: Child) -> threading.Timer:
    """Kill a child that hangs, so a stuck reindex fails the test instead of stalling it."""

    def stop() -> None:
        if child.process.poll() is None:
            child.process.kill()

    timer = threading.Timer(CHILD_TIMEOUT, stop)
    timer.daemon = True
    timer.start()
    return timer


def _options(seeds: Path, data: Path) -> ArchiveOptions:
    return ArchiveOptions(seeds_dir=seeds, data_dir=data)


async def _scalar(archive: Archive, sql: str) -> int:
    async with archive.store.db.execute(sql) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def _documents(archive: Archive) -> set[tuple[str, str, str, str]]:
    sql = "SELECT file, key, title, content_hash FROM documents WHERE retired IS NULL"
    async with archive.store.db.execute(sql) as cursor:
        return {(r[0], r[1], r[2], r[3]) for r in await cursor.fetchall()}


async def _passages(archive: Archive) -> dict[str, Counter[str]]:
    sql = (
        "SELECT d.key, p.text FROM passages p JOIN documents d ON d.id = p.document_id "
        "WHERE p.retired IS NULL AND d.retired IS NULL"
    )
    out: dict[str, Counter[str]] = {}
    async with archive.store.db.execute(sql) as cursor:
        for key, text in await cursor.fetchall():
            out.setdefault(key, Counter())[text] += 1
    return out


async def _live_passage_count(archive: Archive) -> int:
    return await _scalar(archive, "SELECT COUNT(*) FROM passages WHERE retired IS NULL")


async def _index_once(seeds: Path, data: Path) -> None:
    archive = await Archive.open(_options(seeds, data))
    try:
        await archive.reindex()
    finally:
        await archive.close()


def _as_of(pending: Pending | None, first_id: int) -> tuple[str, tuple[int, ...]]:
    """Rows readers see: live ones, or with a dead writer's generation pending, those from before it."""
    if pending is None:
        return "retired IS NULL", ()
    return "(retired IS NULL OR retired = ?) AND id < ?", (pending.generation, first_id)


async def _visible(archive: Archive) -> tuple[set[tuple[str, str, str, str]], int]:
    """The articles readers see and their passage count, computed here, independently of the store's code."""
    pending = await archive.store.pending()
    condition, parameters = _as_of(pending, pending.first_document if pending else 0)
    sql = f"SELECT file, key, title, content_hash FROM documents WHERE {condition}"
    async with archive.store.db.execute(sql, parameters) as cursor:
        documents = {(r[0], r[1], r[2], r[3]) for r in await cursor.fetchall()}
    condition, parameters = _as_of(pending, pending.first_passage if pending else 0)
    async with archive.store.db.execute(f"SELECT COUNT(*) FROM passages WHERE {condition}", parameters) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return documents, int(row[0])


async def _fresh_documents(seeds: Path, scratch: Path) -> set[tuple[str, str, str, str]]:
    archive = await Archive.open(_options(seeds, scratch))
    try:
        await archive.reindex()
        return await _documents(archive)
    finally:
        await archive.close()
        shutil.rmtree(scratch)


async def _assert_answers(
    seeds: Seeds, data: Path, rng: random.Random, history: list[str]
) -> tuple[int, set[tuple[str, str, str, str]]]:
    """Opening after a kill (no reindex) works, and stable articles are still found.

    Returns the committed generation and the articles readers see.
    """
    archive = await Archive.open(_options(seeds.root, data))
    try:
        for title in rng.sample(sorted(seeds.stable), k=2):
            answer = await archive.ask(seeds.stable[title])
            assert answer.found, (title, history)
            assert answer.hits[0].title == title, (title, [h.title for h in answer.hits], history)
        # The index holds exactly the committed generation's passages, and the store counts the same.
        assert archive.engine is not None
        documents, passages = await _visible(archive)
        counts = await archive.store.counts()
        assert archive.engine.count() == passages == counts["passages"], history
        assert archive.engine.generation() == counts["generation"], history
        # What a shell `ask` checks its index against: kept by the writer, so it must survive any kill.
        kept = await _scalar(archive, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'live_passages'")
        assert kept == await _live_passage_count(archive), history
        return await archive.store.committed_generation(), documents
    finally:
        await archive.close()


def _lock_is_held(data: Path) -> bool:
    """Probe the writer lock (a flock on the data directory) without keeping it."""
    fd = os.open(data, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


async def test_random_kills_then_reindex_equals_a_fresh_archive(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    seeds = Seeds(tmp_path / "seeds", random.Random(SEED + 1))
    seeds.build()
    data = tmp_path / "data"
    await _index_once(seeds.root, data)

    landed = 0
    finished = 0
    history: list[str] = []
    generation, visible = await _assert_answers(seeds, data, rng, history)
    with (tmp_path / "child-stderr.txt").open("w+") as stderr:
        for round_number in range(KILLS):
            deleted = seeds.mutate()
            child = Child.start(seeds.root, data, stderr)
            timer = _watchdog(child)
            try:
                mode = rng.random()
                opened = child.read_until("open")
                if mode < 0.1:
                    how = "finish"
                    code = child.wait()
                elif mode < 0.5:
                    step = rng.choice(STEPS if deleted else STEPS[1:])
                    how = f"kill at {step}"
                    reached = child.read_until(step)
                    code = child.kill() if reached else child.wait()
                else:
                    delay = rng.uniform(0.0, 0.07)
                    how = f"kill {delay:.3f}s after open"
                    await asyncio.sleep(delay)
                    code = child.kill()
            finally:
                timer.cancel()
            history.append(f"{round_number}: {how} -> rc {code}, printed {child.lines}")
            if code == -signal.SIGKILL:
                if opened and "done" not in child.lines:
                    landed += 1
            else:
                stderr.seek(0)
                assert code == 0, (history[-1], stderr.read()[-3000:])
                finished += 1
            # Never a mix: readers see the previous archive as it was, or exactly the new one.
            before = visible
            generation_before = generation
            generation, visible = await _assert_answers(seeds, data, rng, history)
            if generation == generation_before:
                assert visible == before, history
            else:
                assert visible == await _fresh_documents(seeds.root, tmp_path / "scratch"), history

    incremental = await Archive.open(_options(seeds.root, data))
    fresh = await Archive.open(_options(seeds.root, tmp_path / "fresh"))
    try:
        await incremental.reindex()
        await fresh.reindex()
        assert await _documents(incremental) == await _documents(fresh), history
        assert await _passages(incremental) == await _passages(fresh), history
        for archive in (incremental, fresh):
            assert archive.engine is not None
            assert archive.engine.count() == await _live_passage_count(archive), history
        for table in ("documents", "passages"):
            assert await _scalar(incremental, f"SELECT COUNT(*) FROM {table} WHERE retired IS NOT NULL") == 0, table
        for title, words in seeds.stable.items():
            assert (await incremental.ask(words)).hits[0].title == title
    finally:
        await incremental.close()
        await fresh.close()
    assert landed >= KILLS // 2, (landed, finished, history)


async def test_a_kill_while_holding_the_writer_lock_does_not_block_the_next_reindex(tmp_path: Path) -> None:
    seeds = Seeds(tmp_path / "seeds", random.Random(SEED + 2))
    seeds.build()
    data = tmp_path / "data"
    await _index_once(seeds.root, data)
    (seeds.root / "late.md").write_text(_md("Late arrival", "Wombats gather near the quarry at dusk."))
    (seeds.root / "a39.md").unlink()

    with (tmp_path / "child-stderr.txt").open("w") as stderr:
        child = Child.start(seeds.root, data, stderr, pause_at="store:after-batch")
        timer = _watchdog(child)
        try:
            assert child.read_until("paused"), child.lines
            assert _lock_is_held(data), "the child should hold the writer lock while it reindexes"
            assert child.kill() == -signal.SIGKILL
        finally:
            timer.cancel()
    assert not _lock_is_held(data), "the kernel drops the flock when the holder dies"

    archive = await Archive.open(_options(seeds.root, data))
    try:
        report = await archive.reindex()  # must not raise ReindexBusy
        assert report.generation >= 1
        answer = await archive.ask("wombats quarry dusk")
        assert answer.found and answer.hits[0].title == "Late arrival"
        assert "Article 39" not in {title for _f, _k, title, _h in await _documents(archive)}
        assert archive.engine is not None
        assert archive.engine.count() == await _live_passage_count(archive)
        for table in ("documents", "passages"):
            assert await _scalar(archive, f"SELECT COUNT(*) FROM {table} WHERE retired IS NOT NULL") == 0
    finally:
        await archive.close()
    assert (data / DATABASE_NAME).exists()
