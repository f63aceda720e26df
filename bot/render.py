"""Answers and lists as Discord embeds, always inside Discord's limits.

Discord rejects a whole message (HTTP 400, code 50035) when any limit is
exceeded, so every text is clipped here at a word boundary before it is sent;
article text is markdown-escaped so a scraped `*` or `_` cannot restyle a reply.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord
from discord.utils import escape_markdown

from retrieval import Hit, LatestItem, human_date

# Discord's documented limits (API v10).
CONTENT_LIMIT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000

NO_MENTIONS = discord.AllowedMentions.none()
ACCENT = discord.Colour(0x2B6CB0)
ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with an ellipsis.

    Markdown bold/link syntax left open by the cut is closed so it does not leak.
    """
    if len(text) <= limit:
        return text
    budget = max(limit - 3, 1)  # room for a closing "**" and the ellipsis
    cut = text.rfind(" ", 0, budget)
    head = text[: cut if cut > budget // 2 else budget].rstrip()
    if head.endswith("\\"):  # never leave a dangling escape
        head = head[:-1]
    if _open_bold(head):
        head = head[: limit - 3].rstrip() + "**"
    return (head + ELLIPSIS)[:limit]


def _open_bold(text: str) -> bool:
    count, index = 0, 0
    while (index := text.find("**", index)) != -1:
        if index == 0 or text[index - 1] != "\\":
            count += 1
        index += 2
    return count % 2 == 1


def link(url: str | None) -> str | None:
    """`url` if Discord will accept it as an embed link; a malformed one would fail the whole reply."""
    if url and url.startswith(("https://", "http://")) and len(url) <= 2048 and not any(c.isspace() for c in url):
        return url
    return None


def quote(text: str) -> str:
    """Every line as a Discord block quote."""
    return "\n".join("> " + line for line in text.splitlines() if line.strip())


def hit_embed(hit: Hit, number: int, description_limit: int = EMBED_DESCRIPTION_LIMIT) -> discord.Embed:
    """One answer: linked title, the quoted excerpt with matched words in bold, date and file."""
    excerpt = quote(hit.marked("**", "**", escape=escape_markdown))
    day = f"{hit.date_human} ({hit.date.isoformat()})" if hit.date else hit.date_human
    kind = "headline" if hit.kind == "headline" else "article"
    embed = discord.Embed(
        title=clip(f"{number}. {escape_markdown(hit.title)}", EMBED_TITLE_LIMIT),
        url=link(hit.url),
        description=clip(excerpt, description_limit),
        colour=ACCENT,
    )
    embed.set_footer(text=clip(f"{day} · {kind} · {hit.file}", EMBED_FOOTER_LIMIT))
    return embed


def answer_embeds(hits: Sequence[Hit], first_number: int = 1) -> list[discord.Embed]:
    """Embeds for a page of answers, their total kept under Discord's 6,000 characters."""
    hits = list(hits)[:EMBEDS_PER_MESSAGE]
    if not hits:
        return []
    # Titles and footers are small; the excerpts share what is left fairly.
    fixed = sum(min(len(h.title) + 6, EMBED_TITLE_LIMIT) + len(h.file) + 60 for h in hits)
    per_description = max(200, min(EMBED_DESCRIPTION_LIMIT, (EMBED_TOTAL_LIMIT - fixed - 50) // len(hits)))
    embeds = [hit_embed(hit, first_number + i, per_description) for i, hit in enumerate(hits)]
    while sum(len(e) for e in embeds) > EMBED_TOTAL_LIMIT and per_description > 50:
        per_description //= 2
        embeds = [hit_embed(hit, first_number + i, per_description) for i, hit in enumerate(hits)]
    return embeds


def question_line(question: str, first: int, last: int) -> str:
    """The message content above the answers: which question, which results."""
    shown = clip(escape_markdown(" ".join(question.split())), 300)
    return clip(f"Results {first}–{last} for “{shown}”", CONTENT_LIMIT)


NOTHING_FOUND = (
    "I couldn't find anything in the news archive about that. Try other words, or `/latest` for the newest headlines."
)


def latest_embed(items: Sequence[LatestItem], page: int, pages: int, total: int) -> discord.Embed:
    """A page of headlines and articles, newest first, one line each."""
    lines = []
    for item in items:
        title = escape_markdown(item.title)
        if url := link(item.url):
            title = f"[{title}]({url})"
        marker = "📰" if item.kind == "article" else "•"
        lines.append(clip(f"`{human_date(item.date)}` {marker} {title}", 400))
    embed = discord.Embed(
        title="Latest news", description=clip("\n".join(lines), EMBED_DESCRIPTION_LIMIT), colour=ACCENT
    )
    embed.set_footer(text=f"Page {page + 1} of {pages} · {total} items · 📰 article, • headline")
    return embed


def fields_embed(title: str, rows: Sequence[tuple[str, str]], description: str | None = None) -> discord.Embed:
    """A summary card (stats, reindex reports) with one inline field per row."""
    embed = discord.Embed(title=clip(title, EMBED_TITLE_LIMIT), colour=ACCENT)
    if description:
        embed.description = clip(description, EMBED_DESCRIPTION_LIMIT)
    for name, value in rows[:25]:
        embed.add_field(name=clip(name, 256), value=clip(value or "-", EMBED_FIELD_VALUE_LIMIT), inline=True)
    return embed
