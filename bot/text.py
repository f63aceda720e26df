"""Text from the archive made safe to show people, on a terminal and in Discord.

Titles, excerpts and file names come from scraped pages and from the file
system, so they can carry things a terminal or Discord acts on instead of
showing: escape sequences (clear the screen, retitle the window, a hyperlink
whose text hides its target), bidirectional controls that make text read in
another order than it is stored ("gnp.exe" shown as "exe.png"), and Discord
markdown. Every front end renders such text through this module:

- `sanitize` drops what no reader should receive;
- `discord_markdown` escapes Discord's markdown over the whole text and only
  then bolds the highlighted words, so the bold markers are the only markdown
  left, and clips the result to a Discord limit;
- `discord_plain` is for embed parts Discord shows as typed (footers);
- `terminal_text` marks highlights with ANSI bold on a terminal, `**` otherwise;
- `terminal_json` writes JSON whose strings cannot act on a terminal.

The work is done character by character, so highlight spans (offsets into the
raw text) follow every character to its place in the output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

ELLIPSIS = "…"
BOLD = "**"
ANSI_BOLD, ANSI_NORMAL = "\x1b[1m", "\x1b[22m"  # SGR 22 ends bold without resetting colours

# Controls that lay text out (tab, carriage return, form feed, the C0 separators
# and NEL) become a space, so the words on either side stay apart.
_SPACING = "\t\v\f\r\x1c\x1d\x1e\x1f\x85"
# Both JavaScript's multiline `^` (Discord's markdown parser) and Python's
# `splitlines` start a new line after these, so they count as newlines.
_LINE_BREAKS = "\n\u2028\u2029"
# Unicode bidirectional controls: arabic letter mark, LRM/RLM, the embeddings
# and overrides U+202A–U+202E, and the isolates U+2066–U+2069.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]  # C0, DEL, C1
_SURROGATES = range(0xD800, 0xE000)  # lone halves from undecodable file names: UTF-8 cannot encode them

# Discord's inline markdown: the escape itself, bold/italic `*`, italic and
# underline `_`, strikethrough `~~`, spoiler `||`, code `` ` ``, masked links `[..](..)`.
# Discord drops a backslash before any ASCII punctuation, so escaping is lossless.
# `<` (mentions) is left alone: replies send `allowed_mentions` with no parse, so nobody is pinged.
_INLINE = frozenset("\\*_~|`[]")
# What opens a block at the start of a line, after any indentation: headings
# `#`, subtext `-#`, list items `-`/`+` (and `*`, already inline), block quotes `>`.
_BLOCK_OPENERS = frozenset("#->+")
# An ordered list item is ASCII digits followed by one of these at a line start.
_ORDERED_MARKERS = frozenset(".)")
_ASCII_DIGITS = frozenset("0123456789")


def _table(multiline: bool) -> dict[int, str | None]:
    table: dict[int, str | None] = dict.fromkeys(_CONTROLS)
    table.update(dict.fromkeys(_SURROGATES))
    table.update({ord(c): " " for c in _SPACING})
    table.update({ord(c): "\n" if multiline else " " for c in _LINE_BREAKS})
    table.update(dict.fromkeys(map(ord, BIDI_CONTROLS)))
    return table


_ONE_LINE, _MULTILINE = _table(multiline=False), _table(multiline=True)


def sanitize(text: str, *, multiline: bool = False) -> str:
    """`text` without control characters, bidirectional controls or lone surrogates.

    Layout controls become a space; newlines are kept only where a newline is
    meaningful (`multiline`, e.g. an excerpt's paragraphs), else they are a
    space too, so a title or file name always stays on its one line.
    Each character is handled on its own: `sanitize(a + b) == sanitize(a) + sanitize(b)`.
    """
    return text.translate(_MULTILINE if multiline else _ONE_LINE)


class _Piece(NamedTuple):
    """One sanitised character: what it becomes in the output, and whether it is highlighted."""

    char: str
    out: str
    bold: bool


def _highlighted(length: int, highlights: Iterable[tuple[int, int]]) -> list[bool]:
    mask = [False] * length
    for start, end in highlights:
        for index in range(max(start, 0), min(end, length)):
            mask[index] = True
    return mask


def _pieces(text: str, highlights: Iterable[tuple[int, int]], multiline: bool) -> list[_Piece]:
    """The sanitised characters of `text`, each flagged if a highlight covers the raw character.

    Newlines are never bold: a bold run ends at a line's end, so every line,
    and every line of a block quote, carries its own pair of markers.
    """
    table = _MULTILINE if multiline else _ONE_LINE
    pieces = []
    for char, bold in zip(text, _highlighted(len(text), highlights), strict=True):
        if kept := table.get(ord(char), char):  # what `sanitize` makes of it
            pieces.append(_Piece(kept, kept, bold and kept != "\n"))
    return pieces


def _escaped(pieces: Sequence[_Piece]) -> list[_Piece]:
    """Every piece escaped for Discord, with the line-start rules applied along the way.

    Block constructs only count at a line start, which a piece cannot see on its
    own, so one pass tracks whether the line so far is indentation (`start`) or
    indentation then digits (`digits`).
    """
    escaped = []
    state = "start"
    for piece in pieces:
        char, out = piece.char, piece.char
        if char == "\n":
            state = "start"
        elif _is_markdown(char, state):
            out, state = "\\" + char, "other"
        elif state in ("start", "digits") and char in _ASCII_DIGITS:
            state = "digits"
        elif not (state == "start" and char.isspace()):
            state = "other"
        escaped.append(piece._replace(out=out))
    return escaped


def _is_markdown(char: str, state: str) -> bool:
    """Whether Discord would read `char` as markdown where the line so far is in `state`."""
    return (
        char in _INLINE
        or (state == "start" and char in _BLOCK_OPENERS)
        or (state == "digits" and char in _ORDERED_MARKERS)
    )


def _marked(pieces: Sequence[_Piece], open_mark: str, close_mark: str) -> str:
    """The pieces' output with each run of highlighted pieces between one pair of marks.

    Adjacent highlights merge into one run: Discord would read `**a****b**` as
    bold "a**b", not as two bold words.
    """
    parts: list[str] = []
    bold = False
    for piece in pieces:
        if piece.bold != bold:
            parts.append(open_mark if piece.bold else close_mark)
            bold = piece.bold
        parts.append(piece.out)
    if bold:
        parts.append(close_mark)
    return "".join(parts)


def _block_quote(text: str) -> str:
    """Every non-blank line as a Discord block quote (`> `); blank lines would end the quote."""
    return "\n".join("> " + line for line in text.split("\n") if line.strip())


def _layout(pieces: Sequence[_Piece], quote: bool, ellipsis: bool) -> str:
    text = _marked(pieces, BOLD, BOLD)
    if quote:
        text = _block_quote(text)
    return text + ELLIPSIS if ellipsis else text


def _word_cut(pieces: Sequence[_Piece], cut: int) -> int:
    """`cut` moved back to the last word boundary (when one is in the second half), trailing spaces dropped."""
    if cut < len(pieces) and not pieces[cut].char.isspace():
        space = next((i for i in range(cut - 1, cut // 2, -1) if pieces[i].char.isspace()), None)
        cut = space if space is not None else cut
    while cut and pieces[cut - 1].char.isspace():
        cut -= 1
    return cut


def _fit(pieces: Sequence[_Piece], quote: bool, limit: int) -> str:
    """The pieces laid out within `limit` characters, cut at a word boundary with an ellipsis.

    The cut is made on characters, before the layout, so it never splits an
    escape (`\\*`) or leaves a bold run open: the layout closes what it opened.
    Adding a character never shortens the layout, so the longest prefix that
    fits is found by bisection.
    """
    if len(text := _layout(pieces, quote, ellipsis=False)) <= limit:
        return text
    low, high = 0, len(pieces) - 1  # the layout of `pieces[:low]` plus an ellipsis fits (or low is 0)
    while low < high:
        middle = (low + high + 1) // 2
        if len(_layout(pieces[:middle], quote, ellipsis=True)) <= limit:
            low = middle
        else:
            high = middle - 1
    return _layout(pieces[: _word_cut(pieces, low)], quote, ellipsis=True)[:limit]


def discord_markdown(
    text: str,
    highlights: Iterable[tuple[int, int]] = (),
    *,
    multiline: bool = False,
    quote: bool = False,
    limit: int | None = None,
) -> str:
    """`text` for a Discord message or embed part that renders markdown: sanitised, escaped, highlights bold.

    `highlights` are `[start, end)` spans into the raw `text`. Escaping covers
    the whole text first, so markdown reaching across a highlight (a `-#` on
    the line after a bold word) is escaped like any other; the `**` around the
    highlights are added after it and are the only markdown in the result.
    `quote` makes every line a block quote; `limit` is the Discord length limit
    the whole result, quote marks and ellipsis included, must keep.
    """
    pieces = _escaped(_pieces(text, highlights, multiline))
    if limit is None:
        return _layout(pieces, quote, ellipsis=False)
    return _fit(pieces, quote, limit)


def discord_plain(text: str, *, limit: int | None = None) -> str:
    """`text` for an embed part Discord shows as typed (a footer): sanitised, on one line, not escaped.

    Discord renders no markdown in embed footers, so escaping would show its backslashes.
    """
    pieces = _pieces(text, (), multiline=False)
    if limit is None:
        return _layout(pieces, quote=False, ellipsis=False)
    return _fit(pieces, quote=False, limit=limit)


def terminal_text(text: str, highlights: Iterable[tuple[int, int]] = (), *, tty: bool = False) -> str:
    """`text` for one line of terminal output: sanitised, highlights in bold.

    Bold is ANSI on a terminal (`tty`) and `**` in a file or pipe, where escape
    codes would be noise. The only escape codes in the result are our own.
    """
    open_mark, close_mark = (ANSI_BOLD, ANSI_NORMAL) if tty else (BOLD, BOLD)
    return _marked(_pieces(text, highlights, multiline=False), open_mark, close_mark)


# What JSON would otherwise write as is: DEL, C1 controls, bidirectional controls,
# lone surrogates (C0 controls are always escaped by `json.dumps`).
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{BIDI_CONTROLS}\ud800-\udfff]")


def terminal_json(document: str) -> str:
    """A JSON document from `json.dumps(..., ensure_ascii=False)` with terminal-unsafe characters as `\\uXXXX`.

    JSON reads `\\u202e` and the character itself the same, so the data is unchanged;
    only a terminal printing the document no longer acts on it.
    """
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", document)
