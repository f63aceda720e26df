"""The thread side of a question: rank passages, fetch them, keep one per article, cut excerpts.

Runs in one worker thread per question (`Archive.ask`), so ranking, the
SQLite fetch and the excerpts cost a single hop off the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from newsbot.retrieval.analyzer import WORD, Analyzer
from newsbot.retrieval.answer import (
    ANSWER_TYPE_SHARE,
    Answer,
    Excerpt,
    Hit,
    all_terms,
    best_window,
    matched_terms,
    quote,
)
from newsbot.retrieval.answer_types import AnswerType, answer_type, holds
from newsbot.retrieval.answerability import (
    CONTEXT_SHARE,
    answer_coverage,
    coverage,
    coverage_weights,
    frame_terms,
    held,
    initials,
    names,
    strength,
    surface_words,
)
from newsbot.retrieval.boilerplate import sentence_keys
from newsbot.retrieval.dates import human_date
from newsbot.retrieval.engines import Engine, ScoredPassage, idf
from newsbot.retrieval.lexicon import is_english
from newsbot.retrieval.options import SearchOptions
from newsbot.retrieval.reads import PassageReader, PassageRow
from newsbot.retrieval.spelling import Correction, allowed_edits, correct, corrected_question, suspects

# Candidates looked at for one question, at most: past the copies of one page a site lists many times.
_MAX_POOL = 500
# Passages sharing this share of their word triples (Jaccard) are copies of one story.
NEAR_DUPLICATE = 0.7
# Distinct candidates judged per answer wanted: past the best-ranked few, a passage that
# covers the question well enough is rare, and judging costs time on every question.
_EXAMINED_PER_ANSWER = 3
# Other sources named under one answer, at most.
_MAX_SOURCES = 10
# Passages read for the words near one misspelt term.
_NEIGHBOURS = 40
# A slip is a correction only if the archive writes it; this many of the passages using its term are read to know.
_SPELLING_PASSAGES = 5
# How much an earlier question's words count in a follow-up, against the follow-up's own.
CONTEXT_WEIGHT = 0.3
# The lead answer also quotes the best short passage from elsewhere in its article when that covers
# this share of the question: the answering sentence is often a paragraph away from the one
# that names the question's words most (measured in benchmarks/results/trust.md)...
MORE_MIN_SHARE = 0.15
# ...up to this many times, each for what the quotes before it leave out. On the trust sets a third
# quote answered five more questions (Success@3 0.825 to 0.855), each from a paragraph of the right
# article the first two do not quote ("What jibe did David Warner make about Joe Root?"),
# and broke none.
MORE_QUOTES = 2
# Choosing such a quote, a question word the quotes before it already hold (or the kind of answer
# asked for, a figure, when they hold one) counts this share of its weight: the quote is there for
# what they leave out, not to name the article's subject again. The lead paragraph names who and
# where; the figure asked for is often three paragraphs down.
ALREADY_QUOTED = 0.25


def search(
    engine: Engine,
    reader: PassageReader,
    analyzer: Analyzer,
    options: SearchOptions,
    question: str,
    count: int,
    after: date | None = None,
    before: date | None = None,
    boilerplate: frozenset[int] = frozenset(),
    context: str = "",
) -> Answer:
    """The best `count` distinct answers to `question` (or all there are), and how well they cover it.

    A candidate whose title and excerpt cover less than `options.partial_coverage`
    of the question's weight is not an answer, however it ranks: the archive does
    not pretend to know. Copies (the same headline listed on many pages, one
    story scraped from several sites, several passages of one article) become
    one answer that names every source; when copies take most of the candidate
    pool, the pool grows (up to `_MAX_POOL`) so `count` distinct answers can
    still be found. Typo corrections are tried in the question's context and
    kept only when they answer it better.

    `context` is what was asked before, for a follow-up ("and what did Turkey
    say?"): its words rank and pick excerpts at `CONTEXT_WEIGHT`, the question's
    own words first; coverage is judged on the question's own subject words
    unless it has none ("and why?").
    """
    terms = analyzer.query_terms(question)
    words = surface_words(question, analyzer)
    looked_at = _PassagesSeen(analyzer)
    own = set(terms)
    background = [term for term in analyzer.query_terms(context) if term not in own] if context else []
    wanted = answer_type(question)
    asked_names = names(question, analyzer)

    def rank(chosen: Sequence[Correction]) -> _Ranked:
        fixed = {c.of: c.term for c in chosen if c.corrected}
        searched = list(dict.fromkeys(fixed.get(term, term) for term in terms))
        named = [frozenset(fixed.get(term, term) for term in name) for name in asked_names]
        return _rank(
            engine, reader, looked_at, options, searched, background, count, after, before, boilerplate, wanted, named
        )

    ranked = rank([])
    corrections: list[Correction] = []
    # Answered well as typed, a rare word is a real one: no typo to look for.
    if ranked.share < options.strong_coverage:
        corrections = _corrections(engine, reader, analyzer, terms, ranked.frequencies, words)
    chosen: dict[str, Correction] = {}
    for correction in corrections:
        # Each neighbour is tried with the rest of the question, and kept only if it answers better
        # than the word as typed ("Alyssa" is rare but right). A neighbour the answer holds is the one
        # the question agrees with, the best-covering of them wins; failing that, the likeliest
        # neighbour. Any neighbour raises the share by taking an absent word's weight away, and
        # a common one most: that alone must not pick "company" over "compare" for "compawre".
        agreed: tuple[_Ranked, dict[str, Correction]] | None = None
        likeliest: tuple[_Ranked, dict[str, Correction]] | None = None
        for place, (word, term) in enumerate(correction.candidates):
            trial = {**chosen, correction.of: correction.choosing(word, term)}
            attempt = rank(list(trial.values()))
            if attempt.share <= ranked.share:
                continue
            if term in attempt.best:
                if agreed is None or attempt.share > agreed[0].share:
                    agreed = (attempt, trial)
            elif place == 0:
                likeliest = (attempt, trial)
        kept = agreed or likeliest
        if kept is not None:
            ranked, chosen = kept
    # Choices the question did not settle are offered, not applied.
    corrections = list(chosen.values()) + [c for c in corrections if c.choices and c.of not in chosen]
    fixed = {c.of: c for c in corrections if c.corrected}
    terms = list(dict.fromkeys(fixed[term].term if term in fixed else term for term in terms))
    words |= {c.term: c.corrected for c in fixed.values() if c.corrected}
    named = [words.get(term, term) for term in terms]
    frequencies = ranked.frequencies
    hits = ranked.hits
    if options.absent_is_unanswerable and any(not frequencies[term] for term in ranked.judged):
        hits = []
    return Answer(
        question=question,
        terms=terms,
        hits=hits,
        strength=(strength(ranked.share, options.strong_coverage, options.partial_coverage) if hits else "weak")
        if ranked.scored
        else "none",
        coverage=round(ranked.share, 3),
        matched=[word for term, word in zip(terms, named, strict=True) if term in ranked.best],
        # Frame words ("how many") are never reported missing: no answer needs to repeat them.
        missing=[
            word
            for term, word in zip(terms, named, strict=True)
            if term not in ranked.best and frequencies[term] and term in ranked.judged
        ],
        # "many" missing from a small archive is not what it lacks: frame words are named only if all there is.
        absent=[
            word
            for term, word in zip(terms, named, strict=True)
            if not frequencies[term] and (term not in frame_terms(analyzer) or set(terms) <= frame_terms(analyzer))
        ],
        corrections=corrections,
        searched=corrected_question(question, corrections) if fixed else None,
    )


@dataclass
class _Ranked:
    """One ranking of a question's terms: the answers, and what the best of them covers."""

    hits: list[Hit]
    best: set[str]
    share: float
    frequencies: dict[str, int]
    judged: dict[str, float]
    scored: bool


def _rank(
    engine: Engine,
    reader: PassageReader,
    looked_at: _PassagesSeen,
    options: SearchOptions,
    terms: list[str],
    background: list[str],
    count: int,
    after: date | None,
    before: date | None,
    boilerplate: frozenset[int],
    wanted: AnswerType | None,
    named: Sequence[frozenset[str]],
) -> _Ranked:
    analyzer = looked_at.analyzer
    background = [term for term in background if term not in terms]
    frequencies = engine.frequencies(terms + background)
    passages = engine.count()
    weights = {term: idf(passages, frequencies[term]) for term in terms}
    judged = coverage_weights(weights, frame_terms(analyzer))
    if background and not set(judged) - frame_terms(analyzer):
        # A follow-up with no subject of its own ("and why?") is about the earlier question's subject.
        context_weights = {term: idf(passages, frequencies[term]) for term in background}
        judged = coverage_weights(context_weights, frame_terms(analyzer))
    weights |= {term: CONTEXT_WEIGHT * idf(passages, frequencies[term]) for term in background if term not in judged}
    weights |= {term: idf(passages, frequencies[term]) for term in judged}
    boosts = {term: CONTEXT_WEIGHT for term in background if term not in judged}
    frequencies = {term: frequencies[term] for term in [*terms, *judged]}  # what the member is told about
    pool = count * 2 + 6
    while True:
        scored = engine.search(list(weights), pool, after, before, boosts)
        if scored and scored[0].score < options.min_score:
            scored = []
        rows = looked_at.rows(reader, [s.pid for s in scored])
        hits, best, share, duplicates, judged_all = _hits(
            reader, looked_at, options, scored, rows, weights, judged, count, boilerplate, wanted, named
        )
        # A deeper pool helps only when copies took most of the places (one page scraped
        # thirty times): candidates under the coverage floor are not answers, and more
        # of them would not be either. With no answer and every candidate it may judge
        # judged, a deeper pool would judge the same ones again and find nothing more.
        if (
            len(hits) == count
            or len(scored) < pool
            or duplicates * 2 < len(scored)
            or pool >= _MAX_POOL
            or (not hits and judged_all)
        ):
            break
        pool *= 4
    return _Ranked(hits, best, share, frequencies, judged, bool(scored))


def _corrections(
    engine: Engine,
    reader: PassageReader,
    analyzer: Analyzer,
    terms: list[str],
    frequencies: dict[str, int],
    words: dict[str, str],
) -> list[Correction]:
    """Typo corrections (or choices) for question terms the archive lacks or barely has."""

    def spellings_of(term: str) -> set[str]:
        """How the archive writes `term`, as far as the passages that use it most show."""
        pids = [scored.pid for scored in engine.search([term], _SPELLING_PASSAGES)]
        return {
            match.group().lower()
            for row in reader.passages(pids).values()
            for match in WORD.finditer(analyzer.normalize(row.text))
            if term in analyzer.word_terms(match.group())
        }

    found = []
    for term in suspects(terms, frequencies, words):
        if term in frame_terms(analyzer):
            continue  # "news" absent from a small archive is not a typo of "new"
        if is_english(analyzer.normalize(words.get(term, term))):
            continue  # "impeach" is a word the archive lacks, not a slip for "impact" (lexicon.py)
        edits = allowed_edits(term)  # none for a stem cut short ("Breing": "bre"): its slips are still looked up
        pids = engine.near(term, edits, _NEIGHBOURS) if edits else []
        texts = [row.text for row in reader.passages(pids).values()] if pids else []
        correction = correct(
            term, words.get(term, term), frequencies[term], texts, analyzer, engine.frequencies, spellings_of
        )
        if correction is not None:
            found.append(correction)
    return found


def _hits(
    reader: PassageReader,
    looked_at: _PassagesSeen,
    options: SearchOptions,
    scored: Sequence[ScoredPassage],
    rows: dict[int, PassageRow],
    weights: dict[str, float],
    judged: dict[str, float],
    count: int,
    boilerplate: frozenset[int],
    wanted: AnswerType | None,
    named: Sequence[frozenset[str]],
) -> tuple[list[Hit], set[str], float, int, bool]:
    """Ranked passages to answers, the question terms the best candidate's title and quotes hold and its
    coverage (`_share`), how many copies were folded, and whether as many distinct candidates
    were judged as ever are (`_EXAMINED_PER_ANSWER`).

    Near-duplicates are dropped, each article is shown by its best excerpt,
    and candidates covering too little of the question, or from an article
    that never mentions a name the question asks about (`named`), are not answers.
    """
    analyzer = looked_at.analyzer
    bodies: dict[int, list[PassageRow]] = {}
    for item in scored:
        row = rows.get(item.pid)
        if row is not None and row.kind == "body":
            bodies.setdefault(row.document_id, []).append(row)
    seen: set[tuple[str, object]] = set()
    hits: list[Hit] = []
    by_text: dict[str, Hit] = {}
    near: list[tuple[Hit, frozenset[str]]] = []  # each answer with the word triples of its passage
    duplicates = 0
    examined = 0  # distinct candidates judged against the coverage floor
    limit = max(count * _EXAMINED_PER_ANSWER, 12)
    best: set[str] | None = None
    best_share = 0.0
    for item in scored:
        row = rows.get(item.pid)
        if row is None:
            continue  # purged after this index generation: the next refresh drops it
        text_key = looked_at.text_key(row)
        keys: set[tuple[str, object]] = {("text", text_key)}
        if row.kind != "headline":
            keys.add(("doc", row.document_id))
        if keys & seen:
            duplicates += 1
            folded = by_text.get(text_key)
            if folded is not None and _fold_source(folded, row):
                seen.add(("doc", row.document_id))  # the copy's other passages belong to the same answer
            continue
        if len(hits) == count or examined >= limit:
            continue  # full, or far enough down: the rest of the pool only names more sources
        examined += 1
        # An article found by its title is quoted from its best-ranked body passage.
        shown = bodies[row.document_id][0] if row.kind == "title" and bodies.get(row.document_id) else row
        # What the title and the whole passage cover bounds what title and excerpt can:
        # under the floor, the excerpt need not even be cut.
        title_terms = set() if row.kind == "headline" else held(looked_at.title(row), weights)
        reachable = title_terms | held(looked_at.passage(shown), weights)
        reach = _share(reader, looked_at, row, reachable, weights, judged, options.partial_coverage)
        if reach < options.partial_coverage:
            seen |= keys
            if not hits and (best is None or reach > best_share):
                best, best_share = reachable, reach
            continue
        # The same story scraped with small differences (a byline, a trailing link) is one answer too.
        shingles = _shingles(row.text) if row.kind != "headline" else frozenset()
        twin = next((hit for hit, other in near if _similar(shingles, other)), None)
        if twin is not None and _fold_source(twin, row):
            duplicates += 1
            seen.add(("doc", row.document_id))
            continue
        seen |= keys
        quoted = quote(shown.text, analyzer, weights, options.excerpt_chars, boilerplate, wanted)
        if quoted is None:
            continue  # nothing but site furniture (a footer, a list of other stories) to quote
        excerpt = quoted.text
        # Only the lead answer quotes more of its article: more quotes under every answer would crowd the reply.
        extra: list[Excerpt] = []
        if not hits and shown.kind == "body":
            told = [shown.text[quoted.window.start : quoted.window.end]]
            article = looked_at.bodies(reader, shown)
            while len(extra) < MORE_QUOTES:
                found = _more(analyzer, article, told, weights, judged, options, boilerplate, wanted)
                if found is None:
                    break
                extra.append(found)
                told.append(found.text)
        more, further = [*extra, None, None][:2]
        # Judged on what the member reads: the title and the quotes. Matching words
        # scattered over a long article are not an answer; matching what is quoted is.
        covered = set(title_terms)
        if row.kind == "headline":
            covered |= held(looked_at.passage(row), weights)
        else:
            covered |= held(all_terms(analyzer, excerpt), weights)
        for told_too in extra:
            covered |= held(all_terms(analyzer, told_too.text), weights)
        share = _share(reader, looked_at, row, covered, weights, judged, options.partial_coverage)
        if not hits and (best is None or share > best_share):
            best, best_share = covered, share  # the first answer's, or while there is none, the closest candidate's
        if share < options.partial_coverage or _unnamed(reader, looked_at, row, named, covered, weights, judged):
            continue
        title = row.text if row.kind == "headline" else row.title
        hits.append(
            Hit(
                passage_id=shown.pid,
                document_id=row.document_id,
                kind=shown.kind,
                title=title,
                date=row.date,
                date_human=human_date(row.date),
                url=None if row.kind == "headline" else row.url,
                file=row.file,
                score=round(item.score, 4),
                excerpt=excerpt,
                highlights=quoted.highlights,
                passage=shown.text,
                coverage=round(share, 3),
                also=[],
                more=more.text if more else "",
                more_highlights=more.highlights if more else [],
                further=further.text if further else "",
                further_highlights=further.highlights if further else [],
            )
        )
        by_text[text_key] = by_text[looked_at.text_key(shown)] = hits[-1]
        if shingles:
            near.append((hits[-1], shingles))
        seen.add(("text", looked_at.text_key(shown)))
    return hits, best or set(), best_share, duplicates, examined >= limit


def _share(
    reader: PassageReader,
    looked_at: _PassagesSeen,
    row: PassageRow,
    found: set[str],
    weights: dict[str, float],
    judged: dict[str, float],
    floor: float,
) -> float:
    """What `found` (a candidate's title and quotes) covers of the question, and, when that falls short of
    the floor by less than the rest of its article could make up, `answer_coverage` with the article.

    Reading the article costs a fetch of all its passages: at 1M passages, reading it for every
    candidate made the median answer 1.5x slower (docs/scaling.md), and above the floor, or far
    under it, it changes nothing.
    """
    share = coverage(found, judged)
    if row.kind == "headline" or share >= floor or share + CONTEXT_SHARE * (1 - share) < floor:
        return share
    return answer_coverage(found, held(looked_at.article(reader, row), weights), judged)


def _unnamed(
    reader: PassageReader,
    looked_at: _PassagesSeen,
    row: PassageRow,
    named: Sequence[frozenset[str]],
    covered: set[str],
    weights: dict[str, float],
    judged: dict[str, float],
) -> bool:
    """Does the candidate's article never mention a name the question asks about, by any of its words?
    Its article is read only for a name its title and quotes lack.

    On the trust sets this refused nine more of the 191 unanswerable questions (93.2% to 97.9% at a 0.65 floor:
    "What did the Supreme Court say about stray dogs in Mumbai?" found a story about Delhi's)
    and cost no answer.
    """
    if row.kind == "headline":
        return False  # no article here to look in ("US" in the question, "United States" in the headline)
    lacking = [name for name in named if not name.isdisjoint(judged) and name.isdisjoint(covered)]
    if not lacking:
        return False
    mentioned = held(looked_at.article(reader, row) | looked_at.title(row), weights)
    # "the US" is mentioned by an article that writes "the United States".
    mentioned |= looked_at.initials(reader, row)
    return any(name.isdisjoint(mentioned) for name in lacking)


def _more(
    analyzer: Analyzer,
    article: Sequence[PassageRow],
    told: Sequence[str],
    weights: dict[str, float],
    judged: dict[str, float],
    options: SearchOptions,
    boilerplate: frozenset[int],
    wanted: AnswerType | None,
) -> Excerpt | None:
    """The best short quote from `article` (its body passages) for what the quotes already `told` leave out,
    if it covers `MORE_MIN_SHARE` of the question or holds the count asked for ("how many runs")."""
    # Sentences already quoted are not quoted again, as furniture is not: passages overlap
    # by a sentence or two, and scraped pages repeat a paragraph (a pull quote, "story continues").
    first = " ".join(told)
    unquotable = boilerplate | sentence_keys(told)
    limit = options.excerpt_chars // 2
    quoted_terms = matched_terms(analyzer, first, weights)
    left_out = {term: weight * (ALREADY_QUOTED if term in quoted_terms else 1.0) for term, weight in weights.items()}
    found_weight = None
    if wanted is not None and weights:
        found_weight = ANSWER_TYPE_SHARE * max(weights.values()) * (ALREADY_QUOTED if holds(first, wanted) else 1.0)
    best: tuple[float, str] | None = None
    for row in article:
        found = best_window(
            row.text, analyzer, left_out, limit, unquotable, glued=False, wanted=wanted, answer_weight=found_weight
        )
        if found is not None and (best is None or found[1] > best[0]):
            best = (found[1], row.text)
    quoted = quote(best[1], analyzer, left_out, limit, unquotable, wanted, found_weight) if best else None
    if quoted is None:
        return None
    if wanted is not None and wanted.unit is not None and holds(quoted.text, wanted):
        return quoted  # "10 million views" answers "how many views", however few of the question's words it repeats
    if coverage(matched_terms(analyzer, quoted.text, weights), judged) < MORE_MIN_SHARE:
        return None
    return quoted


class _PassagesSeen:
    """The passages one question looks at, each fetched, keyed and read once.

    Typo trials rank the question again, and a deeper pool goes over the first
    candidates again: fetching a passage, and reading its words, are the
    costliest steps of judging it.
    """

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self._rows: dict[int, PassageRow] = {}
        self._keys: dict[int, str] = {}
        self._passages: dict[int, frozenset[str]] = {}
        self._titles: dict[int, frozenset[str]] = {}
        self._bodies: dict[int, list[PassageRow]] = {}
        self._articles: dict[int, frozenset[str]] = {}
        self._initials: dict[int, frozenset[str]] = {}

    def rows(self, reader: PassageReader, pids: Sequence[int]) -> dict[int, PassageRow]:
        """`reader.passages(pids)`, fetching only the ones not fetched before."""
        missing = [pid for pid in pids if pid not in self._rows]
        if missing:
            self._rows.update(reader.passages(missing))
        return {pid: self._rows[pid] for pid in pids if pid in self._rows}

    def text_key(self, row: PassageRow) -> str:
        """The passage's text as copies are compared: case and spacing folded."""
        found = self._keys.get(row.pid)
        if found is None:
            found = self._keys[row.pid] = " ".join(row.text.casefold().split())
        return found

    def passage(self, row: PassageRow) -> frozenset[str]:
        found = self._passages.get(row.pid)
        if found is None:
            found = self._passages[row.pid] = all_terms(self.analyzer, row.text)
        return found

    def bodies(self, reader: PassageReader, row: PassageRow) -> list[PassageRow]:
        """`row`'s article body passages, fetched once per question: for its terms, its initials and more quotes."""
        found = self._bodies.get(row.document_id)
        if found is None:
            found = self._bodies[row.document_id] = reader.article_bodies(row.document_id)
        return found

    def article(self, reader: PassageReader, row: PassageRow) -> frozenset[str]:
        """Every term of `row`'s article body, read once per question."""
        found = self._articles.get(row.document_id)
        if found is None:
            terms: set[str] = set()
            for body in self.bodies(reader, row):
                terms |= self.passage(body)
            found = self._articles[row.document_id] = frozenset(terms)
        return found

    def initials(self, reader: PassageReader, row: PassageRow) -> frozenset[str]:
        """The initials of each run of capitalised words in `row`'s article and title ("United States": "us")."""
        found = self._initials.get(row.document_id)
        if found is None:
            texts = [row.title, *(body.text for body in self.bodies(reader, row))]
            found = self._initials[row.document_id] = frozenset(initials(" \n".join(texts)))
        return found

    def title(self, row: PassageRow) -> frozenset[str]:
        found = self._titles.get(row.document_id)
        if found is None:
            found = self._titles[row.document_id] = all_terms(self.analyzer, row.title)
        return found


def _shingles(text: str) -> frozenset[str]:
    """Runs of three words: two passages sharing most of them tell the same story in the same words."""
    words = text.casefold().split()
    return frozenset(" ".join(words[i : i + 3]) for i in range(max(len(words) - 2, 0)))


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a and b) and len(a & b) >= NEAR_DUPLICATE * len(a | b)


def _fold_source(hit: Hit, row: PassageRow) -> bool:
    """The same story scraped again, elsewhere: one answer, with every source named. True if folded."""
    if row.kind == "headline" or row.document_id == hit.document_id:
        return False
    source = row.url or row.file
    if source not in hit.also and source != (hit.url or hit.file) and len(hit.also) < _MAX_SOURCES:
        hit.also.append(source)
    return True
