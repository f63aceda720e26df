"""One parser per file format, each turning decoded text into `Document`s.

Parsers are pure functions of the text: reading bytes, decoding and reporting
broken files is `seeds.py`'s job.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import PurePath

from newsbot.retrieval.dates import parse_date
from newsbot.retrieval.documents import Document, Headline

PAGE_SUFFIXES = frozenset({".txt", ".text"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
SUPPORTED_SUFFIXES = PAGE_SUFFIXES | MARKDOWN_SUFFIXES | JSONL_SUFFIXES

# Scraped pages glue the block heading to the first headline ("Latest newsForeign
# Interests and ..."), so the heading is matched as a prefix, not as a whole line.
_LATEST_NEWS = re.compile(r"^\s*latest\s+news\s*[:\-–—]?\s*", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_MD_HEADING = re.compile(r"^#{1,6}\s+")


class FormatWarning(Exception):
    """Something in a file was unusable; the rest of the file still counts."""


def clean_line(line: str) -> str:
    """Collapse runs of whitespace (scrapers leave many, NBSPs included) and trim the ends."""
    if "\u200b" in line:
        line = line.replace("\u200b", "")
    return " ".join(line.split())


def _paragraphs_from_lines(lines: list[str]) -> str:
    return "\n\n".join(cleaned for line in lines if (cleaned := clean_line(line)))


def parse_page(text: str, source: str) -> Document | None:
    """A scraped news page: title line, body, optional "Latest news" block, page date last.

    Returns `None` when the page has no text at all.
    """
    lines = [clean_line(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return None
    title, rest = lines[0], lines[1:]

    marker = next((i for i, line in enumerate(rest) if _LATEST_NEWS.match(line)), None)
    page_date = None
    headlines: list[Headline] = []
    if marker is None:
        body_lines = rest
        if body_lines and (page_date := parse_date(body_lines[-1])) is not None:
            body_lines = body_lines[:-1]
    else:
        body_lines = rest[:marker]
        glued = _LATEST_NEWS.sub("", rest[marker], count=1)
        block = ([glued] if glued else []) + rest[marker + 1 :]
        pending: str | None = None
        for line in block:
            day = parse_date(line)
            if day is None:
                if pending is not None:
                    headlines.append(Headline(title=pending))
                pending = line
            elif pending is not None:
                headlines.append(Headline(title=pending, date=day))
                pending = None
            else:
                # A date with no headline before it is the page's own date; the
                # last one wins because the page date closes the page.
                page_date = day
        if pending is not None:
            headlines.append(Headline(title=pending))
    return Document(
        key=source,
        source=source,
        title=title,
        body=_paragraphs_from_lines(body_lines),
        date=page_date,
        headlines=tuple(headlines),
    )


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    fields: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields, text[match.end() :]


def parse_markdown(text: str, source: str) -> Document | None:
    """Markdown or text with an optional `---` front matter (title, date, url).

    Without a front-matter title, the first heading (or first line) is the title.
    Lines wrapped inside a paragraph are joined; blank lines separate paragraphs.
    """
    fields, rest = _front_matter(text)
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in rest.splitlines():
        line = clean_line(raw)
        heading = _MD_HEADING.match(line)
        if not line or heading:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            if heading:
                paragraphs.append(line[heading.end() :].strip())
            continue
        current.append(line)
    if current:
        paragraphs.append(" ".join(current))
    paragraphs = [p for p in paragraphs if p]
    title = fields.get("title") or ""
    if not title and paragraphs:
        title = paragraphs.pop(0)
    if not title and not paragraphs:
        return None
    return Document(
        key=source,
        source=source,
        title=title,
        body="\n\n".join(paragraphs),
        date=parse_date(fields.get("date", "")),
        url=fields.get("url") or fields.get("link") or None,
    )


def parse_jsonl_line(line: str, source: str, line_number: int) -> Document | None:
    """One article of a JSON Lines export (title, date, url, text).

    Raises `FormatWarning` for a line that is not an article; blank lines are `None`.
    """
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise FormatWarning(f"line {line_number}: not valid JSON ({error.msg})") from None
    if not isinstance(record, dict):
        raise FormatWarning(f"line {line_number}: expected a JSON object")
    text = next((record[k] for k in ("text", "body", "content") if isinstance(record.get(k), str)), "")
    title = record["title"] if isinstance(record.get("title"), str) else ""
    body = _paragraphs_from_lines(text.splitlines())
    title = clean_line(title)
    if not body and not title:
        raise FormatWarning(f"line {line_number}: no title and no text")
    url = record.get("url") if isinstance(record.get("url"), str) else None
    raw_date = record.get("date") or record.get("published") or record.get("publishedAt")
    return Document(
        key=f"{source}#{url or f'line {line_number}'}",
        source=source,
        title=title or body[:80],
        body=body,
        date=parse_date(raw_date) if isinstance(raw_date, str) else None,
        url=url or None,
    )


def parse_jsonl(lines: Iterator[str], source: str) -> Iterator[Document | FormatWarning]:
    """Every article of a JSON Lines file; unusable lines come out as warnings, in place."""
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        try:
            document = parse_jsonl_line(line, source, number)
        except FormatWarning as warning:
            yield warning
            continue
        if document is None:
            continue
        # Exports repeat articles; a repeated url must not overwrite the first one.
        count = seen.get(document.key, 0)
        seen[document.key] = count + 1
        if count:
            document = document.model_copy(update={"key": f"{document.key}#{count + 1}"})
        yield document


def parse_text(text: str, source: str) -> Document | None:
    """A single-article file: front matter or Markdown by content or name, else a scraped page."""
    suffix = PurePath(source).suffix.lower()
    if suffix in MARKDOWN_SUFFIXES or _FRONT_MATTER.match(text):
        return parse_markdown(text, source)
    return parse_page(text, source)
