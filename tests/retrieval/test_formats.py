from __future__ import annotations

from datetime import date

import pytest

from newsbot.retrieval.formats import FormatWarning, parse_jsonl, parse_markdown, parse_page, parse_text
from tests.conftest import SEED

SEED_HEADLINES = [
    ("Foreign Interests and Native Fatigue: Iran on the Brink", date(2026, 1, 11)),
    ("“Muslim NATO”: Turkey’s New Strategic Vector", date(2026, 1, 10)),
    ("The Use of the “Oreshnik” Missile and a New Phase of Escalation Around Ukraine", date(2026, 1, 9)),
    ("Solidarity Deferred: Croatia and Romania’s Dangerous Retreat", date(2026, 1, 8)),
    ("Azerbaijan’s Eurasian Initiative: Ambitions, Challenges, and Doubts", date(2026, 1, 7)),
    ("The Great Rotation: Personnel Reshuffles in Ukraine’s Leadership", date(2026, 1, 6)),
    ("The United States Did Not Confirm an Alleged Ukrainian Attack on Putin’s Residence", date(2026, 1, 5)),
    ("The Trans-Caspian Fiber Optic Cable: A Digital Milestone Connecting Europe and Asia", date(2026, 1, 4)),
    (
        "Georgia Hopes for a Review of Venezuela’s Recognition of Abkhazia and South Ossetia Amid Ongoing Crisis",
        date(2026, 1, 4),
    ),
    ("Ukraine’s Allies Discuss Security and the Future of a Peace Settlement", date(2026, 1, 3)),
]


def test_seed_page_parses_to_its_title_date_body_and_ten_dated_headlines() -> None:
    raw = SEED.read_text(encoding="utf-8")
    document = parse_page(raw, SEED.name)
    assert document is not None
    assert document.title == "Sustainable peace in Karabakh will require cooperation of external players – ICG"
    assert document.date == date(2026, 1, 14)
    assert [(h.title, h.date) for h in document.headlines] == SEED_HEADLINES
    lines = raw.splitlines()
    # The body is exactly the five paragraph lines between the title and "Latest news".
    assert document.paragraphs() == lines[2:7]
    assert document.body == "\n\n".join(lines[2:7])
    assert "Latest news" not in document.body
    assert document.url is None


def test_latest_news_heading_on_its_own_line_is_handled_too() -> None:
    page = "Title\n\nBody text here.\nLatest news\nFirst headline\n11.Jan.2026\n\n14 Jan 2026\n"
    document = parse_page(page, "x.txt")
    assert document is not None
    assert [(h.title, h.date) for h in document.headlines] == [("First headline", date(2026, 1, 11))]
    assert document.date == date(2026, 1, 14)
    assert document.body == "Body text here."


def test_page_without_a_date_line_has_an_unknown_date() -> None:
    document = parse_page("A title\nSome body.\nMore body.\n", "x.txt")
    assert document is not None
    assert document.date is None
    assert document.paragraphs() == ["Some body.", "More body."]


def test_markdown_front_matter_gives_title_date_and_url() -> None:
    text = (
        '---\ntitle: "Grain deal extended"\ndate: January 14, 2026\nurl: https://example.org/a\n---\n'
        "# Grain deal extended\n\nThe deal was extended\nfor sixty days.\n\nSecond paragraph.\n"
    )
    document = parse_text(text, "notes/grain.md")
    assert document is not None
    assert (document.title, document.date, document.url) == (
        "Grain deal extended",
        date(2026, 1, 14),
        "https://example.org/a",
    )
    assert document.paragraphs() == [
        "Grain deal extended",
        "The deal was extended for sixty days.",
        "Second paragraph.",
    ]


def test_markdown_without_front_matter_takes_its_heading_as_title() -> None:
    document = parse_markdown("# Port strike ends\n\nWorkers returned on Monday.\n", "a.md")
    assert document is not None
    assert document.title == "Port strike ends"
    assert document.date is None


def test_jsonl_lines_become_articles_and_bad_lines_warnings() -> None:
    lines = [
        '{"title": "A", "date": "2025-08-18T14:18:30Z", "url": "https://x/a", "text": "Alpha text."}\n',
        "not json\n",
        "\n",
        '["a list"]\n',
        '{"title": "B", "date": "someday", "text": "Beta text."}\n',
        '{"title": "A again", "url": "https://x/a", "text": "Same url."}\n',
    ]
    items = list(parse_jsonl(iter(lines), "export.jsonl"))
    warnings = [str(i) for i in items if isinstance(i, FormatWarning)]
    documents = [i for i in items if not isinstance(i, FormatWarning)]
    assert warnings == ["line 2: not valid JSON (Expecting value)", "line 4: expected a JSON object"]
    assert [(d.title, d.date, d.url) for d in documents] == [
        ("A", date(2025, 8, 18), "https://x/a"),
        ("B", None, None),
        ("A again", None, "https://x/a"),
    ]
    assert len({d.key for d in documents}) == 3


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_blank_text_is_no_document(text: str) -> None:
    assert parse_text(text, "blank.txt") is None
