"""Model-based test: any sequence of edits, then an incremental reindex, equals a fresh index.

hypothesis drives random operations on a seeds folder in every format (add,
edit, touch, rewrite with the same bytes, rename, move between folders, delete,
append to and drop lines from exports), several per batch and with a batch size
of three files so batches split. After each reindex the incremental archive
must hold exactly what a fresh full index of the same folder holds, and the
report's counts must be the true difference.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import newsbot.retrieval.reindex as reindex_module
from newsbot.retrieval import reads
from newsbot.retrieval.archive import Archive
from newsbot.retrieval.options import ArchiveOptions

WORDS = "barley cotton sorghum millet wheat maize rice oats rye quinoa lentil pea bean soy flax hemp".split()
NAMES = [f"n{i}" for i in range(8)]
FOLDERS = ["", "sub/", "sub/deeper/"]

Snapshot = dict[str, tuple[str, str, tuple[str, ...]]]  # key -> (file, content hash, passage texts)
BOILERPLATE = "(boilerplate sentence keys)"  # not an article: the archive's boilerplate set, compared too


async def snapshot(archive: Archive) -> Snapshot:
    """Every live article with its file, content hash and passages, read from the store."""
    db = archive.store.db
    out: Snapshot = {}
    async with db.execute("SELECT id, key, file, content_hash FROM documents WHERE retired IS NULL") as cursor:
        documents = await cursor.fetchall()
    for doc_id, key, file, content_hash in documents:
        async with db.execute(
            "SELECT kind, date, text FROM passages WHERE document_id = ? AND retired IS NULL ORDER BY id", (doc_id,)
        ) as cursor:
            passages = tuple(f"{kind}|{day}|{text}" for kind, day, text in await cursor.fetchall())
        out[key] = (file, content_hash, passages)
    # The boilerplate set follows the articles too: a footer crosses the threshold as articles come and go.
    async with db.execute("SELECT key FROM boilerplate ORDER BY key") as cursor:
        out[BOILERPLATE] = ("", "", tuple(str(row[0]) for row in await cursor.fetchall()))
    return out


async def fresh_snapshot(seeds: Path) -> Snapshot:
    data = Path(tempfile.mkdtemp(prefix="newsbot-fresh-"))
    try:
        archive = await Archive.open(
            ArchiveOptions(seeds_dir=seeds, data_dir=data, engine="rank-bm25", boilerplate_min_titles=2)
        )
        try:
            await archive.reindex(allow_removals=True)
            return await snapshot(archive)
        finally:
            await archive.close()
    finally:
        shutil.rmtree(data, ignore_errors=True)


class SeedsFolder(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="newsbot-model-"))
        self.seeds = self.root / "seeds"
        self.seeds.mkdir()
        self.loop = asyncio.new_event_loop()
        options = ArchiveOptions(seeds_dir=self.seeds, data_dir=self.root / "data", boilerplate_min_titles=2)
        self.archive = self.loop.run_until_complete(Archive.open(options))
        self.before: Snapshot = {}
        self.counter = 0

    def teardown(self) -> None:
        self.loop.run_until_complete(self.archive.close())
        self.loop.close()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- helpers -------------------------------------------------------------

    def files(self) -> list[Path]:
        return sorted(p for p in self.seeds.rglob("*") if p.is_file())

    def exports(self) -> list[Path]:
        return [p for p in self.files() if p.suffix == ".jsonl"]

    def _text(self, words: list[str]) -> str:
        self.counter += 1
        # Half the articles carry a site footer: boilerplate once three different titles hold it.
        footer = " Sign up for our daily brief." if self.counter % 2 else ""
        return " ".join(words) + f" story{self.counter}." + footer

    def _article(self, kind: str, words: list[str]) -> str:
        text = self._text(words)
        if kind == "md":
            return f"---\ntitle: {words[0].title()} report\ndate: 2026-02-0{len(words) % 9 + 1}\n---\n{text}\n"
        if kind == "txt":
            return f"{words[0].title()} page\n{text}\nLatest news{words[-1].title()} rises\n11.Jan.2026\n14 Jan 2026\n"
        lines = [
            json.dumps({"title": f"{w} line", "url": f"https://e.org/{w}/{self.counter}/{i}", "text": self._text([w])})
            for i, w in enumerate(words)
        ]
        return "\n".join(lines) + "\n"

    # -- operations on the folder ---------------------------------------------

    @rule(
        name=st.sampled_from(NAMES),
        folder=st.sampled_from(FOLDERS),
        kind=st.sampled_from(["md", "txt", "jsonl"]),
        words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
    )
    def add(self, name: str, folder: str, kind: str, words: list[str]) -> None:
        path = self.seeds / f"{folder}{name}.{kind}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self._article(kind, words), encoding="utf-8")

    @precondition(lambda self: self.files())
    @rule(data=st.data(), words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))
    def edit(self, data: st.DataObject, words: list[str]) -> None:
        path = data.draw(st.sampled_from(self.files()))
        kind = path.suffix.lstrip(".")
        path.write_text(self._article(kind, words), encoding="utf-8")

    @precondition(lambda self: self.files())
    @rule(data=st.data(), same_bytes=st.booleans())
    def touch(self, data: st.DataObject, same_bytes: bool) -> None:
        path = data.draw(st.sampled_from(self.files()))
        if same_bytes:  # `cp` of an identical file over it: new mtime, same bytes
            path.write_bytes(path.read_bytes())
        stamp = path.stat().st_mtime_ns + 1_000_000_000
        os.utime(path, ns=(stamp, stamp))

    @precondition(lambda self: self.files())
    @rule(data=st.data(), name=st.sampled_from(NAMES), folder=st.sampled_from(FOLDERS))
    def rename_or_move(self, data: st.DataObject, name: str, folder: str) -> None:
        path = data.draw(st.sampled_from(self.files()))
        target = self.seeds / f"{folder}{name}{path.suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        path.replace(target)

    @precondition(lambda self: self.files())
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        data.draw(st.sampled_from(self.files())).unlink()

    @precondition(lambda self: self.exports())
    @rule(data=st.data(), words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=2))
    def append_to_export(self, data: st.DataObject, words: list[str]) -> None:
        path = data.draw(st.sampled_from(self.exports()))
        with path.open("a", encoding="utf-8") as handle:
            handle.write(self._article("jsonl", words))

    def long_exports(self) -> list[Path]:
        # At least two lines: an export emptied to zero bytes is an unreadable
        # file, whose articles are kept on purpose (a fresh index has none).
        return [p for p in self.exports() if len(p.read_text(encoding="utf-8").splitlines()) >= 2]

    @precondition(lambda self: self.long_exports())
    @rule(data=st.data())
    def drop_export_line(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(self.long_exports()))
        lines = path.read_text(encoding="utf-8").splitlines()
        index = data.draw(st.integers(0, len(lines) - 1))
        path.write_text("".join(f"{line}\n" for i, line in enumerate(lines) if i != index), encoding="utf-8")

    # -- the reindex and its check ----------------------------------------------

    @rule()
    def reindex(self) -> None:
        report = self.loop.run_until_complete(self.archive.reindex(allow_removals=True))
        after = self.loop.run_until_complete(snapshot(self.archive))
        expected = self.loop.run_until_complete(fresh_snapshot(self.seeds))
        assert after == expected, "incremental reindex differs from a fresh index of the same folder"
        after = {key: value for key, value in after.items() if key != BOILERPLATE}
        added = after.keys() - self.before.keys()
        removed = self.before.keys() - after.keys()
        changed = {k for k in after.keys() & self.before.keys() if after[k][1] != self.before[k][1]}
        assert (report.added, report.changed, report.removed) == (len(added), len(changed), len(removed))
        engine = self.archive.engine
        assert engine is not None
        assert engine.count() == sum(len(passages) for _, _, passages in after.values())
        self.before = after

    @invariant()
    def nothing_retired_is_left_after_a_reindex(self) -> None:
        async def retired() -> int:
            db = self.archive.store.db
            async with db.execute("SELECT COUNT(*) FROM documents WHERE retired IS NOT NULL") as cursor:
                row = await cursor.fetchone()
            return int(row[0]) if row else 0

        assert self.loop.run_until_complete(retired()) == 0

    @invariant()
    def the_kept_live_passage_count_is_the_counted_one(self) -> None:
        # A shell `ask` trusts the kept count (migration 0006) to check its index against the store.
        async def counts() -> tuple[int | None, int]:
            kept = await self.archive.store._run(reads.live_passages_kept())
            return kept, await self.archive.store._run(reads.live_passage_count())

        kept, counted = self.loop.run_until_complete(counts())
        assert kept == counted


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reindex_module, "_BATCH_FILES", 3)
    monkeypatch.setattr(reindex_module, "_PART_BYTES", 300)  # exports applied in several parts


def test_incremental_reindex_equals_a_fresh_index(small_batches: None) -> None:
    runs = int(os.environ.get("NEWSBOT_MODEL_RUNS", "30"))
    machine = settings(
        max_examples=runs,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )(SeedsFolder)
    machine.TestCase().runTest()
