"""`/latest` on a topic: the newest articles and headlines whose own words hold every topic word.

The engine finds the passages holding the topic's terms (the same analyzer as
questions, so "elections" finds "election"); their dates, not their scores,
order the list. A passage must hold every topic term (in its text or its
article's title): "Pakistan cricket" is not every article on Pakistan.
"""

from __future__ import annotations

from datetime import date

from newsbot.retrieval.analyzer import Analyzer
from newsbot.retrieval.answer import matched_terms
from newsbot.retrieval.engines import Engine
from newsbot.retrieval.reads import LatestItem, PassageReader

# Passages read for one topic, at most: the newest `count` of the best-matching this many.
TOPIC_POOL = 2000


def topic_items(
    engine: Engine,
    reader: PassageReader,
    analyzer: Analyzer,
    topic: str,
    count: int,
    since: date | None = None,
    until: date | None = None,
) -> list[LatestItem]:
    """Newest first, one per title; empty when the topic has no searchable words."""
    terms = analyzer.query_terms(topic)
    if not terms:
        return []
    wanted = dict.fromkeys(terms, 1.0)
    scored = engine.search(terms, TOPIC_POOL, since, until)
    rows = reader.passages([item.pid for item in scored])
    found: dict[str, LatestItem] = {}
    for row in rows.values():
        headline = row.kind == "headline"
        text = row.text if headline else f"{row.title} {row.text}"
        if len(matched_terms(analyzer, text, wanted)) < len(wanted):
            continue
        if headline:
            item = LatestItem(row.text, row.date, "headline", None, row.file)
        else:
            item = LatestItem(row.title, row.date, "article", row.url, row.file)
        key = " ".join(item.title.casefold().split())
        if key not in found or _rank(item) > _rank(found[key]):
            found[key] = item
    ordered = sorted(found.values(), key=lambda item: (item.date or date.min, item.kind == "article"), reverse=True)
    return ordered[:count]


def _rank(item: LatestItem) -> tuple[bool, date]:
    """Which of two items with one title to list: the article over a headline naming it, then the newer."""
    return item.kind == "article", item.date or date.min
