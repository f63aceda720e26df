"""Settings as an operator meets them: a config file, the environment, an untracked `.env`.

Every wrong value is named by key and by the place it was really set, and no
message ever repeats a value read from the environment or `.env`, or one under
a key that looks like a secret: error lines end up in logs and bug reports.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsbot.bot.settings import ConfigError, Settings, load_settings
from newsbot.retrieval.options import ArchiveOptions
from tests.conftest import ROOT, SEED

SECRET = "abc.def.ghi"


def _clear_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("NEWSBOT_") or name.upper() == "DISCORD_TOKEN":
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder (its `.env` and `config/` are the ones read) and no newsbot variables."""
    _clear_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_config(folder: Path, text: str) -> Path:
    (folder / "config").mkdir(exist_ok=True)
    path = folder / "config" / "newsbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def write_dotenv(folder: Path, text: str) -> None:
    (folder / ".env").write_text(text, encoding="utf-8")


def refusal(**overrides: object) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, **overrides)
    return str(caught.value)


# Finding 1: a token under any key of the config file, and secret-looking variables.


@pytest.mark.parametrize(
    "key", ["token", "discord_token", "bot_token", "discord-token", "api_key", "secret", "Password"]
)
def test_a_secret_under_a_config_table_is_refused_by_name_without_its_value(folder: Path, key: str) -> None:
    write_config(folder, f'[bot]\ncooldown_seconds = 1.0\n{key} = "{SECRET}"\n')
    message = refusal()
    assert message == (
        f"config/newsbot.toml: [bot] {key} looks like a secret; put the Discord token in DISCORD_TOKEN "
        "(environment or .env), never in the config file"
    )


def test_a_secret_at_any_depth_of_the_config_file_is_refused(folder: Path) -> None:
    write_config(
        folder,
        f'token = "{SECRET}"\n[search.deeper]\nMY_API_KEY = "{SECRET}"\n[[plugins]]\nname = "x"\nsecret = "{SECRET}"\n',
    )
    lines = refusal().splitlines()
    assert [line.split(" looks like")[0] for line in lines] == [
        "config/newsbot.toml: token",
        "config/newsbot.toml: [search.deeper] MY_API_KEY",
        "config/newsbot.toml: [plugins[0]] secret",
    ]
    assert SECRET not in "\n".join(lines)


@pytest.mark.parametrize("name", ["NEWSBOT_BOT__TOKEN", "NEWSBOT_BOT_TOKEN", "NEWSBOT_API_KEY", "newsbot_secret"])
def test_a_secret_looking_environment_variable_is_refused_without_its_value(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, SECRET)
    message = refusal()
    assert message.startswith(f"environment variable {name} looks like a secret")
    assert "DISCORD_TOKEN" in message and SECRET not in message


def test_a_secret_looking_dotenv_variable_is_refused_without_its_value(folder: Path) -> None:
    write_dotenv(folder, f"NEWSBOT_BOT__TOKEN={SECRET}\n")
    message = refusal()
    assert message.startswith(".env: NEWSBOT_BOT__TOKEN looks like a secret")
    assert SECRET not in message


# Finding 2: other programs' variables in .env, and typos named as written.


def test_other_programs_variables_in_dotenv_are_ignored_silently(folder: Path) -> None:
    write_dotenv(
        folder,
        "OPENAI_API_KEY=sk-secret\nDATABASE_URL=postgres://u:sk-secret@h/db\nexport AWS_SECRET=sk-secret\n"
        "DISCORD_TOKEN=discord-from-dotenv\nNEWSBOT_SEARCH__RESULTS=4\n",
    )
    loaded = load_settings()
    assert loaded.search.results == 4
    assert loaded.discord_token is not None
    assert loaded.discord_token.get_secret_value() == "discord-from-dotenv"
    assert "sk-secret" not in repr(loaded) and "discord-from-dotenv" not in repr(loaded)


def test_an_unknown_newsbot_variable_in_dotenv_is_named_as_written(folder: Path) -> None:
    write_dotenv(folder, "NEWSBOT_TYPO=1\n")
    message = refusal()
    assert message.startswith(".env: NEWSBOT_TYPO is not a newsbot setting")
    assert "NEWSBOT_NEWSBOT" not in message


def test_an_unknown_newsbot_variable_in_the_environment_is_named_with_a_suggestion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSBOT_SEARCH_RESULTS", "secret-ish-value")
    message = refusal()
    assert message.startswith("environment variable NEWSBOT_SEARCH_RESULTS is not a newsbot setting")
    assert "NEWSBOT_SEARCH__RESULTS" in message  # the suggestion
    assert "secret-ish-value" not in message


def test_newsbot_config_in_the_environment_is_not_a_typo(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = folder / "other.toml"
    other.write_text("[search]\nresults = 7\n", encoding="utf-8")
    monkeypatch.setenv("NEWSBOT_CONFIG", str(other))
    assert load_settings().search.results == 7


# Finding 3: the real source of each wrong value.


def test_a_wrong_value_in_the_environment_names_the_variable_not_its_value(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(folder, "[search]\nresults = 3\n")
    monkeypatch.setenv("NEWSBOT_SEARCH__RESULTS", "999")
    message = refusal()
    assert message == (
        "environment variable NEWSBOT_SEARCH__RESULTS: search.results: Input should be less than or equal to 25"
    )


def test_a_wrong_value_in_dotenv_names_dotenv_and_the_variable(folder: Path) -> None:
    write_config(folder, "[search]\nresults = 3\n")
    write_dotenv(folder, "NEWSBOT_SEARCH__RESULTS=999\n")
    assert refusal() == ".env: NEWSBOT_SEARCH__RESULTS: search.results: Input should be less than or equal to 25"


def test_a_wrong_value_in_the_config_file_names_the_file_and_key_and_shows_the_value(folder: Path) -> None:
    write_config(folder, "[search]\nresults = 999\n")
    assert refusal() == "config/newsbot.toml: search.results: Input should be less than or equal to 25 (got 999)"


def test_a_json_variable_names_the_variable_and_the_key_inside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_SEARCH", '{"results": 999}')
    assert refusal() == "environment variable NEWSBOT_SEARCH: search.results: Input should be less than or equal to 25"


def test_a_list_variable_that_is_not_json_is_named_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_BOT__QA_CHANNEL_IDS", "12,private-channel")
    message = refusal()
    assert message.startswith("environment variable NEWSBOT_BOT__QA_CHANNEL_IDS: bot.qa_channel_ids")
    assert "JSON" in message and "private-channel" not in message


def test_a_table_level_error_names_every_place_that_set_the_table(folder: Path) -> None:
    write_config(folder, "[chunking]\npassage_chars = 200\n")
    write_dotenv(folder, "NEWSBOT_CHUNKING__OVERLAP_CHARS=400\n")
    assert refusal() == (
        ".env: NEWSBOT_CHUNKING__OVERLAP_CHARS and config/newsbot.toml: chunking: "
        "Value error, overlap_chars must be smaller than passage_chars"
    )


def test_several_problems_are_one_line_each(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(folder, 'engine = "lucene"\n')
    monkeypatch.setenv("NEWSBOT_BOT__COOLDOWN_SECONDS", "-1")
    assert refusal().splitlines() == [
        "config/newsbot.toml: engine: Input should be 'tantivy' or 'rank-bm25' (got 'lucene')",
        "environment variable NEWSBOT_BOT__COOLDOWN_SECONDS: bot.cooldown_seconds: "
        "Input should be greater than or equal to 0",
    ]


# The autouse folder and environment are the same for every example, and each example cleans up.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(
        ["NEWSBOT_ENGINE", "NEWSBOT_SEARCH__RESULTS", "NEWSBOT_BOT__QA_CHANNEL_IDS", "NEWSBOT_CHUNKING", "NEWSBOT_BOT"]
    ),
    tail=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="'\\"), max_size=20),
    in_dotenv=st.booleans(),
)
def test_no_value_from_the_environment_or_dotenv_is_ever_echoed(name: str, tail: str, in_dotenv: bool) -> None:
    value = f"Zq9{tail}"  # never a valid value for these settings, and not a word a message uses
    with pytest.MonkeyPatch.context() as patch:
        if in_dotenv:
            Path(".env").write_text(f"{name}='{value}'\n", encoding="utf-8")
        else:
            patch.setenv(name, value)
        try:
            with pytest.raises(ConfigError) as caught:
                load_settings()
        finally:
            Path(".env").unlink(missing_ok=True)
    assert "Zq9" not in str(caught.value)
    assert name in str(caught.value)


# Behaviour kept.


def test_precedence_environment_then_dotenv_then_file_then_defaults(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(folder, "[search]\nresults = 5\nmin_score = 2.0\nexcerpt_chars = 300\n[bot]\ncooldown_seconds = 3\n")
    write_dotenv(folder, "NEWSBOT_SEARCH__RESULTS=6\nNEWSBOT_SEARCH__MIN_SCORE=0.5\n")
    monkeypatch.setenv("NEWSBOT_SEARCH__RESULTS", "7")
    monkeypatch.setenv("DISCORD_TOKEN", "from-environment")
    loaded = load_settings()
    assert (loaded.search.results, loaded.search.min_score, loaded.search.excerpt_chars) == (7, 0.5, 300)
    assert loaded.bot.cooldown_seconds == 3.0 and loaded.bot.max_question_chars == 300
    assert isinstance(loaded, Settings) and loaded.discord_token is not None
    assert loaded.discord_token.get_secret_value() == "from-environment"
    assert "from-environment" not in repr(loaded) and "from-environment" not in str(dataclasses.asdict(loaded))


def test_the_token_is_read_from_dotenv_and_the_environment_wins(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_dotenv(folder, "DISCORD_TOKEN=from-dotenv\nOTHER_TOOL_TOKEN=not-ours\n")
    loaded = load_settings()
    assert loaded.discord_token is not None and loaded.discord_token.get_secret_value() == "from-dotenv"
    monkeypatch.setenv("NEWSBOT_DISCORD_TOKEN", "newsbot-prefixed")
    assert load_settings().discord_token.get_secret_value() == "newsbot-prefixed"  # type: ignore[union-attr]
    monkeypatch.setenv("DISCORD_TOKEN", "from-environment")  # the documented name wins
    assert load_settings().discord_token.get_secret_value() == "from-environment"  # type: ignore[union-attr]


def test_a_table_from_a_variable_merges_with_the_file_key_by_key(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(folder, "[bot]\ncooldown_seconds = 3\nresults_per_page = 2\n[search]\nresults = 4\n")
    monkeypatch.setenv("NEWSBOT_BOT", '{"results_per_page": 4, "qa_channel_ids": [1, 2]}')
    monkeypatch.setenv("NEWSBOT_BOT__WATCH_SEEDS", "false")
    monkeypatch.setenv("newsbot_search__min_score", "2.5")  # names are read case-blind
    loaded = load_settings()
    assert (loaded.bot.cooldown_seconds, loaded.bot.results_per_page, loaded.bot.qa_channel_ids) == (3.0, 4, [1, 2])
    assert loaded.bot.watch_seeds is False
    assert (loaded.search.results, loaded.search.min_score) == (4, 2.5)


def test_overrides_from_code_still_win(folder: Path) -> None:
    write_config(folder, "[bot]\ncooldown_seconds = 3\n")
    loaded = load_settings(None, seeds_dir=folder / "s", data_dir=folder / "d", bot={"results_per_page": 2})
    assert loaded.seeds_dir == folder / "s" and loaded.bot.results_per_page == 2
    assert loaded.bot.cooldown_seconds == 3.0
    assert refusal(bot={"results_per_page": 9}) == (
        "load_settings argument: bot.results_per_page: Input should be less than or equal to 5 (got 9)"
    )


def test_a_bad_token_in_the_config_file_exits_2_from_the_shell_without_the_token(folder: Path) -> None:
    (folder / "seeds").mkdir()
    shutil.copy(SEED, folder / "seeds" / SEED.name)
    write_config(folder, f'[bot]\ntoken = "{SECRET}"\n')
    environment = {k: v for k, v in os.environ.items() if not k.upper().startswith(("NEWSBOT_", "DISCORD_"))}
    result = subprocess.run(
        [sys.executable, "-m", "newsbot.bot.cli", "stats"],
        cwd=folder,
        env={**environment, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "newsbot: config/newsbot.toml: [bot] token looks like a secret; put the Discord token in DISCORD_TOKEN "
        "(environment or .env), never in the config file"
    ]
    assert SECRET not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("key", "variable"),
    [
        ("max_removal_share", "NEWSBOT_MAX_REMOVAL_SHARE"),
        ("max_file_mb", "NEWSBOT_MAX_FILE_MB"),
        ("search.min_score", "NEWSBOT_SEARCH__MIN_SCORE"),
        ("search.partial_coverage", "NEWSBOT_SEARCH__PARTIAL_COVERAGE"),
    ],
)
def test_not_a_number_is_refused_wherever_a_range_is_checked(
    folder: Path, monkeypatch: pytest.MonkeyPatch, key: str, variable: str
) -> None:
    # NaN compares false with everything: a range check written as "below the floor" lets it through,
    # and a NaN max_removal_share would let a reindex of an emptied seeds folder remove every article.
    monkeypatch.setenv(variable, "nan")
    assert refusal().startswith(f"environment variable {variable}: {key}: Input should be ")
    monkeypatch.delenv(variable)
    table, _, name = key.rpartition(".")
    write_config(folder, (f"[{table}]\n" if table else "") + f"{name} = nan\n")
    assert refusal().startswith(f"config/newsbot.toml: {key}: Input should be ")
    with pytest.raises(ValueError, match="Input should be"):
        ArchiveOptions(max_removal_share=float("nan"))
