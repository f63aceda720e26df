"""The one analyzer: text to index terms, for passages, questions and every engine.

Tantivy runs the token chain natively inside its index; the same chain's
`analyze()` serves questions and the reference engine, so every engine sees
identical terms. A thin Python step in front folds what tantivy's filters do
not: Unicode compatibility forms, curly quotes and English possessives.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import tantivy

TOKENIZER_NAME = "newsbot"
# A word as a member or an article writes it ("Azerbaijan’s", "don't"): what excerpts
# highlight and replies name back, each then analyzed with `Analyzer.word_terms`.
WORD = re.compile(r"\w+(?:['’]\w+)*")

# Scraped text mixes ’ ‘ ʼ ′ ` with ' ; possessives must fold the same way
# whichever one the page used ("Azerbaijan’s" == "Azerbaijan's" == "Azerbaijan").
_APOSTROPHES = str.maketrans({c: "'" for c in "\u2018\u2019\u201b\u02bc\u2032\u0060\u00b4"})
_POSSESSIVE = re.compile(r"(?<=\w)'s?\b", re.IGNORECASE)

# English function words, including the ones questions are made of ("what did
# ... say about"): tantivy's built-in list is Lucene's 33 words, which leaves
# "what", "did" and "how" to match headlines at random.
STOPWORDS = tuple(
    """
    a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each either few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me might more most must my myself neither no nor not now of off on once only or other our ours
    ourselves out over own same shall she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were what
    when where which while who whom whose why will with would you your yours yourself yourselves
    """.split()
)


@dataclass(frozen=True)
class Analyzer:
    """Turns text into terms. `stem` and `stopwords` exist for the quality benchmark."""

    stem: bool = True
    stopwords: bool = True

    @cached_property
    def tantivy_analyzer(self) -> tantivy.TextAnalyzer:
        """The token chain, to register on a tantivy index under `TOKENIZER_NAME`."""
        builder = (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            # Folding can yield capitals ("ɢ" → "G"), so lowercase once more.
            .filter(tantivy.Filter.lowercase())
        )
        if self.stopwords:
            builder = builder.filter(tantivy.Filter.custom_stopword(list(STOPWORDS)))
        if self.stem:
            builder = builder.filter(tantivy.Filter.stemmer("english"))
        return builder.build()

    @staticmethod
    def normalize(text: str) -> str:
        """The Python step in front of the token chain; indexed text goes through it too."""
        if not text.isascii():
            # The quick check makes already-normal text (nearly all news) almost free.
            if not unicodedata.is_normalized("NFKC", text):
                text = unicodedata.normalize("NFKC", text)
            text = text.translate(_APOSTROPHES)
        return _POSSESSIVE.sub("", text) if "'" in text else text

    def terms(self, text: str) -> list[str]:
        """Index terms of `text`, in order, repeats kept (BM25 counts them)."""
        return list(self.tantivy_analyzer.analyze(self.normalize(text)))

    @cached_property
    def _word_cache(self) -> dict[str, frozenset[str]]:
        return {}

    def word_terms(self, word: str) -> frozenset[str]:
        """Terms of one word, cached: excerpts test every word they show against the question."""
        cache = self._word_cache
        found = cache.get(word)
        if found is None:
            if len(cache) >= 200_000:  # a crude bound; news vocabularies stay far below it
                cache.clear()
            found = cache[word] = frozenset(self.terms(word))
        return found

    def query_terms(self, question: str) -> list[str]:
        """Distinct terms of a question, in first-seen order."""
        return list(dict.fromkeys(self.terms(question)))
