"""From a ranked passage to what a member reads: the best 1–3 sentences, marked.

Independent of Discord and of terminals: a `Hit` carries plain excerpt text and
the character spans of matched words; each front end renders them its own way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import NamedTuple

from pydantic import BaseModel

from newsbot.retrieval.analyzer import WORD, Analyzer
from newsbot.retrieval.answerability import Strength
from newsbot.retrieval.boilerplate import sentence_key
from newsbot.retrieval.chunking import Span, sentence_spans
from newsbot.retrieval.spelling import Correction
from newsbot.retrieval.store import LatestItem

ELLIPSIS = "…"


class Hit(BaseModel):
    """One answer to a question. `--json` prints exactly these fields."""

    passage_id: int
    document_id: int
    kind: str
    title: str
    date: date | None
    date_human: str
    url: str | None
    file: str
    score: float
    excerpt: str
    highlights: list[tuple[int, int]]
    passage: str
    coverage: float = 0.0  # the share of the question's weight (idf) this answer's article text covers
    also: list[str] = []  # other sources (url, else file) of the same text: one story scraped more than once
    # A second, shorter quote from elsewhere in the article (the lead answer only): see `search.MORE_MIN_SHARE`.
    more: str = ""
    more_highlights: list[tuple[int, int]] = []


class Answer(BaseModel):
    """The hits for a question, and how well the archive covers it, in the member's own words.

    `matched` are question words the best answer holds, `missing` words the
    archive has but the best answer lacks, `absent` words the archive never
    uses. `strength` is strong or partial when there are hits; weak (the best
    passage covers too little of the question to be an answer) or none (no
    passage matched at all) when there are not.
    """

    question: str
    terms: list[str]
    hits: list[Hit]
    strength: Strength = "none"
    coverage: float = 0.0
    matched: list[str] = []
    missing: list[str] = []
    absent: list[str] = []
    corrections: list[Correction] = []
    searched: str | None = None  # the question as searched, when a typo was corrected
    dates: str | None = None  # the date range read from the question, in words ("on 14 August 2025")
    after: date | None = None  # ...and as the filter it became
    before: date | None = None
    unsure_dates: list[str] = []  # date-like phrases not applied, to say so
    dates_relaxed: bool = False  # nothing was dated so: these answers are from any date
    dated: list[LatestItem] = []  # a question of only dates: the headlines and articles of that range
    context: list[str] = []  # the earlier questions this one follows up on, oldest first

    @property
    def found(self) -> bool:
        return bool(self.hits)


Weights = Mapping[str, float]


def matched_terms(analyzer: Analyzer, text: str, terms: Weights) -> set[str]:
    # Word by word through the analyzer's cache: excerpts look at the same words again and again.
    found: set[str] = set()
    for word in WORD.findall(text):
        found.update(term for term in analyzer.word_terms(word) if term in terms)
    return found


def best_window(
    text: str, analyzer: Analyzer, weights: Weights, limit: int, boilerplate: frozenset[int] = frozenset()
) -> tuple[Span, float] | None:
    """The run of 1–3 consecutive sentences covering the most question weight, and that weight.

    A term's weight is its idf, so the sentence naming the rare, specific thing
    asked about ("Dhankhar") beats one repeating the article's common topic
    ("vice president"). Among equals, a run that opens with a matching sentence
    wins (the answer leads), then the longer one (more context within `limit`),
    then the earlier one.
    """
    sentences = sentence_spans(text) or [Span(0, len(text))]
    # Site furniture is never quoted: a window stops before a boilerplate sentence.
    furniture = [sentence_key(text[s.start : s.end]) in boilerplate for s in sentences] if boilerplate else []
    covered = [matched_terms(analyzer, text[s.start : s.end], weights) for s in sentences]
    best: tuple[float, bool, int, int] | None = None  # (-weight, opens off-topic, -length, start)
    best_span = sentences[0]
    for first in range(len(sentences)):
        seen: set[str] = set()
        for last in range(first, min(first + 3, len(sentences))):
            if furniture and furniture[last]:
                break
            seen |= covered[last]
            span = Span(sentences[first].start, sentences[last].end)
            length = span.end - span.start
            if last > first and length > limit:
                break
            key = (-sum(weights[t] for t in seen), not covered[first], -length, first)
            if best is None or key < best:
                best, best_span = key, span
    return (best_span, -best[0]) if best else None


def trim(text: str, span: Span, limit: int, focus: int | None) -> str:
    """`text[span]` cut to `limit` characters at word boundaries, keeping `focus` in view."""
    start, end = span.start, span.end
    if end - start <= limit:
        return text[start:end]
    if focus is not None and focus - start > limit // 2:
        # Start a little before the first matched word, at a word boundary.
        candidate = max(start, focus - limit // 4)
        space = text.find(" ", candidate, focus)
        start = space + 1 if space != -1 else candidate
    stop = start + limit - 2
    if stop < end:
        space = text.rfind(" ", start, stop)
        stop = space if space > start else stop
    body = text[start:stop].strip()
    prefix = ELLIPSIS if start > span.start else ""
    suffix = ELLIPSIS if stop < end else ""
    return prefix + body + suffix


def highlight_spans(excerpt: str, analyzer: Analyzer, terms: set[str]) -> list[tuple[int, int]]:
    """Spans of the words in `excerpt` whose terms are among the question's."""
    return [
        (m.start(), m.end()) for m in WORD.finditer(excerpt) if not terms.isdisjoint(analyzer.word_terms(m.group()))
    ]


class Excerpt(NamedTuple):
    """A quote cut from a passage: its text, highlight spans, and where in the passage it was cut from."""

    text: str
    highlights: list[tuple[int, int]]
    window: Span
    weight: float  # the question weight its sentences cover


def excerpt_for(
    passage: str, analyzer: Analyzer, weights: Weights, limit: int, boilerplate: frozenset[int] = frozenset()
) -> tuple[str, list[tuple[int, int]]]:
    """The excerpt of `passage` to quote for a question, with its highlight spans; empty if all is boilerplate.

    `weights` maps each question term to its weight (its idf in the archive).
    """
    found = quote(passage, analyzer, weights, limit, boilerplate)
    return (found.text, found.highlights) if found else ("", [])


def quote(
    passage: str, analyzer: Analyzer, weights: Weights, limit: int, boilerplate: frozenset[int] = frozenset()
) -> Excerpt | None:
    """`excerpt_for`, keeping where the quote was cut from; None if all is boilerplate."""
    wanted = set(weights)
    found = best_window(passage, analyzer, weights, limit, boilerplate)
    if found is None:
        return None
    window, weight = found
    focus = next(
        (
            m.start()
            for m in WORD.finditer(passage, window.start, window.end)
            if not wanted.isdisjoint(analyzer.word_terms(m.group()))
        ),
        None,
    )
    excerpt = trim(passage, window, limit, focus)
    return Excerpt(excerpt, highlight_spans(excerpt, analyzer, wanted), window, weight)
