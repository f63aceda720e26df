"""From a ranked passage to what a member reads: the best 1–3 sentences, marked.

Independent of Discord and of terminals: a `Hit` carries plain excerpt text and
the character spans of matched words; each front end renders them its own way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from newsbot.retrieval.analyzer import WORD, Analyzer
from newsbot.retrieval.answer_types import AnswerType, holds
from newsbot.retrieval.answerability import Strength
from newsbot.retrieval.boilerplate import sentence_key
from newsbot.retrieval.chunking import Span, sentence_spans
from newsbot.retrieval.reads import LatestItem
from newsbot.retrieval.spelling import Correction

ELLIPSIS = "…"
# A sentence holding the kind of thing asked for (a number for "how many") weighs as much more as a
# word of this share of the question's weightiest would (measured on the trust sets: README, "The kind
# of answer asked for").
ANSWER_TYPE_SHARE = 0.75
# The answer type's place among the matched terms: no word the analyzer makes can equal it.
_ANSWER = "\x00answer"


# Plain dataclasses, not pydantic models: they are built from the store's own rows, never from
# input that needs validating, and a shell `ask` should not pay for importing pydantic (issue #14).


@dataclass(slots=True)
class Hit:
    """One answer to a question. `--json` prints these fields, but the whole passage."""

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
    coverage: float = 0.0  # the share of the question's weight (idf) its title and quotes cover: `search._share`
    # Other sources (url, else file) of the same text: one story scraped more than once.
    also: list[str] = field(default_factory=list)
    # A second, shorter quote from elsewhere in the article (the lead answer only): see `search.MORE_MIN_SHARE`.
    more: str = ""
    more_highlights: list[tuple[int, int]] = field(default_factory=list)
    # A third, for what the first two leave out (the lead answer only): see `search.MORE_QUOTES`.
    further: str = ""
    further_highlights: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class Answer:
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
    matched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    searched: str | None = None  # the question as searched, when a typo was corrected
    dates: str | None = None  # the date range read from the question, in words ("on 14 August 2025")
    after: date | None = None  # ...and as the filter it became
    before: date | None = None
    unsure_dates: list[str] = field(default_factory=list)  # date-like phrases not applied, to say so
    dates_relaxed: bool = False  # nothing was dated so: these answers are from any date
    # A question of only dates: the headlines and articles of that range.
    dated: list[LatestItem] = field(default_factory=list)
    context: list[str] = field(default_factory=list)  # the earlier questions this one follows up on, oldest first

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


# Where scraped text may glue one piece to the next with no sentence end between (line breaks
# are lost): before a capital, a digit or an opening quote ("…CP Radhakrishnan Bajaj Finance vs. …").
_GLUE = re.compile(r"(?<=\S)\s+(?=[\"'“‘(A-Z0-9])")


def without_furniture(text: str, sentence: Span, boilerplate: frozenset[int]) -> Span:
    """`sentence` with boilerplate glued to its start or end cut off; empty when it is all boilerplate.

    A list of other stories' headlines often follows an article's last sentence
    with only spaces between, so the whole is one "sentence" found nowhere else;
    its tail, though, is a sentence seen on many other pages.
    """
    start, end = sentence
    if sentence_key(text[start:end]) in boilerplate:
        return Span(start, start)
    for glue in _GLUE.finditer(text, start, end):
        if sentence_key(text[glue.end() : end]) in boilerplate:
            end = glue.start()  # the earliest glued tail that is furniture: cut it and all after
            break
    for glue in reversed(list(_GLUE.finditer(text, start, end))):
        if sentence_key(text[start : glue.start()]) in boilerplate:
            start = glue.end()  # the longest furniture head
            break
    return Span(start, end) if start < end else Span(start, start)


def all_terms(analyzer: Analyzer, text: str) -> frozenset[str]:
    """Every term of `text`: `matched_terms` for any question is this set's intersection with its terms."""
    found: set[str] = set()
    for word in WORD.findall(text):
        found |= analyzer.word_terms(word)
    return frozenset(found)


def best_window(
    text: str,
    analyzer: Analyzer,
    weights: Weights,
    limit: int,
    boilerplate: frozenset[int] = frozenset(),
    glued: bool = True,
    wanted: AnswerType | None = None,
    answer_weight: float | None = None,
) -> tuple[Span, float] | None:
    """The run of 1–3 consecutive sentences covering the most question weight, and that weight.

    A term's weight is its idf, so the sentence naming the rare, specific thing
    asked about ("Dhankhar") beats one repeating the article's common topic
    ("vice president"). Among equals, a run that opens with a matching sentence
    wins (the answer leads), then the longer one (more context within `limit`),
    then the earlier one. `glued=False` skips looking for glued furniture: to
    compare passages cheaply before quoting the best.

    When the question asks for a number or a time (`wanted`), a sentence
    holding one counts as if it matched one more word, `ANSWER_TYPE_SHARE` of
    the question's weightiest, unless `answer_weight` says otherwise.
    """
    if wanted is not None and weights:
        found_weight = ANSWER_TYPE_SHARE * max(weights.values()) if answer_weight is None else answer_weight
        weights = {**weights, _ANSWER: found_weight}

    def cover(span: Span) -> set[str]:
        sentence = text[span.start : span.end]
        found = matched_terms(analyzer, sentence, weights)
        if wanted is not None and holds(sentence, wanted):
            found.add(_ANSWER)
        return found

    whole = sentence_spans(text) or [Span(0, len(text))]
    sentences = list(whole)
    covered = [cover(s) for s in sentences]
    # Site furniture is never quoted: a window stops before a sentence that is nothing else...
    furniture = [bool(boilerplate) and sentence_key(text[s.start : s.end]) in boilerplate for s in sentences]
    # ...and furniture glued to a sentence is cut off it. Looking for that costs a key per
    # capitalised word, so only the sentences of the chosen window are checked, until it holds none.
    checked = [not (boilerplate and glued) or f for f in furniture]
    while True:
        found = _best_run(sentences, covered, furniture, whole, weights, limit)
        if found is None:
            return None
        first, last, weight = found
        dirty = False
        for index in range(first, last + 1):
            if checked[index]:
                continue
            checked[index] = True
            trimmed = without_furniture(text, sentences[index], boilerplate)
            if trimmed != sentences[index]:
                sentences[index] = trimmed
                furniture[index] = trimmed.start == trimmed.end
                covered[index] = cover(trimmed)
                dirty = True
        if not dirty:
            return Span(sentences[first].start, sentences[last].end), weight


def _best_run(
    sentences: list[Span],
    covered: list[set[str]],
    furniture: list[bool],
    whole: list[Span],
    weights: Weights,
    limit: int,
) -> tuple[int, int, float] | None:
    """`best_window`'s search: the first and last sentence of the best run, and its weight.

    A sentence cut short (`sentences[i] != whole[i]`) keeps a run from reaching
    over the cut: a sentence whose head was cut may only open a run, one whose
    tail was cut may only close it.
    """
    best: tuple[float, bool, int, int] | None = None  # (-weight, opens off-topic, -length, start)
    run = (0, 0)
    for first in range(len(sentences)):
        seen: set[str] = set()
        for last in range(first, min(first + 3, len(sentences))):
            if furniture[last] or (last > first and sentences[last].start != whole[last].start):
                break
            seen |= covered[last]
            length = sentences[last].end - sentences[first].start
            if last > first and length > limit:
                break
            # fsum: exact, so the same words weigh the same whatever order the set holds them in.
            key = (-math.fsum(weights[t] for t in seen), not covered[first], -length, first)
            if best is None or key < best:
                best, run = key, (first, last)
            if sentences[last].end != whole[last].end:
                break
    return (run[0], run[1], -best[0]) if best else None


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
    passage: str,
    analyzer: Analyzer,
    weights: Weights,
    limit: int,
    boilerplate: frozenset[int] = frozenset(),
    answer: AnswerType | None = None,
) -> tuple[str, list[tuple[int, int]]]:
    """The excerpt of `passage` to quote for a question, with its highlight spans; empty if all is boilerplate.

    `weights` maps each question term to its weight (its idf in the archive).
    """
    found = quote(passage, analyzer, weights, limit, boilerplate, answer)
    return (found.text, found.highlights) if found else ("", [])


def quote(
    passage: str,
    analyzer: Analyzer,
    weights: Weights,
    limit: int,
    boilerplate: frozenset[int] = frozenset(),
    answer: AnswerType | None = None,
    answer_weight: float | None = None,
) -> Excerpt | None:
    """`excerpt_for`, keeping where the quote was cut from; None if all is boilerplate."""
    wanted = set(weights)
    found = best_window(passage, analyzer, weights, limit, boilerplate, wanted=answer, answer_weight=answer_weight)
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
