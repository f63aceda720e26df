"""What people read of the archive is text, never terminal commands or Discord markdown.

Example tests replay the security review's findings end to end (the CLI in a
subprocess, the bot against the local Discord API); property tests check
`bot.text` over arbitrary text and highlight spans.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsbot.bot.render import hit_embed, latest_line, link
from newsbot.bot.text import (
    ANSI_BOLD,
    ANSI_NORMAL,
    BIDI_CONTROLS,
    ELLIPSIS,
    discord_markdown,
    discord_plain,
    sanitize,
    terminal_text,
)
from newsbot.retrieval import Hit, LatestItem
from tests.bot.harness import LocalBot
from tests.bot.test_newsbot import answered
from tests.localdiscord import LocalDiscord
from tests.test_cli import newsbot as run_newsbot

# Clear screen, set the window title, and a hyperlink whose text hides its target.
TERMINAL_TITLE = "\x1b[2J\x1b]0;pwned\x07Title"
HIDDEN_LINK = "\x1b]8;;https://evil.example\x07vote\x1b]8;;\x07"
TERMINAL_ARTICLE = f"""---
title: {TERMINAL_TITLE}
date: 2026-01-10
---
The zoning board met. The {HIDDEN_LINK} was delayed.
"""

# The first line ends on a matched word; each paragraph after it opens with a
# markdown block construct. No sentence ends before them, so the excerpt quotes them all.
BLOCKS_ARTICLE = """---
title: Sorghum prices
date: 2026-01-15
---
Farmers said prices rose for sorghum

-# small print

- a list item

> quoted words

1. first point
"""

# U+202E turns the rest of a line around (stored "gnp.exe" reads "exe.png"), U+2066 isolates.
BIDI_ARTICLE = """---
title: Millet \u202egnp.exe\u202c report\x07 \u2066isolated\u2069
date: 2026-01-16
url: https://example.org/millet
---
Millet harvest \u202elarge\u202c rose\x1b[2J again \u200fthis\u061c year.
"""

BIDI_AND_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def crafted(tmp_path: Path) -> Path:
    """A working directory whose only article and one unreadable file are crafted for terminals."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "crafted.md").write_text(TERMINAL_ARTICLE, encoding="utf-8")
    (seeds / "evil\x1b]0;pwned\x07\u202e.txt").write_bytes(b"\x00\x01binary")
    return tmp_path


def test_ask_prints_no_terminal_escape_sequences(crafted: Path) -> None:
    result = run_newsbot("ask", "zoning board vote", cwd=crafted)
    assert result.returncode == 0, result.stderr
    for output in (result.stdout, result.stderr):  # stderr carries the first run's indexing report
        assert "\x1b" not in output and "\x07" not in output and "\u202e" not in output
    lines = result.stdout.splitlines()
    assert lines[0] == "1. [2J]0;pwnedTitle"
    assert lines[2] == "   > The **zoning** **board** met. The ]8;;https://evil.example**vote**]8;; was delayed."


def test_latest_prints_no_terminal_escape_sequences(crafted: Path) -> None:
    result = run_newsbot("latest", cwd=crafted)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert result.stdout.splitlines() == ["   10 January 2026  article   [2J]0;pwnedTitle"]


def test_reindex_report_prints_no_terminal_escape_sequences(crafted: Path) -> None:
    result = run_newsbot("reindex", cwd=crafted)
    assert result.returncode == 0, result.stderr
    assert not BIDI_AND_CONTROLS.search(result.stdout.replace("\n", ""))
    assert "    evil]0;pwned.txt: binary file, not text" in result.stdout.splitlines()


def test_json_output_escapes_what_a_terminal_would_act_on_and_stays_exact(crafted: Path) -> None:
    (crafted / "seeds" / "crafted.md").write_text(
        TERMINAL_ARTICLE.replace("Title", "Title \u202egnp\u202c \x9b2J \x7f"), encoding="utf-8"
    )
    result = run_newsbot("ask", "zoning board", "--json", cwd=crafted)
    assert result.returncode == 0, result.stderr
    assert not BIDI_AND_CONTROLS.search(result.stdout.replace("\n", ""))
    assert json.loads(result.stdout)["hits"][0]["title"] == TERMINAL_TITLE + " \u202egnp\u202c \x9b2J \x7f"


async def _add_article(newsbot: LocalBot, name: str, text: str) -> None:
    (newsbot.settings.seeds_dir / name).write_text(text, encoding="utf-8")
    await newsbot.archive.reindex()


async def test_markdown_after_a_highlight_is_escaped(server: LocalDiscord, newsbot: LocalBot) -> None:
    await _add_article(newsbot, "blocks.md", BLOCKS_ARTICLE)
    data = await answered(await server.slash("ask", {"question": "sorghum prices"}))
    assert data["embeds"][0]["description"].splitlines() == [
        "> Farmers said **prices** rose for **sorghum**",
        "> \\-# small print",
        "> \\- a list item",
        "> \\> quoted words",
        "> 1\\. first point",
    ]


async def test_bidi_and_control_characters_do_not_reach_discord(server: LocalDiscord, newsbot: LocalBot) -> None:
    await _add_article(newsbot, "millet.md", BIDI_ARTICLE)
    data = await answered(await server.slash("ask", {"question": "millet harvest"}))
    embed = data["embeds"][0]
    assert embed["title"] == "1. Millet gnp.exe report isolated"
    assert embed["description"] == "> **Millet** **harvest** large rose\\[2J again this year."
    assert not BIDI_AND_CONTROLS.search(embed["footer"]["text"])
    assert embed["footer"]["text"] == "16 January 2026 (2026-01-16) · article · millet.md"
    latest = await answered(await server.slash("latest", {"count": 1}))
    line = latest["embeds"][0]["description"]
    assert line == "`16 January 2026` 📰 [Millet gnp.exe report isolated](https://example.org/millet)"


# --- bot.text over arbitrary text --------------------------------------------------------------

# Characters the rules are about, mixed into arbitrary text so examples hit them often.
TRICKY = (
    list("\\*_~|`[]()<>#-+.)0123456789 \n\t\r")
    + list("\x00\x07\x1b\x7f\x85\x9b\u2028\u2029\ud800")
    + list(BIDI_CONTROLS)
    + ["-# ", "# ", "> ", ">>> ", "- ", "* ", "1. ", "**", "\n  ", "\n - ", "\n 2) ", "\n\t+ ", "\n  ## "]
)
texts = st.one_of(
    st.text(),  # any code point but lone surrogates: controls, bidi characters, other scripts
    st.lists(st.sampled_from([*TRICKY, "word", "  "]), max_size=30).map("".join),  # dense in markdown
    st.lists(st.one_of(st.characters(), st.sampled_from(TRICKY)), max_size=60).map("".join),
)
properties = settings(max_examples=300, deadline=None)
INLINE = set("\\*_~|`[]")


@st.composite
def highlighted(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]]]:
    """Text and sorted, non-overlapping `[start, end)` spans into it; spans may touch or be empty."""
    text = draw(texts)
    points = sorted(draw(st.lists(st.integers(0, len(text)), max_size=10)))
    return text, list(zip(points[::2], points[1::2], strict=False))


def tokens(markdown: str) -> list[tuple[str, str]]:
    """Discord's reading of our output, left to right: ("escaped", c), ("marker", "**") or ("plain", c)."""
    found, index = [], 0
    while index < len(markdown):
        if markdown[index] == "\\":
            assert index + 1 < len(markdown), "a lone backslash at the end"
            found.append(("escaped", markdown[index + 1]))
            index += 2
        elif markdown.startswith("**", index):
            found.append(("marker", "**"))
            index += 2
        else:
            found.append(("plain", markdown[index]))
            index += 1
    return found


def bold_text(markdown: str) -> list[tuple[str, bool]]:
    """Each shown character and whether it is bold; checks the markers pair up and are never empty."""
    shown, bold, previous = [], False, ""
    for kind, char in tokens(markdown):
        if kind == "marker":
            assert previous != "marker", "an empty bold run"
            bold = not bold
        else:
            shown.append((char, bold))
        previous = kind
    assert not bold, "a bold run left open"
    return shown


def expected_bold(text: str, spans: list[tuple[int, int]], multiline: bool) -> list[tuple[str, bool]]:
    covered = {i for start, end in spans for i in range(start, end)}
    return [(kept, i in covered) for i, char in enumerate(text) for kept in sanitize(char, multiline=multiline)]


def _without_newline_bold(shown: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    return [(char, bold and char != "\n") for char, bold in shown]


@properties
@given(highlighted(), st.booleans(), st.booleans())
def test_no_control_or_bidi_character_is_shown(
    case: tuple[str, list[tuple[int, int]]], multiline: bool, tty: bool
) -> None:
    text, spans = case
    terminal = terminal_text(text, spans, tty=tty).replace(ANSI_BOLD, "").replace(ANSI_NORMAL, "")
    outputs = [discord_markdown(text, spans, multiline=multiline), discord_plain(text), terminal]
    for output in outputs:
        assert not BIDI_AND_CONTROLS.search(output)
        assert not re.search("[\ud800-\udfff]", output)  # encodable as UTF-8, for terminals and JSON alike
    assert "\n" not in terminal and "\n" not in outputs[1]  # one line each


@properties
@given(highlighted(), st.booleans())
def test_discord_escaping_is_lossless_and_leaves_only_bold_markers(
    case: tuple[str, list[tuple[int, int]]], multiline: bool
) -> None:
    text, spans = case
    found = tokens(discord_markdown(text, spans, multiline=multiline))
    assert not [char for kind, char in found if kind == "plain" and char in INLINE]
    # Discord drops a backslash only before ASCII punctuation; anywhere else it would be shown.
    assert all(re.fullmatch(r"[!-/:-@\[-`{-~]", char) for kind, char in found if kind == "escaped")
    assert "".join(char for kind, char in found if kind != "marker") == sanitize(text, multiline=multiline)


BLOCK_START = re.compile(r"#|-|>|\+|\*|\d+[.)]")


@properties
@given(highlighted())
def test_no_line_opens_a_markdown_block(case: tuple[str, list[tuple[int, int]]]) -> None:
    text, spans = case
    for line in discord_markdown(text, spans, multiline=True).split("\n"):
        found = tokens(line)
        # Indentation and bold markers do not stop Discord reading a block opener after them.
        while found and (found[0][0] == "marker" or found[0][1].isspace()):
            found.pop(0)
        start = "".join(char if kind == "plain" else "\0" for kind, char in found)
        assert not BLOCK_START.match(start), line


@properties
@given(highlighted(), st.booleans())
def test_highlighted_words_are_bold_exactly(case: tuple[str, list[tuple[int, int]]], multiline: bool) -> None:
    text, spans = case
    expected = _without_newline_bold(expected_bold(text, spans, multiline))
    assert bold_text(discord_markdown(text, spans, multiline=multiline)) == expected
    terminal = terminal_text(text, spans, tty=True)
    shown, bold = [], False
    for part in re.split(f"({re.escape(ANSI_BOLD)}|{re.escape(ANSI_NORMAL)})", terminal):
        if part in (ANSI_BOLD, ANSI_NORMAL):
            assert bold == (part == ANSI_NORMAL)
            bold = part == ANSI_BOLD
        else:
            shown.extend((char, bold) for char in part)
    assert not bold and shown == expected_bold(text, spans, multiline=False)


@properties
@given(highlighted(), st.integers(1, 120))
def test_clipped_markdown_keeps_the_limit_and_stays_well_formed(
    case: tuple[str, list[tuple[int, int]]], limit: int
) -> None:
    text, spans = case
    whole = discord_markdown(text, spans, multiline=True, quote=True)
    clipped = discord_markdown(text, spans, multiline=True, quote=True, limit=limit)
    assert len(clipped) <= limit
    if len(whole) <= limit:
        assert clipped == whole
        return
    assert clipped.endswith(ELLIPSIS)
    body = "\n".join(line.removeprefix("> ") for line in clipped.removesuffix(ELLIPSIS).split("\n"))
    shown = "".join(char for char, _ in bold_text(body))  # checks escapes and bold are whole
    assert "".join(sanitize(text, multiline=True).split()).startswith("".join(shown.split()))


@properties
@given(texts, st.integers(1, 80))
def test_plain_discord_text_keeps_the_limit(text: str, limit: int) -> None:
    clipped = discord_plain(text, limit=limit)
    assert len(clipped) <= limit and not BIDI_AND_CONTROLS.search(clipped) and "\n" not in clipped


def test_a_cut_never_leaves_half_an_escape_or_an_open_bold() -> None:
    text = "a " + "\\" * 20
    assert discord_markdown(text, limit=12) == "a " + "\\\\" * 4 + ELLIPSIS
    assert discord_markdown("x" * 10, [(0, 10)], limit=8) == "**xxx**" + ELLIPSIS


def test_quoted_excerpt_counts_its_quote_marks_in_the_limit() -> None:
    text = "\n\n".join(f"line {i} words" for i in range(50))
    clipped = discord_markdown(text, multiline=True, quote=True, limit=100)
    assert len(clipped) <= 100 and all(line.startswith("> ") for line in clipped.splitlines())


def test_a_url_cannot_close_its_masked_link_early() -> None:
    url = "https://example.org/a)**pwned**[click](https://evil.example"
    item = LatestItem(title="Title", date=None, kind="headline", url=url, file="f.md")
    line = latest_line(item)
    assert line.endswith("[Title](https://example.org/a%29**pwned**[click]%28https://evil.example)")
    assert link("https://example.org/\u202egnp.exe") is None and link("https://example.org/\x1b[2J") is None


async def test_reindex_report_in_discord_drops_bidi_characters_of_file_names(
    server: LocalDiscord, newsbot: LocalBot
) -> None:
    (newsbot.settings.seeds_dir / "evil\u202egnp\x1b.txt").write_bytes(b"\x00\x01binary")
    ix = await server.slash("reindex", permissions=1 << 5)  # MANAGE_GUILD
    await ix.response()
    description = (await ix.followup()).json["embeds"][0]["description"]
    assert "evilgnp.txt" in description and not BIDI_AND_CONTROLS.search(description.replace("\n", ""))


@properties
@given(highlighted(), st.lists(highlighted(), max_size=2), st.integers(200, 4096))
def test_an_answer_with_every_quote_keeps_the_description_limit(
    excerpt: tuple[str, list[tuple[int, int]]], others: list[tuple[str, list[tuple[int, int]]]], limit: int
) -> None:
    (more, more_spans), (further, further_spans) = [*others, ("", []), ("", [])][:2]
    hit = Hit(
        passage_id=1, document_id=1, kind="body", title="T", date=None, date_human="undated", url=None, file="a.md",
        score=1.0, excerpt=excerpt[0] or "x", highlights=excerpt[1] if excerpt[0] else [], passage="",
        more=more, more_highlights=more_spans, further=further if more else "", further_highlights=further_spans,
    )  # fmt: skip
    description = hit_embed(hit, 1, limit).description or ""
    assert len(description) <= limit
    assert description.count("\n> …\n") <= sum(bool(text) for text in (hit.more, hit.further))
