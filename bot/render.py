"""Answers and lists as Discord embeds, always inside Discord's limits.

Discord rejects a whole message (HTTP 400, code 50035) when any limit is
exceeded, so every text is clipped here at a word boundary before it is sent.
Text from the archive goes through `bot.text`: no control or bidirectional
characters, and markdown escaped so a scraped `*`, `-#` or `[link](...)` cannot
restyle a reply; the bold of matched words is the only markdown it gains.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from newsbot.bot.replies import following_lines, nothing_text, preface_lines
from newsbot.bot.text import discord_markdown, discord_plain, sanitize
from newsbot.retrieval import Answer, Hit, LatestItem, human_date

# Discord's documented limits (API v10).
CONTENT_LIMIT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
LATEST_LINE_LIMIT = 400  # ours: one headline per line keeps a page of ten well under the description limit

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
    """`url` if Discord will accept it as an embed link; a malformed one would fail the whole reply.

    One holding control or bidirectional characters is refused too: it is made to mislead.
    """
    if (
        url
        and url.startswith(("https://", "http://"))
        and len(url) <= 2048
        and not any(c.isspace() for c in url)
        and sanitize(url) == url
    ):
        return url
    return None


# A masked link's target ends at the first `)`, and `\`, `<` and `>` change how it is read: an
# archived url holding one could close the link early and append markdown of its own.
_LINK_TARGET_ESCAPES = str.maketrans({c: f"%{ord(c):02X}" for c in "()<>\\"})


def masked_link(text: str, url: str) -> str:
    """`[text](url)` that Discord reads as one link, whatever the url holds (it is percent-encoded)."""
    return f"[{text}]({url.translate(_LINK_TARGET_ESCAPES)})"


def hit_embed(hit: Hit, number: int, description_limit: int = EMBED_DESCRIPTION_LIMIT) -> discord.Embed:
    """One answer: linked title, the quoted excerpt with matched words in bold, date and file."""
    day = f"{hit.date_human} ({hit.date.isoformat()})" if hit.date else hit.date_human
    kind = "headline" if hit.kind == "headline" else "article"
    number_mark = f"{number}. "
    embed = discord.Embed(
        # Embed titles and descriptions render markdown; footers show text as typed.
        title=number_mark + discord_markdown(hit.title, limit=EMBED_TITLE_LIMIT - len(number_mark)),
        url=link(hit.url),
        description=_quotes(hit, description_limit),
        colour=ACCENT,
    )
    also = f" · also in {len(hit.also)} other source{'s' if len(hit.also) > 1 else ''}" if hit.also else ""
    embed.set_footer(text=discord_plain(f"{day} · {kind} · {hit.file}{also}", limit=EMBED_FOOTER_LIMIT))
    return embed


def _quotes(hit: Hit, limit: int) -> str:
    """The excerpt as a block quote; under the lead answer, its other quotes from the article, each after a gap."""
    gap = "\n> \u2026\n"  # an ellipsis line between quotes: they are from different paragraphs
    quoted = [(hit.more, hit.more_highlights), (hit.further, hit.further_highlights)]
    # Another quote may take a third of the room, a quarter when there are two, the excerpt the rest; escapes
    # and bold marks can double a quote's length. One with under 100 characters of room is left out.
    room = limit // 4 if sum(bool(text) for text, _ in quoted) > 1 else limit // 3
    others = [(text, spans, min(len(text) * 2, room)) for text, spans in quoted if text]
    others = [other for other in others if other[2] >= 100]
    first_limit = limit - sum(len(gap) + allowed for *_, allowed in others)
    parts = [discord_markdown(hit.excerpt, hit.highlights, multiline=True, quote=True, limit=first_limit)]
    spare = first_limit - len(parts[0])  # room a quote leaves unused goes to the next
    for text, spans, allowed in others:
        parts.append(discord_markdown(text, spans, multiline=True, quote=True, limit=allowed + spare))
        spare += allowed - len(parts[-1])
    return gap.join(parts)


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
    shown = discord_markdown(" ".join(question.split()), limit=300)
    return clip(f"Results {first}–{last} for “{shown}”", CONTENT_LIMIT)


def _emphasis(word: str) -> str:
    return f"*{discord_markdown(word)}*"


def nothing_found(answer: Answer) -> str:
    """The private reply when the archive cannot answer: what it lacks, in the member's words."""
    return clip(
        "\n".join([*following_lines(answer, _emphasis), nothing_text(answer, _emphasis, "`/latest`")]), CONTENT_LIMIT
    )


DATE_HINT = "to filter by date, use the `after` and `before` options of `/ask`"


def answer_content(answer: Answer, heading: str) -> str:
    """The message above the answer embeds: corrections, dates, what was not matched, then the heading."""
    return clip("\n".join([*preface_lines(answer, _emphasis, DATE_HINT), heading]), CONTENT_LIMIT)


def latest_line(item: LatestItem) -> str:
    """One headline or article: date, kind, and its title, linked when it has a url.

    The title is clipped before it is wrapped in a link, so a cut never breaks
    the link syntax; a url too long to leave room for a title is not linked.
    """
    marker = "📰" if item.kind == "article" else "•"
    head = f"`{human_date(item.date)}` {marker} "
    budget = LATEST_LINE_LIMIT - len(head)
    if url := link(item.url):
        linked = masked_link("", url)
        if budget - len(linked) >= 40:
            return head + masked_link(discord_markdown(item.title, limit=budget - len(linked)), url)
    return head + discord_markdown(item.title, limit=budget)


def lines_within(lines: Sequence[str], limit: int) -> list[str]:
    """The first lines whose joined text fits in `limit` characters: cutting inside one could split its markdown."""
    kept: list[str] = []
    size = -1
    for line in lines:
        size += len(line) + 1
        if size > limit:
            break
        kept.append(line)
    return kept


def latest_embed(items: Sequence[LatestItem], page: int, pages: int, total: int) -> discord.Embed:
    """A page of headlines and articles, newest first, one line each."""
    lines = [latest_line(item) for item in items]
    embed = discord.Embed(
        title="Latest news", description="\n".join(lines_within(lines, EMBED_DESCRIPTION_LIMIT)), colour=ACCENT
    )
    embed.set_footer(text=f"Page {page + 1} of {pages} · {total} items · 📰 article, • headline")
    return embed


def fields_embed(title: str, rows: Sequence[tuple[str, str]], description: str | None = None) -> discord.Embed:
    """A summary card (stats, reindex reports) with one inline field per row.

    The texts are the caller's markdown (file names in code spans), so they are
    not escaped here, but control and bidirectional characters from file names
    and reasons are still dropped.
    """
    embed = discord.Embed(title=clip(sanitize(title), EMBED_TITLE_LIMIT), colour=ACCENT)
    if description:
        embed.description = clip(sanitize(description, multiline=True), EMBED_DESCRIPTION_LIMIT)
    for name, value in rows[:25]:
        embed.add_field(
            name=clip(sanitize(name), 256),
            value=clip(sanitize(value or "-", multiline=True), EMBED_FIELD_VALUE_LIMIT),
            inline=True,
        )
    return embed
