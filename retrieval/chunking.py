"""Cutting articles into passages: the units BM25 ranks and excerpts are quoted from.

Passages follow sentence boundaries so an excerpt never starts mid-sentence, and
each "Latest news" headline is a passage of its own, dated with its own date.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from newsbot.retrieval.documents import Document  # pydantic: not for a shell `ask`, which only splits sentences

PassageKind = Literal["title", "body", "headline"]

# A sentence ends at . ! ? (optionally followed by closing quotes or brackets)
# before whitespace and a capital, digit or opening quote. Initials and common
# abbreviations ("U.S.", "Mr.", "Jan.") are not sentence ends.
_SENTENCE_END = re.compile(r"""(?<=[.!?])(["'”’»)\]]*)\s+(?=["'“‘«(\[]?[A-Z0-9\u00c0-\u024f])""")
_NOT_AN_END = re.compile(
    r"(?:\b[A-Z]\.|\b(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gen|Col|St|Jr|Sr|vs|etc|No|Inc|Ltd|Co|Corp|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.)$"
)


class Span(NamedTuple):
    """A sentence or passage as `[start, end)` character offsets into a text.

    A tuple rather than a frozen dataclass: chunking makes millions of them.
    """

    start: int
    end: int


class Passage(NamedTuple):
    """A rankable piece of a document. Offsets point into `Document.body` for body passages."""

    kind: PassageKind
    text: str
    start: int
    end: int
    date: date | None


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of `text[start:end]` as offsets into `text`, whitespace trimmed."""
    stop = len(text) if end is None else end
    spans: list[Span] = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, stop):
        if _NOT_AN_END.search(text, max(cursor, match.start() - 6), match.start()):
            continue
        _append_trimmed(spans, text, cursor, match.end(1))
        cursor = match.end()
    _append_trimmed(spans, text, cursor, stop)
    return spans


def _append_trimmed(spans: list[Span], text: str, start: int, end: int) -> None:
    # `str.strip` by offsets: no copy of the segment, which millions of sentences would cost.
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append(Span(start, end))


def _paragraph_spans(body: str) -> list[Span]:
    spans: list[Span] = []
    cursor = 0
    for match in re.finditer(r"\n\s*\n", body):
        _append_trimmed(spans, body, cursor, match.start())
        cursor = match.end()
    _append_trimmed(spans, body, cursor, len(body))
    return spans


def _split_long(span: Span, body: str, target: int) -> list[Span]:
    # A "sentence" longer than the target (scraped tables, lists without
    # punctuation) is cut at the last space before the target instead.
    if span.end - span.start <= target:
        return [span]
    pieces: list[Span] = []
    start = span.start
    while span.end - start > target:
        cut = body.rfind(" ", start + target // 2, start + target)
        cut = cut if cut > start else start + target
        _append_trimmed(pieces, body, start, cut)
        start = cut
    _append_trimmed(pieces, body, start, span.end)
    return pieces


def body_passages(body: str, target_chars: int, overlap_chars: int) -> list[Span]:
    """Greedy sentence packing to about `target_chars`, carrying up to `overlap_chars`
    of trailing sentences into the next passage so an answer split across a
    boundary is still found whole. A paragraph break starts a new passage once the
    current one is at least half full."""
    sentences: list[tuple[Span, bool]] = []  # (sentence, starts a paragraph)
    for paragraph in _paragraph_spans(body):
        for index, sentence in enumerate(sentence_spans(body, paragraph.start, paragraph.end)):
            for piece_index, piece in enumerate(_split_long(sentence, body, target_chars)):
                sentences.append((piece, index == 0 and piece_index == 0))

    passages: list[Span] = []
    current: list[Span] = []
    fresh = 0  # sentences in `current` not already in the previous passage
    for sentence, starts_paragraph in sentences:
        if current:
            size = sentence.end - current[0].start
            half_full = current[-1].end - current[0].start >= target_chars // 2
            if size > target_chars or (starts_paragraph and half_full):
                passages.append(Span(current[0].start, current[-1].end))
                carried: list[Span] = []
                for previous in reversed(current):
                    if current[-1].end - previous.start > overlap_chars:
                        break
                    carried.insert(0, previous)
                if starts_paragraph or (carried and sentence.end - carried[0].start > target_chars):
                    carried = []
                current = carried
                fresh = 0
        current.append(sentence)
        fresh += 1
    if current and fresh:
        passages.append(Span(current[0].start, current[-1].end))
    return passages


def passages_for(document: Document, target_chars: int, overlap_chars: int) -> list[Passage]:
    """All passages of a document: its title, body chunks, then each listed headline."""
    passages: list[Passage] = []
    if document.title:
        passages.append(Passage("title", document.title, 0, 0, document.date))
    for span in body_passages(document.body, target_chars, overlap_chars):
        passages.append(Passage("body", document.body[span.start : span.end], span.start, span.end, document.date))
    for headline in document.headlines:
        passages.append(Passage("headline", headline.title, 0, 0, headline.date))
    return passages
