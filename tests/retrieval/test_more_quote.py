"""The lead answer's second quote: the answering sentence is often a paragraph away from the best-matching one."""

from __future__ import annotations

import json
from pathlib import Path

from newsbot.retrieval.answer import Answer
from newsbot.retrieval.archive import Archive
from newsbot.retrieval.options import ArchiveOptions

OPENING = (
    "Visitors came back to the Lantern Festival in Hoi An this week, and the old town's lantern makers say "
    "the festival is the busiest night of their year. Hoi An hangs silk lanterns over every street for the festival, "
    "and the river fills with paper lanterns after dark. Lantern makers in Hoi An sell out days before."
)
MIDDLE = (
    "The town council closed the riverside roads to cars from noon. Street vendors were moved to the "
    "market square, and the ferry to Cam Kim island runs every twenty minutes until midnight. The weather "
    "held, though the afternoon was hot and humid, and the council handed out water at the bridge."
)
COUNTED = (
    "Organisers counted 120,000 visitors over the festival's three nights, twice as many as last year. Most came "
    "from Da Nang, an hour's drive north, and hotels there were full for the weekend."
)
RIVAL = "Visitors to the Da Nang fireworks festival. The Da Nang fireworks festival drew visitors to the river."


FESTIVALS = [
    {"title": "Hoi An lights up for its Lantern Festival", "text": f"{OPENING}\n\n{MIDDLE}\n\n{COUNTED}",
     "date": "2026-02-12", "url": "https://example.org/hoi-an-lanterns"},
    {"title": "Fireworks over Da Nang", "text": RIVAL, "date": "2026-02-13", "url": "https://example.org/da-nang"},
]  # fmt: skip
VISITORS = "How many visitors came to the Lantern Festival in Hoi An?"


def write_festivals(seeds: Path) -> None:
    (seeds / "festivals.jsonl").write_text("\n".join(json.dumps(r) for r in FESTIVALS) + "\n")


async def _archive(options: ArchiveOptions) -> Archive:
    write_festivals(options.seeds_dir)
    archive = await Archive.open(options)
    await archive.reindex()
    return archive


async def test_lead_answer_also_quotes_the_answering_sentence_from_another_paragraph(options: ArchiveOptions) -> None:
    archive = await _archive(options)
    try:
        answer = await archive.ask(VISITORS)
    finally:
        await archive.close()
    lead = answer.hits[0]
    assert lead.url == "https://example.org/hoi-an-lanterns"
    assert "120,000" not in lead.excerpt  # the first quote is the best-matching passage...
    assert "Organisers counted 120,000 visitors" in lead.more  # ...the second holds the number asked for
    assert len(lead.more) <= options.search.excerpt_chars // 2
    assert "visitors" in [lead.more[a:b] for a, b in lead.more_highlights]
    assert all(not hit.more for hit in answer.hits[1:])  # only the lead answer quotes twice
    first_sentences = [s for s in lead.excerpt.split(". ") if len(s) > 20]
    assert first_sentences and not any(sentence in lead.more for sentence in first_sentences)  # never twice


async def test_no_second_quote_when_the_rest_of_the_article_says_too_little(options: ArchiveOptions) -> None:
    archive = await _archive(options)
    try:
        answer = await archive.ask("How often does the ferry to Cam Kim island run?")
    finally:
        await archive.close()
    lead = answer.hits[0]
    assert lead.url == "https://example.org/hoi-an-lanterns"
    assert "the ferry to Cam Kim island runs every twenty minutes" in lead.excerpt
    assert lead.more == ""  # no other sentence of the article names the ferry, Cam Kim or the island
    assert lead.more_highlights == []


async def _ask_festival(options: ArchiveOptions, paragraphs: list[str], question: str) -> Answer:
    """`question` asked of an archive holding one article: the festival story told in `paragraphs`."""
    record = {
        "title": "Hoi An lights up for its Lantern Festival",
        "text": "\n\n".join(paragraphs),
        "url": "https://example.org/hoi-an-lanterns",
    }
    (options.seeds_dir / "festival.jsonl").write_text(json.dumps(record) + "\n")
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        return await archive.ask(question)
    finally:
        await archive.close()


async def test_a_paragraph_the_article_repeats_is_not_its_second_quote(options: ArchiveOptions) -> None:
    # Scraped pages repeat a paragraph (a pull quote, a "story continues" block): one quote of it is enough.
    question = "Which silk lanterns do Hoi An lantern makers sell?"
    answer = await _ask_festival(options, [OPENING, MIDDLE, OPENING, COUNTED], question)
    lead = answer.hits[0]
    assert "silk lanterns" in lead.excerpt
    assert "silk lanterns" not in lead.more and "Lantern makers in Hoi An sell out" not in lead.more


RESTATED = (
    "Hoi An lantern makers called this Lantern Festival the best festival Hoi An lantern makers have had. "
    "Every lantern maker in Hoi An had a stall at the festival."
)
EARNED = "The stalls earned 2 billion dong over the three nights."


async def test_the_second_quote_holds_what_the_first_leaves_out(options: ArchiveOptions) -> None:
    # The lead paragraph names the lantern makers, Hoi An and the festival; a later paragraph names them all
    # again, and another holds what was asked: what they earned, a figure. The second quote is for that one.
    question = "How much did the lantern makers of Hoi An earn at the festival?"
    answer = await _ask_festival(options, [OPENING, MIDDLE, RESTATED, EARNED], question)
    lead = answer.hits[0]
    assert EARNED not in lead.excerpt
    assert EARNED in lead.more
    assert "earn" in answer.matched


HERITAGE = (
    "The old town of Hoi An became a World Heritage Site in 1999, and its silk lantern makers "
    "have worked the same streets for 400 years."
)
SOLD = "By the last night, 40,000 lanterns had gone."


async def test_the_count_asked_for_is_quoted_however_few_question_words_it_repeats(options: ArchiveOptions) -> None:
    # "40,000 lanterns" answers the question and repeats only "lanterns", the article's commonest word.
    # The heritage paragraph has figures too (1999, 400 years), and more of the question's words, but
    # counts no lanterns: it is not the answer.
    question = "How many lanterns did the silk lantern makers of Hoi An's old town sell this festival?"
    answer = await _ask_festival(options, [OPENING, MIDDLE, HERITAGE, SOLD], question)
    lead = answer.hits[0]
    assert SOLD not in lead.excerpt
    assert SOLD in lead.more


async def test_a_third_quote_holds_what_the_first_two_leave_out(options: ArchiveOptions) -> None:
    # Two things asked: the visitors counted, three paragraphs down, and what the stalls earned, in the last.
    question = "How many visitors came to the Lantern Festival in Hoi An, and what did its stalls earn?"
    answer = await _ask_festival(options, [OPENING, MIDDLE, COUNTED, EARNED], question)
    lead = answer.hits[0]
    assert "Organisers counted 120,000 visitors" in lead.more
    assert EARNED in lead.further
    assert lead.further_highlights and all(0 <= a < b <= len(lead.further) for a, b in lead.further_highlights)
    quotes = [lead.excerpt, lead.more, lead.further]
    assert not any(sentence in later for i, sentence in enumerate(quotes) for later in quotes[i + 1 :])
