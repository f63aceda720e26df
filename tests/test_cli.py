"""`newsbot` in a subprocess, as a newcomer runs it, on a temporary data directory."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED
from tests.retrieval.test_more_quote import VISITORS, write_festivals


def newsbot(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "newsbot.bot.cli", *args],
        cwd=cwd,
        env={**environment, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_first_ask_builds_the_index_and_quotes_a_dated_answer(workdir: Path) -> None:
    result = newsbot("ask", "What did the ICG say about Russia and Turkey?", cwd=workdir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1. Sustainable peace in Karabakh will require cooperation of external players – ICG"
    assert lines[1] == f"   14 January 2026 (2026-01-14) · {SEED.name}"
    assert lines[2].startswith("   > “A sustainable world will require **Russia**, **Turkey**")
    assert "first run: indexing" not in result.stdout  # progress and summary go to stderr
    assert "articles: 1 added" in result.stderr
    assert (workdir / "data" / "newsbot.sqlite3").is_file()
    again = newsbot("ask", "Oreshnik missile", cwd=workdir)
    assert again.returncode == 0 and "articles:" not in again.stderr  # second run: no rebuild


def test_json_output_lists_documented_fields(workdir: Path) -> None:
    result = newsbot("ask", "Oreshnik missile", "--json", "-k", "2", cwd=workdir)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == {
        "question", "searched", "strength", "coverage", "matched", "unmatched", "not_in_archive", "dates",
        "corrections", "hits",
    }  # fmt: skip
    assert (answer["strength"], answer["matched"], answer["unmatched"]) == ("strong", ["Oreshnik", "missile"], [])
    hits = answer["hits"]
    assert hits[0]["title"] == "The Use of the “Oreshnik” Missile and a New Phase of Escalation Around Ukraine"
    assert hits[0]["date"] == "2026-01-09"
    assert set(hits[0]) == {
        "title",
        "date",
        "url",
        "file",
        "score",
        "excerpt",
        "passage_id",
        "document_id",
        "kind",
        "highlights",
        "coverage",
        "also",
        "more",
        "more_highlights",
        "further",
        "further_highlights",
    }


def test_the_lead_answer_quotes_a_second_paragraph_on_its_own_line(workdir: Path) -> None:
    write_festivals(workdir / "seeds")
    result = newsbot("ask", VISITORS, cwd=workdir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1. Hoi An lights up for its Lantern Festival"
    assert lines[2].startswith("   > **Visitors** **came** back")
    assert lines[3].startswith("   > … Organisers counted 120,000 **visitors**")
    assert sum(line.startswith("   > … ") for line in lines) == 1


def test_nothing_found_exits_1(workdir: Path) -> None:
    result = newsbot("ask", "quantum chromodynamics", cwd=workdir)
    assert result.returncode == 1
    assert result.stdout.startswith("Nothing in the archive about **quantum** or **chromodynamics**.")


def test_a_question_the_archive_cannot_answer_is_not_answered_with_the_nearest_quote(workdir: Path) -> None:
    # The seed page has a sentence with "world", and nothing about football.
    result = newsbot("ask", "Who won the 2022 FIFA World Cup?", "--json", cwd=workdir)
    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert answer["hits"] == [] and answer["strength"] == "weak"
    assert "FIFA" in answer["not_in_archive"] and "World" in answer["matched"]
    text = newsbot("ask", "Who won the 2022 FIFA World Cup?", cwd=workdir).stdout
    assert text.startswith("Nothing in the archive about **2022**, **FIFA**, **Cup** or **won**.")
    assert "It does mention **World**" in text and "`newsbot latest`" in text


def test_an_english_word_the_archive_lacks_is_not_corrected_to_a_word_it_has(workdir: Path, news_jsonl: Path) -> None:
    # Over the news export alone "brink" used to become "brin" (an article naming Sergey Brin) and was
    # answered from it. (The bundled seed has a headline "Iran on the Brink": it is taken out.)
    (workdir / "seeds" / SEED.name).unlink()
    shutil.copy(news_jsonl, workdir / "seeds" / "articles.jsonl")
    result = newsbot("ask", "Is Iran on the brink?", cwd=workdir)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("Nothing in the archive about **brink**. It does mention **Iran**")
    assert "Showing results for" not in result.stdout


def test_a_story_that_never_names_the_place_asked_about_is_not_an_answer(workdir: Path, news_jsonl: Path) -> None:
    # The export's stray dogs story is about Delhi: asked about Mumbai, it shares everything else.
    shutil.copy(news_jsonl, workdir / "seeds" / "articles.jsonl")
    mumbai = newsbot("ask", "What did the Supreme Court say about stray dogs in Mumbai?", cwd=workdir)
    assert mumbai.returncode == 1, mumbai.stderr
    assert mumbai.stdout.startswith("Nothing in the archive about **Mumbai**.")
    delhi = newsbot("ask", "What did the Supreme Court say about stray dogs in Delhi?", cwd=workdir)
    assert delhi.returncode == 0 and "Three-judge SC Bench may hear stray dog matter" in delhi.stdout.splitlines()[0]


def test_a_dotted_abbreviation_is_not_taken_for_words_the_archive_lacks(workdir: Path) -> None:
    # The seed writes "The United States"; "U.S." is the letters "u" and "s", which it never holds.
    result = newsbot("ask", "Did the U.S. confirm the attack on Putin's residence?", cwd=workdir)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[0].startswith("1. The United States Did Not Confirm an Alleged Ukrainian Attack")


def test_a_misspelt_name_is_corrected_and_said_so(workdir: Path) -> None:
    result = newsbot("ask", "Oreshnk misile", cwd=workdir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Showing results for **Oreshnik missile**."
    assert lines[1].startswith("1. The Use of the “Oreshnik” Missile")


def test_date_filters_and_bad_dates(workdir: Path) -> None:
    result = newsbot("ask", "Ukraine", "--after", "06.Jan.2026", "--before", "2026-01-06", "--json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert {hit["date"] for hit in json.loads(result.stdout)["hits"]} == {"2026-01-06"}
    bad = newsbot("ask", "Ukraine", "--after", "someday", cwd=workdir)
    assert bad.returncode == 2 and "cannot read date 'someday'" in bad.stderr


def test_missing_seeds_directory_is_one_clear_line(tmp_path: Path) -> None:
    result = newsbot("ask", "anything", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "newsbot: seeds directory seeds does not exist "
        "(setting: seeds_dir in config/newsbot.toml, or NEWSBOT_SEEDS_DIR)"
    ]


def test_wrong_config_value_names_the_key(workdir: Path) -> None:
    config = workdir / "bad.toml"
    config.write_text('engine = "lucene"\n[search]\nresults = 0\n')
    result = newsbot("--config", str(config), "ask", "x", cwd=workdir)
    assert result.returncode == 2
    assert "engine: Input should be 'tantivy' or 'rank-bm25' (got 'lucene')" in result.stderr
    assert "search.results: Input should be greater than or equal to 1 (got 0)" in result.stderr
    env = newsbot("ask", "x", cwd=workdir, env={"NEWSBOT_SEARCH__EXCERPT_CHARS": "5"})
    assert env.returncode == 2 and "NEWSBOT_SEARCH__EXCERPT_CHARS" in env.stderr


def test_token_in_config_file_is_refused(workdir: Path) -> None:
    config = workdir / "c.toml"
    config.write_text('discord_token = "abc"\n')
    result = newsbot("--config", str(config), "stats", cwd=workdir)
    assert result.returncode == 2 and "DISCORD_TOKEN" in result.stderr and "abc" not in result.stderr


def test_env_chooses_directories_and_reindex_latest_stats_work(workdir: Path, tmp_path: Path) -> None:
    env = {"NEWSBOT_SEEDS_DIR": str(workdir / "seeds"), "NEWSBOT_DATA_DIR": str(tmp_path / "elsewhere")}
    (workdir / "seeds" / "bad.txt").write_bytes(b"\x00\x01binary")
    reindex = newsbot("reindex", cwd=tmp_path, env=env)
    assert reindex.returncode == 0, reindex.stderr
    assert "articles: 1 added" in reindex.stdout
    assert "bad.txt: binary file, not text" in reindex.stdout
    latest = newsbot("latest", "-n", "2", cwd=tmp_path, env=env)
    assert latest.stdout.splitlines() == [
        "   14 January 2026  article   "
        "Sustainable peace in Karabakh will require cooperation of external players – ICG",
        "   11 January 2026  headline  Foreign Interests and Native Fatigue: Iran on the Brink",
    ]
    stats = newsbot("stats", cwd=tmp_path, env=env)
    assert "passages: 17" in stats.stdout and "headlines: 10" in stats.stdout
    assert (tmp_path / "elsewhere" / "newsbot.sqlite3").is_file()


def test_rank_bm25_engine_from_the_environment(workdir: Path) -> None:
    result = newsbot("ask", "Oreshnik", "--json", cwd=workdir, env={"NEWSBOT_ENGINE": "rank-bm25"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["hits"][0]["date"] == "2026-01-09"


@pytest.mark.parametrize("damage", ["truncated", "overwritten header", "random pages"])
def test_a_damaged_database_is_set_aside_reported_in_one_line_and_rebuilt(workdir: Path, damage: str) -> None:
    # Many articles, so the database spans many pages and a cut loses some of them.
    for i in range(60):
        body = " ".join(f"word{i}x{j} filler{j % 7}" for j in range(300))
        (workdir / "seeds" / f"a{i:02d}.md").write_text(f"---\ntitle: Article {i}\ndate: 2026-01-02\n---\n{body}.\n")
    assert newsbot("reindex", cwd=workdir).returncode == 0
    database = workdir / "data" / "newsbot.sqlite3"
    content = database.read_bytes()
    assert len(content) > 100_000
    if damage == "truncated":
        database.write_bytes(content[: len(content) // 3])
    elif damage == "overwritten header":
        database.write_bytes(b"\x00garbage" * 20 + content[160:])
    else:
        pages = bytearray(content)
        for start in range(8192, len(pages) - 4096, 16384):
            pages[start : start + 4096] = os.urandom(4096)
        database.write_bytes(bytes(pages))
    damaged = database.read_bytes()

    result = newsbot("ask", "Oreshnik missile", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert "Oreshnik" in result.stdout
    assert "Traceback" not in result.stderr
    reports = [line for line in result.stderr.splitlines() if "damaged" in line]
    assert len(reports) == 1, result.stderr
    aside = [p for p in (workdir / "data").iterdir() if ".damaged-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and aside[0].name in reports[0]
    assert aside[0].read_bytes() == damaged  # kept as it was, for the operator to inspect
    stats = newsbot("stats", cwd=workdir)
    assert stats.returncode == 0, stats.stderr
    assert "documents: 61" in stats.stdout  # every article rebuilt from the seeds


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The usual umask, under which files come out world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_data_directory_is_private_to_its_user(workdir: Path, usual_umask: None) -> None:
    result = newsbot("reindex", cwd=workdir)
    assert result.returncode == 0, result.stderr
    data = workdir / "data"
    assert data.stat().st_mode & 0o777 == 0o700
    files = [path for path in data.rglob("*") if path.is_file()]
    assert any(path.name == "newsbot.sqlite3" for path in files) and any(path.suffix == ".idx" for path in files)
    loose = {
        str(path.relative_to(data)): oct(path.stat().st_mode & 0o777) for path in files if path.stat().st_mode & 0o077
    }
    assert loose == {}
    for folder in (path for path in data.rglob("*") if path.is_dir()):
        assert folder.stat().st_mode & 0o077 == 0, folder


async def test_an_archive_opened_from_code_also_creates_private_files(tmp_path: Path, usual_umask: None) -> None:
    from newsbot.retrieval import Archive, ArchiveOptions

    (tmp_path / "seeds").mkdir()
    shutil.copy(SEED, tmp_path / "seeds" / SEED.name)
    archive = await Archive.open(ArchiveOptions(seeds_dir=tmp_path / "seeds", data_dir=tmp_path / "data"))
    try:
        await archive.reindex()
    finally:
        await archive.close()
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "data" / "newsbot.sqlite3").stat().st_mode & 0o777 == 0o600


def test_a_closed_output_pipe_ends_quietly(workdir: Path) -> None:
    padding = " ".join(["longer"] * 60)
    for i in range(300):  # ~130 KB of output: more than a pipe holds (64 KB), so `head` closes it mid-write
        (workdir / "seeds" / f"n{i:03d}.md").write_text(
            f"---\ntitle: Note {i} {padding}\ndate: 2026-01-{1 + i % 28:02d}\n---\nx.\n"
        )
    assert newsbot("reindex", cwd=workdir).returncode == 0
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    command = f"{sys.executable} -m newsbot.bot.cli latest -n 500 | head -1"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=workdir,
        env={**environment, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert len(result.stdout.splitlines()) == 1
    assert result.stderr == ""  # no BrokenPipeError traceback, no "Exception ignored"
    assert result.returncode == 141


def test_a_date_in_the_question_becomes_the_filter_and_is_stated(workdir: Path) -> None:
    # The seed's headlines carry their own dates; "Ukraine" is in several of them.
    result = newsbot("ask", "Ukraine news from 6 January 2026", "--json", "-k", "5", cwd=workdir)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["dates"] == {
        "read_as": "on 6 January 2026", "after": "2026-01-06", "before": "2026-01-06", "not_read": [],
        "relaxed": False,
    }  # fmt: skip
    assert answer["hits"] and {hit["date"] for hit in answer["hits"]} == {"2026-01-06"}
    text = newsbot("ask", "Ukraine news from 6 January 2026", cwd=workdir).stdout
    assert text.splitlines()[0] == "Sources dated on 6 January 2026."


def test_a_question_of_only_dates_lists_what_is_dated_then(workdir: Path) -> None:
    result = newsbot("ask", "what happened in January 2026?", cwd=workdir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Headlines and articles dated from 1 to 31 January 2026:"
    assert len(lines) > 3 and all("2026" in line for line in lines[1:])


def test_a_year_that_dates_the_event_not_the_article_still_finds_it_and_says_so(workdir: Path) -> None:
    # The seed page (January 2026) recalls the 2020 war; "in 2020" dates the war, not a source.
    result = newsbot("ask", "What did Azerbaijan regain in 2020?", cwd=workdir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Nothing dated from 1 January to 31 December 2020; these sources are from other dates."
    assert "Karabakh" in lines[1]


class Lines:
    """A process's stdout, line by line, read by a thread so a test can wait with a deadline."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        stream = process.stdout
        self.queue: queue.Queue[str] = queue.Queue()
        threading.Thread(
            target=lambda: [self.queue.put(line) for line in iter(stream.readline, "")], daemon=True
        ).start()

    def until(self, wanted: str, seconds: float = 30) -> str:
        """The next line holding `wanted` (the lines before it are skipped); fails after `seconds`."""
        while wanted not in (line := self.queue.get(timeout=seconds)):
            pass
        return line


def test_reindex_watch_indexes_a_file_dropped_later_then_stops_on_ctrl_c(workdir: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    env = {**environment, "PYTHONPATH": str(ROOT), "NEWSBOT_BOT__WATCH_SETTLE_SECONDS": "0.2"}
    process = subprocess.Popen(
        [sys.executable, "-m", "newsbot.bot.cli", "reindex", "--watch"],
        cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines = Lines(process)
    try:
        lines.until("Watching ")  # the first reindex is done, and the folder is watched
        (workdir / "seeds" / "sorghum.md").write_text(
            "---\ntitle: Sorghum harvest breaks records\ndate: 2026-01-15\n---\nA record sorghum harvest.\n",
            encoding="utf-8",
        )
        lines.until("articles: 1 added")
    finally:
        process.send_signal(signal.SIGINT)  # as Ctrl-C does
        process.wait(30)
    assert process.returncode == 130
    answer = newsbot("ask", "sorghum harvest", cwd=workdir)
    assert "Sorghum harvest breaks records" in answer.stdout


# A warm `ask` answers from the archive as it stands, with the options an earlier command validated
# (`cli.quick`): it must say exactly what the full path says, and never hide a config change.

WARM_COMMANDS = (
    ("ask", "What did the ICG say about Russia and Turkey?"),
    ("ask", "Oreshnik missile", "--json", "-k", "2"),
    ("ask", "What did the ICG say on 14 January 2026?"),
    ("ask", "news from January 2026"),
    ("ask", "Who won the 2022 FIFA World Cup?"),
    ("ask", "Oreshnik", "--after", "2026-01-10"),
    ("latest", "-n", "5"),
    ("latest", "--since", "2026-01-10"),
    ("latest", "--topic", "Oreshnik missile"),
    ("latest", "--topic", "sorghum"),  # nothing on it
)


def imported_pydantic(result: subprocess.CompletedProcess[str]) -> bool:
    """Whether a run made with PYTHONPROFILEIMPORTTIME loaded pydantic: the full path validates with it."""
    return re.search(r"^import time:.*\|\s+pydantic$", result.stderr, re.MULTILINE) is not None


def test_a_warm_ask_or_latest_says_what_the_full_path_says(workdir: Path, tmp_path: Path) -> None:
    assert newsbot("ask", "Oreshnik", cwd=workdir).returncode == 0  # builds, and caches the options
    no_cache = tmp_path / "not-a-folder"
    no_cache.write_text("")
    for command in WARM_COMMANDS:
        warm = newsbot(*command, cwd=workdir, env={"PYTHONPROFILEIMPORTTIME": "1"})
        full = newsbot(*command, cwd=workdir, env={"PYTHONPROFILEIMPORTTIME": "1", "XDG_CACHE_HOME": str(no_cache)})
        assert (warm.returncode, warm.stdout) == (full.returncode, full.stdout), command
        assert warm.stdout, command
        assert not imported_pydantic(warm) and imported_pydantic(full), command  # both paths were taken
    assert "Nothing in the archive about" in newsbot("ask", "Who won the 2022 FIFA World Cup?", cwd=workdir).stdout


def test_a_config_changed_after_a_warm_ask_is_validated_again(workdir: Path) -> None:
    assert newsbot("ask", "Oreshnik", cwd=workdir).returncode == 0
    assert newsbot("ask", "Oreshnik", cwd=workdir).returncode == 0  # warm
    (workdir / "config").mkdir()
    (workdir / "config" / "newsbot.toml").write_text("[search]\nresults = 0\n", encoding="utf-8")
    result = newsbot("ask", "Oreshnik", cwd=workdir)
    assert result.returncode == 2
    assert "config/newsbot.toml: search.results: Input should be greater than or equal to 1 (got 0)" in result.stderr
    (workdir / "config" / "newsbot.toml").write_text("[search]\nresults = 2\n", encoding="utf-8")
    assert newsbot("ask", "Oreshnik", cwd=workdir).returncode == 0
    for env in ({"NEWSBOT_SEARCH__RESULTS": "99"}, {"NEWSBOT_ENGINE": "lucene"}):
        result = newsbot("ask", "Oreshnik", cwd=workdir, env=env)
        assert result.returncode == 2 and "NEWSBOT_" in result.stderr, (env, result.stderr)
    (workdir / ".env").write_text("NEWSBOT_SEARCH__RESULS=1\n", encoding="utf-8")
    result = newsbot("ask", "Oreshnik", cwd=workdir)
    assert result.returncode == 2 and "did you mean NEWSBOT_SEARCH__RESULTS" in result.stderr


def test_a_warm_ask_leaves_a_lost_index_to_the_full_path(workdir: Path) -> None:
    first = newsbot("ask", "Oreshnik missile", cwd=workdir)
    assert first.returncode == 0, first.stderr
    shutil.rmtree(workdir / "data" / "index")
    again = newsbot("ask", "Oreshnik missile", cwd=workdir)
    assert (again.returncode, again.stdout) == (0, first.stdout), again.stderr
    assert "rebuilding the search index from the store" in again.stderr
    assert (workdir / "data" / "index" / "CURRENT").is_file()
