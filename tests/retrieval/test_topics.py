"""`latest` on a topic: newest first, every topic word present, read by the questions' analyzer."""

from __future__ import annotations

from datetime import date

from newsbot.retrieval import Archive
from tests.retrieval.test_formats import SEED_HEADLINES


async def test_a_topic_keeps_the_newest_items_holding_its_words(archive: Archive) -> None:
    items = await archive.latest(10, topic="Ukraine")
    # "Ukraine’s" is the same word; "Ukrainian" is another (the stemmer keeps them apart).
    expected = [(title, day) for title, day in SEED_HEADLINES if "Ukraine" in title]
    assert [(item.title, item.date) for item in items] == expected  # dates descending, as the headlines are
    assert all(item.kind == "headline" for item in items)


async def test_every_topic_word_must_be_there_and_forms_are_matched(archive: Archive) -> None:
    both = await archive.latest(10, topic="ukrainian attack")  # "Ukrainian Attack on Putin's Residence"
    assert [item.title for item in both] == [SEED_HEADLINES[6][0]]
    assert await archive.latest(10, topic="Ukraine bananas") == []
    assert await archive.latest(10, topic="the of") == []  # no searchable words


async def test_a_topic_respects_since_and_count(archive: Archive) -> None:
    items = await archive.latest(1, since=date(2026, 1, 7), topic="Ukraine")
    assert [item.date for item in items] == [date(2026, 1, 9)]
    article = await archive.latest(5, topic="Karabakh peace")
    assert article and article[0].kind == "article" and article[0].date == date(2026, 1, 14)
