"""Forgiving typos: a question word the archive lacks, close to a word it uses often, is corrected.

Members misspell names ("Rahul Ghandi", "Pakistn Asia Cup sqaud"); BM25 then
silently drops the word. The archive itself is the dictionary, asked two ways:
the engine finds passages holding terms within one or two edits of the typed
one (tantivy's fuzzy term query), whose words give candidates; and every word
one typing slip from the typed one (a letter dropped, doubled, swapped or hit
on a neighbouring key) is looked up by its term's frequency. The second way
finds what the first misses: a word whose first letter was mistyped ("ohased"),
a rare right word hidden behind a common neighbour ("brijnk": "bring" fills
the passages read, "brink" is in two), and a word the stemmer could not reduce
once misspelt ("ranikngs" is one swap from "rankings", not from "rank"). The
most frequent candidate at the smallest distance ranks first; the question's
context picks among the first few. When two candidates are about as frequent,
nothing is applied and both are offered.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from newsbot.retrieval.analyzer import WORD, Analyzer

# A typed term this rare that is one edit from a term this many times more
# frequent is taken for a typo even though the archive holds it (a scraped
# page can carry the same typo).
RARE = 2
DOMINANT = 25
# ...but only for words this long: a short rare word is more likely a real one ("Lisa", not "list").
RARE_MIN_LETTERS = 5
# A correction must be a word the archive uses at least this often.
MIN_FREQUENCY = 1
# Neighbours tried in the question's context, at most.
CANDIDATES = 3
# One edit more costs as much as being this many times less frequent.
EDIT_WORTH = 10
# Two candidates whose frequencies (after that cost) are closer than this are a real choice, not a typo.
AMBIGUOUS = 0.5


@dataclass(frozen=True)
class Correction:
    """One question word: what was typed, what was searched instead, and the other close words."""

    typed: str
    corrected: str | None  # None: ambiguous, see `choices`
    choices: tuple[str, ...] = field(default_factory=tuple)
    of: str = ""  # the analyzed term of `typed`
    term: str = ""  # the analyzed term searched instead
    # The likeliest neighbours, best first, as (word, term): the search picks the one the rest of the
    # question agrees with ("pertol price": "petrol", not the more common "person").
    candidates: tuple[tuple[str, str], ...] = ()

    def choosing(self, word: str, term: str) -> Correction:
        """This correction with `word` (analyzed as `term`) chosen."""
        return Correction(self.typed, word, (), self.of, term, self.candidates)


_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    key: {
        _KEYBOARD[r][c]
        for r in range(max(row - 1, 0), min(row + 2, 3))
        for c in range(column - 1, column + 2)
        if 0 <= c < len(_KEYBOARD[r])
    }
    for row, keys in enumerate(_KEYBOARD)
    for column, key in enumerate(keys)
}


def _substitution(a: str, b: str, keyboard: bool) -> int:
    if a == b:
        return 0
    if not keyboard or b in _NEIGHBOURS.get(a, ()):
        return 1
    return 2  # a slip of the finger hits a neighbouring key; "mona" for "monk" is another word


def distance(a: str, b: str, limit: int, keyboard: bool = False) -> int:
    """Optimal-string-alignment edit distance (a swap of neighbours is one edit), capped at `limit + 1`.

    With `keyboard`, replacing a letter costs one edit only when the two keys
    are neighbours on a QWERTY keyboard, and two otherwise.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = _substitution(ca, cb, keyboard)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def allowed_edits(term: str) -> int:
    """Words of four or five letters tolerate one edit, longer ones two; shorter none (too many neighbours)."""
    if len(term) < 4:
        return 0
    return 1 if len(term) < 6 else 2


def _edits(term: str, candidate: str) -> int:
    # Short words have many real neighbours: only a slip to a neighbouring key counts as one edit there.
    return distance(term, candidate, allowed_edits(term), keyboard=len(term) < 6)


def suspects(terms: Sequence[str], frequencies: Mapping[str, int], words: Mapping[str, str] | None = None) -> list[str]:
    """Question terms worth checking for a typo: absent from the archive (or, if long, very rare), not numbers.

    A term is judged by the length of the word typed for it (`words`, where
    given): the stemmer can cut a misspelt word short ("Breing" to "bre").
    """
    typed = words or {}

    def longest(term: str) -> str:
        return max(term, typed.get(term, ""), key=len)

    return [
        term
        for term in terms
        if term.isalpha()
        and allowed_edits(longest(term))
        and (frequencies.get(term, 0) == 0 or (frequencies[term] <= RARE and len(longest(term)) >= RARE_MIN_LETTERS))
    ]


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def slips(word: str) -> set[str]:
    """The likeliest words one typing slip from `word` (lower-cased): a stray letter, a double letter
    typed once, two letters swapped, or a key's neighbour struck instead, the first letter included.
    About 8 words per letter, each looked up, never the whole vocabulary scanned; `more_slips` has the rest.
    """
    word = word.lower()
    found: set[str] = set()
    for i in range(len(word)):
        head, tail = word[:i], word[i:]
        if i:  # a stray letter typed before a word is no slip: "iPhone" is not "phone"
            found.add(head + tail[1:])
        if len(tail) > 1:
            found.add(head + tail[1] + tail[0] + tail[2:])
        found.add(head + tail[0] + tail)  # a double letter typed once: "ocured"
        found.update(head + key + tail[1:] for key in _NEIGHBOURS.get(tail[0], set()))
    found.discard(word)
    return found


def more_slips(word: str) -> set[str]:
    """The other words one slip away: a letter left out anywhere (the first too: "owdy"), or, in a word
    of six letters or more, any letter replaced but the first. About 50 words per letter: looked up only
    when neither `slips` nor the index's fuzzy neighbours offered anything."""
    word = word.lower()
    found: set[str] = set()
    for i in range(len(word) + 1):
        head, tail = word[:i], word[i:]
        found.update(head + letter + tail for letter in _LETTERS)
        if i and tail and len(word) >= 6:
            found.update(head + letter + tail[1:] for letter in _LETTERS)
    found.discard(word)
    return found - slips(word)


def correct(
    term: str,
    typed: str,
    frequency: int,
    neighbour_texts: Sequence[str],
    analyzer: Analyzer,
    frequencies_of: Callable[[Sequence[str]], Mapping[str, int]],
    spellings_of: Callable[[str], Collection[str]] | None = None,
) -> Correction | None:
    """The correction for one suspect term, from texts of passages holding terms near it; None if none.

    `neighbour_texts` are passages the engine's fuzzy query found; their words
    are read back through the analyzer to get (term, the word as written).
    For a term the archive lacks, the terms of the typed word's `slips` are
    candidates too, one edit away, if the archive writes the slip:
    `spellings_of(term)` gives the words (lower-cased) it writes for a term.

    Words are compared as written as well as by their terms: a stem hides
    letters. "Virender" and "Viren" are one edit apart as terms ("virend",
    "viren") but three as words; and "Vireneer", one slip from "Virender",
    is "viren" to the stemmer, though no page ever wrote it.
    """
    edits = allowed_edits(term)
    bare = analyzer.normalize(typed)  # "Ranikngs's" is looked up as "ranikngs"
    typed_edits = allowed_edits(bare)
    written: dict[str, str] = {}
    distances: dict[str, int] = {}
    for text in neighbour_texts:
        for match in WORD.finditer(text):
            word = match.group()
            first = word[:1].lower()
            if first != term[:1] and first.isascii() and first.isalnum():
                continue  # its terms start with `first` too: not a candidate (the check below), found cheaply
            for candidate in analyzer.word_terms(word):
                if candidate in written or candidate == term or candidate[:1] != term[:1]:
                    continue  # people seldom mistype a word's first letter: "Mona" is not "Dona"
                apart = _edits(term, candidate)
                if (
                    apart <= edits
                    and distance(bare.lower(), analyzer.normalize(word).lower(), typed_edits) <= typed_edits
                ):
                    written[candidate], distances[candidate] = word, apart
    counts: dict[str, int] = dict(frequencies_of(list(written))) if written else {}
    # Only for a word the archive lacks: one it holds is a real word, corrected only to neighbours its passages show.
    if not frequency and bare.isalpha() and allowed_edits(bare):
        # The rarer slips only where the index's fuzzy query saw a term near (its neighbours all failed the
        # first-letter rule, say): a word with no neighbour at all is absent, not mistyped, most of the time.
        for tier in (slips, more_slips) if neighbour_texts else (slips,):
            found = _slipped(tier(bare), term, analyzer, frequencies_of, spellings_of)
            for candidate, (word, count) in found.items():
                written.setdefault(candidate, word)  # the archive's own spelling, where its passages showed one
                distances[candidate], counts[candidate] = 1, count  # a slip is one edit, whatever the stems'
            if written:
                break  # the likelier slips, or the index's neighbours, had something: the rest are not looked up
    if not written:
        return None

    def score(candidate: str) -> float:
        # Edit distance weighted by frequency: one edit more is worth being EDIT_WORTH times as common.
        return math.log(1 + counts.get(candidate, 0)) - math.log(EDIT_WORTH) * distances[candidate]

    ranked = sorted(written, key=lambda c: (-score(c), c))
    best = ranked[0]
    if counts.get(best, 0) < max(MIN_FREQUENCY, frequency * DOMINANT):
        return None  # a one-off neighbour, or the typed term is in the archive and the neighbour not much more common
    likely = [c for c in ranked[:CANDIDATES] if counts.get(c, 0) >= max(MIN_FREQUENCY, frequency * DOMINANT)]
    candidates = tuple((_cased(typed, written[c]), c) for c in likely)
    close = [c for c in ranked[1:] if score(c) >= score(best) + math.log(AMBIGUOUS)]
    if close:
        choices = tuple(_cased(typed, written[c]) for c in [best, *close][:3])
        return Correction(typed, None, choices, of=term, candidates=candidates)
    return Correction(typed, _cased(typed, written[best]), of=term, term=best, candidates=candidates)


def _slipped(
    words: set[str],
    term: str,
    analyzer: Analyzer,
    frequencies_of: Callable[[Sequence[str]], Mapping[str, int]],
    spellings_of: Callable[[str], Collection[str]] | None,
) -> dict[str, tuple[str, int]]:
    """The archive's terms among `words` (each read through the analyzer), with a word the archive
    writes for it (checked when `spellings_of` is given) and a frequency."""
    terms: dict[str, list[str]] = {}
    for word in sorted(words):
        for candidate in analyzer.word_terms(word):
            if candidate != term:
                terms.setdefault(candidate, []).append(word)
    counts = frequencies_of(list(terms))
    found: dict[str, tuple[str, int]] = {}
    for candidate, slipped in terms.items():
        if not counts.get(candidate, 0):
            continue
        spelt = spellings_of(candidate) if spellings_of is not None else slipped
        written = next((word for word in slipped if word in spelt), None)
        if written is not None:
            found[candidate] = (written, counts[candidate])
    return found


def _cased(typed: str, word: str) -> str:
    """The archive's word in the member's casing where that is unambiguous (all lower, Capitalised)."""
    if typed.islower():
        return word.lower()
    if typed[:1].isupper() and typed[1:].islower():
        return word[:1].upper() + word[1:].lower()
    return word


def corrected_question(question: str, corrections: Sequence[Correction]) -> str:
    """The question with each corrected word replaced, as the reply shows it ("Showing results for …")."""
    fixed = {c.typed: c.corrected for c in corrections if c.corrected}
    return WORD.sub(lambda m: fixed.get(m.group(), m.group()), question)
