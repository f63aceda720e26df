"""Boilerplate: a sentence under three different titles is site furniture, never quoted and never an answer."""

from __future__ import annotations

from pathlib import Path

from newsbot.retrieval import Archive, ArchiveOptions
from newsbot.retrieval.answer import without_furniture
from newsbot.retrieval.boilerplate import sentence_key, sentence_keys
from newsbot.retrieval.chunking import Span

FOOTER = "Stay updated with the latest sports news across Cricket, Football, Chess, and more."


def _article(seeds: Path, name: str, title: str, body: str) -> None:
    (seeds / f"{name}.md").write_text(f"---\ntitle: {title}\ndate: 2026-02-01\n---\n{body}\n", encoding="utf-8")


def test_sentence_keys_ignore_case_spacing_and_curly_quotes_but_not_words() -> None:
    assert sentence_key("It’s  the Daily BRIEF.") == sentence_key("it's the daily brief.")
    assert sentence_key("It's the daily brief.") != sentence_key("It's the weekly brief.")
    assert sentence_key("Sport Sport") is None  # too short to judge
    assert len(sentence_keys(["One two three. Four five six. One two three."])) == 2


async def test_a_footer_under_three_titles_is_never_quoted_nor_an_answer(options: ArchiveOptions) -> None:
    seeds = options.seeds_dir
    for name in ("kohli", "pant", "gill"):
        _article(seeds, name, f"{name.title()} scores a century", f"{name.title()} batted all day at Lord's. {FOOTER}")
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        assert len(await archive.store.boilerplate()) == 1
        answer = await archive.ask("latest cricket football chess news")
        assert not answer.found  # only the footer matches: not an answer
        hits = (await archive.ask("Kohli batted at Lord's", k=5)).hits
        assert hits and all("Stay updated" not in hit.excerpt for hit in hits)
        # Two of the three go: the footer is under one title now, and is content again.
        (seeds / "pant.md").unlink()
        (seeds / "gill.md").unlink()
        await archive.reindex(allow_removals=True)
        assert await archive.store.boilerplate() == frozenset()
    finally:
        await archive.close()


async def test_a_story_scraped_many_times_is_not_boilerplate(options: ArchiveOptions) -> None:
    for i in range(5):  # the same title each time: one story, not site furniture
        _article(options.seeds_dir, f"copy{i}", "Monsoon floods Assam", f"The Brahmaputra rose overnight. {FOOTER}")
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        assert await archive.store.boilerplate() == frozenset()
        assert (await archive.ask("Brahmaputra rose overnight")).found
    finally:
        await archive.close()


async def test_an_archive_built_before_sentence_keys_gets_them_at_its_next_reindex(options: ArchiveOptions) -> None:
    for name in ("kohli", "pant", "gill"):
        _article(options.seeds_dir, name, f"{name.title()} scores", f"{name.title()} batted. {FOOTER}")
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        # As an archive from before this feature looks: no keys, no boilerplate, not complete.
        for sql in ("DELETE FROM sentences", "DELETE FROM boilerplate"):
            await archive.store.db.execute(sql)
        await archive.store.set_meta("sentences_complete", "0")
        report = await archive.reindex()  # nothing changed in the seeds
        assert report.added == report.changed == 0
        assert len(await archive.store.boilerplate()) == 1
        assert await archive.store.meta("sentences_complete") == "1"
    finally:
        await archive.close()


TEASERS = (
    "Bajaj Finance vs. Tata Capital; how do they stack up RBI policy: Can bank credit to REITs burnish their allure?"
)


def test_furniture_glued_to_a_sentence_without_a_sentence_end_is_cut_off() -> None:
    furniture = frozenset({sentence_key(TEASERS), sentence_key("Get BusinessLine apps on Connect with us")})
    glued = f"The NDA picked CP Radhakrishnan as its candidate {TEASERS}"
    span = without_furniture(glued, Span(0, len(glued)), furniture)
    assert glued[span.start : span.end] == "The NDA picked CP Radhakrishnan as its candidate"
    led = "Get BusinessLine apps on Connect with us USL's reported EBITDA fell by 9.7%"
    span = without_furniture(led, Span(0, len(led)), furniture)
    assert led[span.start : span.end] == "USL's reported EBITDA fell by 9.7%"
    span = without_furniture(TEASERS, Span(0, len(TEASERS)), furniture)
    assert span.start == span.end  # nothing but furniture
    plain = "Tata Capital: how the lender stacks up against Bajaj Finance vs. Tata Capital"
    assert without_furniture(plain, Span(0, len(plain)), furniture) == Span(0, len(plain))


async def test_teasers_glued_to_an_articles_last_sentence_are_not_quoted(options: ArchiveOptions) -> None:
    seeds = options.seeds_dir
    for name in ("floods", "budget", "rains"):
        _article(seeds, name, f"{name.title()} report", f"The {name} committee met on Monday.   {TEASERS}")
    _article(seeds, "nda", "NDA names its candidate", f"The NDA picked CP Radhakrishnan as its candidate {TEASERS}")
    archive = await Archive.open(options)
    try:
        await archive.reindex()
        hits = (await archive.ask("Whom did the NDA pick as its candidate?")).hits
    finally:
        await archive.close()
    assert hits[0].title == "NDA names its candidate"
    assert hits[0].excerpt == "The NDA picked CP Radhakrishnan as its candidate"
