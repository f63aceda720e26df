"""Whether the archive can answer a question, decided from the question's own terms.

BM25 always returns *something* when one common word matches: "Who won the
2022 FIFA World Cup?" finds a sentence with "world". What matters is how much
of the question the best passage covers, each term weighted by its idf: the
rare, specific words ("FIFA", "Jupiter") carry the question, the common ones
("world", "many") do not. A term the archive never uses cannot be covered at
all, and weighs the most.

The thresholds live in `SearchOptions` and were chosen from the measurements
in `benchmarks/results/quality.md` (the unanswerable set against the
answerable ones), not guessed.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Literal

from newsbot.retrieval.analyzer import WORD, Analyzer

Strength = Literal["strong", "partial", "weak", "none"]


# Words that frame a question rather than name its subject ("how *much*",
# "*according* to", "what is the *latest*"): an answer need not repeat them, so
# they do not count for or against coverage. Stop words are already gone.
FRAME_WORDS = frozenset(
    """
    according actually also around big biggest certain currently exactly ever fully happen happened happening
    kind latest main many may might much new news per really recent recently said say says saying soon still
    tell told way
    """.split()
)


@functools.cache
def frame_terms(analyzer: Analyzer) -> frozenset[str]:
    """`FRAME_WORDS` as this analyzer's terms."""
    return frozenset(analyzer.terms(" ".join(sorted(FRAME_WORDS))))


def coverage_weights(weights: Mapping[str, float], frame_terms: frozenset[str]) -> dict[str, float]:
    """The weights coverage counts: the question's subject terms, or all of them if it is all frame.

    A single letter is no subject either: "U.S." is "u" and "s" to the analyzer, letters a page that
    writes "the United States" never holds, and as words the archive lacks they would weigh the most.
    """
    subject = {
        term: weight
        for term, weight in weights.items()
        if term not in frame_terms and not (len(term) == 1 and term.isalpha())  # "War 2" keeps its "2"
    }
    return subject or dict(weights)


def coverage(found: Iterable[str], weights: Mapping[str, float]) -> float:
    """The share of the question's weight that the terms in `found` carry (0–1)."""
    # fsum is exact: a share must not depend on the order a set yields its terms in (it
    # differs between runs), or a tie at the floor or between two answers flips from run to run.
    total = math.fsum(weights.values())
    return math.fsum(weights[term] for term in set(found) if term in weights) / total if total else 0.0


# The stemmer leaves some of a word's relations apart: "India" is "india", "Indian" "indian";
# "discovered" is "discov", "discovery" "discoveri". A question term counts as held by a text
# holding the same term plus one of these endings, or the term without it: the demonym endings
# and the stems the stemmer leaves of "-y", "-ary" and "-ion" nouns. Not any longer term: in the
# trust sets, "elect" would hold "electricity", "white" "whitewash", "Viren" "Virender" and
# "Olympics" "Olympiad" (one wrong answer there). The shorter of the two has at least five
# letters. Chosen from the trust sets: three more answers, no refusal lost
# (benchmarks/results/trust.md).
FAMILY_MIN = 5
_DERIVED = frozenset({"i", "n", "an", "ian", "ri", "eri", "ari", "ion"})


def held(terms: Collection[str], weights: Mapping[str, float]) -> set[str]:
    """The question terms (`weights`) that a text holding `terms` holds, themselves or by a related term."""
    found = {term for term in weights if term in terms}
    # Grouped by their first letters: a text's terms are each looked up once, not compared with every question term.
    heads: dict[str, list[str]] = {}
    for term in weights:
        if term not in found and len(term) >= FAMILY_MIN:
            heads.setdefault(term[:FAMILY_MIN], []).append(term)
    if not heads:
        return found
    for other in terms:
        for term in heads.get(other[:FAMILY_MIN], ()):
            short, long = (term, other) if len(term) < len(other) else (other, term)
            if long.startswith(short) and long[len(short) :] in _DERIVED:
                found.add(term)
    return found


# A question word the answer's article holds outside its title and quotes counts this share of its
# weight. A story about Nepal's gas find that names Nepal in another paragraph is about Nepal, so
# that answer is not refused for lacking the word in its quotes. At a small share, an article that
# merely mentions a word somewhere cannot stand in for a quote that answers. Chosen from the trust
# sets: from 0.1 to 0.15 the figures do not change; at 0.2 the unanswerable set loses a refusal.
CONTEXT_SHARE = 0.15


def answer_coverage(quoted: Iterable[str], article: Iterable[str], weights: Mapping[str, float]) -> float:
    """What an answer covers: the terms its title and quotes hold, and at `CONTEXT_SHARE` the rest of its article's."""
    shown = set(quoted)
    return coverage(shown, weights) + CONTEXT_SHARE * coverage(set(article) - shown, weights)


def strength(share: float, strong_at: float, partial_at: float) -> Strength:
    """Plain words for a coverage: strong (answer), partial (answer, say what is missing), weak (do not)."""
    if share >= strong_at:
        return "strong"
    if share >= partial_at:
        return "partial"
    return "weak"


# Before a word, what starts a sentence or a quotation: a capital there says nothing about a name.
_OPENS = re.compile(r"""(?:^|[.!?:;"“”‘(])\s*$""")
# Between two capitalised words of one name: spaces, and a possessive ("Secure Meters' CEO").
_WITHIN_NAME = re.compile(r"""\s*(?:['’]s?\s*)?""")


def names(question: str, analyzer: Analyzer) -> list[frozenset[str]]:
    """The names a question asks about, each as the terms of its words: runs of capitalised words
    past the start of a sentence ("stray dogs in *Mumbai*", "*Gautam Gambhir*", "*Secure Meters' CEO*").

    An answer's article must mention each, by one of its words at least (`search._hits`): a story
    about stray dogs in Delhi is no answer to a question about Mumbai, however much else it shares.
    A question typed all in lower case names nothing this way, and loses nothing.
    """
    found: list[set[str]] = []
    joined = False  # does this word continue the name before it?
    end = 0
    for match in WORD.finditer(question):
        word = match.group()
        between = question[end : match.start()]
        joined = joined and _WITHIN_NAME.fullmatch(between) is not None
        end = match.end()
        if not word[:1].isupper() or _OPENS.search(question, 0, match.start()):
            joined = False
            continue
        terms = analyzer.word_terms(word)
        if joined:
            found[-1] |= terms
        elif terms:
            found.append(set(terms))
        joined = bool(terms)
    return [frozenset(name) for name in found]


_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+\b")


def initials(text: str) -> set[str]:
    """The initials of `text`'s runs of two or more capitalised words, lower-cased: the acronyms a name
    asked about may stand for ("US" is mentioned by a story writing "the United States")."""
    return {"".join(word[0] for word in run.split()).lower() for run in _CAPITALISED_RUN.findall(text)}


def surface_words(question: str, analyzer: Analyzer) -> dict[str, str]:
    """Each question term with the word the member wrote for it, to name it back to them."""
    words: dict[str, str] = {}
    for match in WORD.finditer(question):
        for term in analyzer.word_terms(match.group()):
            words.setdefault(term, match.group())
    return words
