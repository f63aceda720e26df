"""newsbot end to end: the real discord.py client against the local Discord API."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from newsbot.bot.cogs.admin import BUSY, CANCELLED, NOT_ADMIN, NOT_YOURS, report_embed
from newsbot.bot.render import EMBED_DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT, link
from newsbot.bot.settings import Settings
from newsbot.retrieval import ReindexReport
from newsbot.retrieval.engines import TantivyEngine
from newsbot.retrieval.locking import WriterLock
from newsbot.retrieval.seeds import Skipped
from tests.bot.harness import LONG_TITLE, LocalBot, start_bot
from tests.localdiscord import InteractionHandle, LocalDiscord, matching
from tests.retrieval.test_answerability import STRAY_DOGS
from tests.retrieval.test_more_quote import COUNTED, EARNED, MIDDLE, OPENING, VISITORS, write_festivals

MANAGE_GUILD = 1 << 5
MESSAGE_CONTENT_INTENT = 1 << 15
ICG_QUESTION = "What did the ICG say about Russia and Turkey?"


def buttons(data: dict[str, Any]) -> dict[str, str]:
    """Button label → custom_id, from a message payload."""
    return {b["label"]: b["custom_id"] for row in data.get("components", []) for b in row["components"]}


def first_quote(embed: dict[str, Any]) -> str:
    """An answer's excerpt, without the second quote the lead answer may add after an ellipsis line."""
    description: str = embed["description"]
    return description.split("\n> …\n")[0]


async def answered(ix: InteractionHandle) -> dict[str, Any]:
    callback = await ix.response()
    assert callback.status == 200, callback.response
    data: dict[str, Any] = callback.json["data"]
    return data


async def test_slash_commands_are_synced_with_admin_defaults(server: LocalDiscord, newsbot: LocalBot) -> None:
    synced = server.requests_matching(matching("PUT", f"/guilds/{server.guild_id}/commands"))[-1].json
    by_name = {command["name"]: command for command in synced}
    assert set(by_name) == {"ask", "latest", "reindex", "stats", "gaps", "settings", "forget-me", "Ask the archive"}
    assert by_name["forget-me"]["default_member_permissions"] is None  # every member may erase their data
    for moderators in ("reindex", "stats", "gaps", "settings"):
        assert str(by_name[moderators]["default_member_permissions"]) == str(MANAGE_GUILD)
    assert by_name["Ask the archive"]["type"] == 3  # a message context-menu command
    assert by_name["ask"]["default_member_permissions"] is None
    assert [o["name"] for o in by_name["ask"]["options"]] == ["question", "results", "after", "before"]
    # Slash commands need no privileged intent: message content is not requested.
    assert server.intents is not None and server.intents & MESSAGE_CONTENT_INTENT == 0


async def test_ask_answers_with_quoted_dated_excerpts_and_buttons(server: LocalDiscord, newsbot: LocalBot) -> None:
    data = await answered(await server.slash("ask", {"question": ICG_QUESTION}))
    assert data["allowed_mentions"] == {"parse": []}
    # One answer: the other passages that mention Russia or Turkey cover too little of the question.
    assert data["content"] == f"Results 1–1 for “{ICG_QUESTION}”"
    first = data["embeds"][0]
    assert first["title"] == "1. Sustainable peace in Karabakh will require cooperation of external players – ICG"
    assert first["description"].startswith("> “A sustainable world will require **Russia**, **Turkey** and Western")
    assert first["footer"]["text"] == "14 January 2026 (2026-01-14) · article · 000_5366ab7e5f21e498.txt"
    assert len(data["embeds"]) == 1
    assert set(buttons(data)) == {"More results", "Helpful", "Not helpful"}
    assert "flags" not in data  # answers are public
    assert (await newsbot.archive.stats())["questions_answered"] == 1


async def test_ask_with_a_date_range_keeps_to_it(server: LocalDiscord, newsbot: LocalBot) -> None:
    window = {"after": "06.Jan.2026", "before": "2026-01-09"}
    ix = await server.slash("ask", {"question": "Ukraine", "results": 5, **window})
    data = await answered(ix)
    footers = [embed["footer"]["text"] for embed in data["embeds"]]
    assert footers and all(("6 January 2026" in f) or ("9 January 2026" in f) for f in footers)
    bad = await answered(await server.slash("ask", {"question": "Ukraine", "after": "someday"}))
    assert bad["flags"] == 64 and "can't read the date 'someday'" in bad["content"]


async def test_a_mention_is_answered_in_the_channel(server: LocalDiscord, newsbot: LocalBot) -> None:
    mark = server.mark()
    asked = await server.send_message(ICG_QUESTION, mentions_bot=True)
    reply = await server.wait_for_request(matching("POST", "/messages"), after=mark)
    assert reply.status == 200
    assert str(reply.json["message_reference"]["message_id"]) == asked["id"]
    assert reply.json["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert reply.json["embeds"][0]["description"].startswith("> “A sustainable world")


async def test_nothing_found_is_a_short_friendly_reply(server: LocalDiscord, newsbot: LocalBot) -> None:
    data = await answered(await server.slash("ask", {"question": "quantum chromodynamics lattice"}))
    assert data["flags"] == 64
    assert data["content"].startswith("Nothing in the archive about *quantum*, *chromodynamics* or *lattice*.")
    assert "/latest" in data["content"]
    assert not data.get("embeds")


async def test_an_unanswerable_question_gets_no_unrelated_quote(server: LocalDiscord, newsbot: LocalBot) -> None:
    data = await answered(await server.slash("ask", {"question": "Who won the 2022 FIFA World Cup?"}))
    assert data["flags"] == 64 and not data.get("embeds")
    assert "*FIFA*" in data["content"] and "It does mention *World*" in data["content"]


async def _slash_asks(server: LocalDiscord, settings: Settings, *questions: str) -> list[dict[str, Any]]:
    """Each of `questions` asked with /ask of a bot started on `settings`, and its answer."""
    bot, runner = await start_bot(server, settings)
    try:
        return [await answered(await server.slash("ask", {"question": question})) for question in questions]
    finally:
        await bot.close()
        await asyncio.wait_for(runner, 5)


async def test_a_story_that_never_names_the_place_asked_about_gets_no_quote(
    server: LocalDiscord, make_settings: Callable[..., Settings], bot_seeds: Path
) -> None:
    (bot_seeds / "dogs.md").write_text(STRAY_DOGS)
    data, delhi = await _slash_asks(
        server,
        make_settings(dev_guild_id=int(server.guild_id)),
        "What did the Supreme Court say about stray dogs in Mumbai?",
        "What did the Supreme Court say about stray dogs in Delhi?",
    )
    assert data["flags"] == 64 and not data.get("embeds")
    assert data["content"].startswith("Nothing in the archive about *Mumbai*.")
    assert data["allowed_mentions"] == {"parse": []}
    assert delhi["embeds"][0]["title"].endswith("Court orders shelters for strays")


async def test_a_corrected_typo_is_announced_above_the_answer(server: LocalDiscord, newsbot: LocalBot) -> None:
    data = await answered(await server.slash("ask", {"question": "Oreshnk missile"}))
    assert data["content"].splitlines()[0] == "Showing results for *Oreshnik missile*."
    assert data["embeds"][0]["title"].startswith("1. The Use of the “Oreshnik” Missile")


async def test_more_results_pages_for_the_asker_only(server: LocalDiscord, newsbot: LocalBot) -> None:
    asker, other = server.next_id(), server.next_id()
    ix = await server.slash("ask", {"question": "Ukraine", "results": 1}, user_id=asker)
    first = await answered(ix)
    assert first["content"].startswith("Results 1–1")
    more = buttons(first)["More results"]

    refused = await answered(await server.click(ix, more, user_id=other))
    assert refused["flags"] == 64 and "Only the member who asked" in refused["content"]

    page = await server.click(ix, more, user_id=asker)
    callback = await page.response()
    assert callback.json["type"] == 7  # the answer message itself is updated
    second = callback.json["data"]
    assert second["content"].startswith("Results 2–2")
    assert second["embeds"][0]["title"].startswith("2. ")
    assert second["embeds"][0]["title"] != first["embeds"][0]["title"]
    assert second["allowed_mentions"] == {"parse": []}


async def test_feedback_is_one_vote_per_member_per_answer(server: LocalDiscord, newsbot: LocalBot) -> None:
    ix = await server.slash("ask", {"question": ICG_QUESTION})
    ids = buttons(await answered(ix))
    member, other = server.next_id(), server.next_id()
    first = await answered(await server.click(ix, ids["Helpful"], user_id=member))
    again = await answered(await server.click(ix, ids["Helpful"], user_id=member))
    other_vote = await answered(await server.click(ix, ids["Not helpful"], user_id=other))
    assert first["content"] == "Thanks, your vote is recorded." and first["flags"] == 64
    assert again["content"] == "You already voted that way on this answer."
    assert other_vote["content"] == "Thanks, your vote is recorded."
    assert await newsbot.members.vote_counts() == (1, 1)


async def test_forget_me_erases_a_members_votes_and_only_theirs(server: LocalDiscord, newsbot: LocalBot) -> None:
    ix = await server.slash("ask", {"question": ICG_QUESTION})
    ids = buttons(await answered(ix))
    member, other = server.next_id(), server.next_id()
    await answered(await server.click(ix, ids["Helpful"], user_id=member))
    await answered(await server.click(ix, ids["Not helpful"], user_id=other))
    reply = await answered(await server.slash("forget-me", user_id=member))
    assert reply["flags"] == 64 and reply["allowed_mentions"] == {"parse": []}
    assert reply["content"].startswith("Done: newsbot deleted 1 vote you gave")
    assert await newsbot.members.vote_counts() == (0, 1)  # the other member's vote stays
    async with newsbot.members.db.execute("SELECT COUNT(*) FROM votes WHERE user_id = ?", (int(member),)) as cursor:
        assert await cursor.fetchone() == (0,)
    again = await answered(await server.slash("forget-me", user_id=member))
    assert again["content"].startswith("newsbot had nothing stored about you")


async def test_latest_lists_newest_first_and_pages(server: LocalDiscord, newsbot: LocalBot) -> None:
    ix = await server.slash("latest", {"count": 12})
    data = await answered(ix)
    lines = data["embeds"][0]["description"].splitlines()
    assert lines[0].startswith("`14 January 2026` 📰 Sustainable peace in Karabakh")
    assert lines[1].startswith("`13 January 2026` 📰 Zoning")
    assert len(lines) == 10
    assert data["embeds"][0]["footer"]["text"].startswith("Page 1 of 2 · 12 items")
    older = buttons(data)["Older ▶"]
    turned = await (await server.click(ix, older, user_id=server.user_id)).response()
    page_two = turned.json["data"]["embeds"][0]
    assert page_two["footer"]["text"].startswith("Page 2 of 2")
    assert len(page_two["description"].splitlines()) == 2


async def test_latest_on_a_topic_lists_only_what_holds_its_words(server: LocalDiscord, newsbot: LocalBot) -> None:
    data = await answered(await server.slash("latest", {"topic": "Ukraine"}))
    lines = data["embeds"][0]["description"].splitlines()
    assert len(lines) == 3 and all("Ukraine" in line for line in lines)
    assert lines[0].startswith("`9 January 2026`")
    none = await answered(await server.slash("latest", {"topic": "bananas"}))
    assert none["flags"] == 64 and none["content"] == "No dated headlines about bananas in the archive."


async def test_reindex_and_stats_are_refused_to_non_admins(server: LocalDiscord, newsbot: LocalBot) -> None:
    # permissions=0: as if a server had overridden the commands' default permissions.
    for name in ("reindex", "stats"):
        data = await answered(await server.slash(name, permissions=0))
        assert data["flags"] == 64 and data["content"] == NOT_ADMIN


async def test_reindex_defers_then_reports(server: LocalDiscord, newsbot: LocalBot) -> None:
    (newsbot.settings.seeds_dir / "new.md").write_text("---\ntitle: Sorghum\ndate: 2026-01-20\n---\nSorghum rose.\n")
    (newsbot.settings.seeds_dir / "broken.txt").write_bytes(b"\x00\x01\x02")
    ix = await server.slash("reindex", permissions=MANAGE_GUILD)
    callback = await ix.response()
    assert callback.json["type"] == 5 and callback.json["data"]["flags"] == 64
    followup = await ix.followup()
    embed = followup.json["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert embed["title"] == "Reindex finished"
    assert (fields["Added"], fields["Changed"], fields["Removed"], fields["Skipped files"]) == ("1", "0", "0", "1")
    assert "broken.txt: binary file, not text" in embed["description"]
    assert followup.json["allowed_mentions"] == {"parse": []}
    answer = await answered(await server.slash("ask", {"question": "sorghum"}))
    assert answer["embeds"][0]["title"] == "1. Sorghum"


async def _emptied_seeds_reindex(server: LocalDiscord, newsbot: LocalBot, moderator: str) -> dict[str, Any]:
    """Empty the seeds folder, run /reindex, and return the private confirmation message."""
    for path in newsbot.settings.seeds_dir.iterdir():
        path.unlink()
    ix = await server.slash("reindex", permissions=MANAGE_GUILD, user_id=moderator)
    assert (await ix.response()).json["type"] == 5
    followup = await ix.followup()
    assert followup.json["allowed_mentions"] == {"parse": []}
    message: dict[str, Any] = followup.response  # the message as created
    assert message["flags"] & 64
    assert "would remove 3 of the archive's 3 articles (100%)" in message["content"]
    assert set(buttons(message)) == {"Remove them and reindex", "Cancel"}
    assert (await newsbot.archive.stats())["documents"] == 3  # nothing removed yet
    return message


async def test_a_mass_removal_waits_for_the_moderator_to_confirm(server: LocalDiscord, newsbot: LocalBot) -> None:
    moderator, other = server.next_id(), server.next_id()
    message = await _emptied_seeds_reindex(server, newsbot, moderator)
    confirm = buttons(message)["Remove them and reindex"]

    refused = await answered(await server.click(message, confirm, user_id=other, permissions=MANAGE_GUILD))
    assert refused["content"] == NOT_YOURS and refused["flags"] == 64
    assert (await newsbot.archive.stats())["documents"] == 3

    press = await server.click(message, confirm, user_id=moderator, permissions=MANAGE_GUILD)
    update = await press.response()
    assert update.json["type"] == 7 and update.json["data"]["components"] == []
    report = (await press.followup()).json["embeds"][0]
    fields = {f["name"]: f["value"] for f in report["fields"]}
    assert report["title"] == "Reindex finished" and fields["Removed"] == "3"
    assert (await newsbot.archive.stats())["documents"] == 0


async def test_a_mass_removal_can_be_cancelled(server: LocalDiscord, newsbot: LocalBot) -> None:
    moderator = server.next_id()
    message = await _emptied_seeds_reindex(server, newsbot, moderator)
    press = await server.click(message, buttons(message)["Cancel"], user_id=moderator, permissions=MANAGE_GUILD)
    update = await press.response()
    assert update.json["type"] == 7 and update.json["data"]["content"] == CANCELLED
    assert (await newsbot.archive.stats())["documents"] == 3


async def test_configured_admin_role_may_reindex(server: LocalDiscord, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(dev_guild_id=int(server.guild_id), admin_role_ids=[int(server.role_id)])
    bot, runner = await start_bot(server, settings)
    try:
        ix = await server.slash("stats", permissions=0, roles=[server.role_id])
        data = await answered(ix)
        fields = {f["name"]: f["value"] for f in data["embeds"][0]["fields"]}
        assert fields["Documents"] == "3" and fields["Headlines"] == "10"
        assert fields["Newest date"] == "2026-01-14"
        assert fields["Engine"] == "tantivy (generation 1)"
        lag_ms = float(fields["Event loop lag (max)"].removesuffix(" ms"))
        assert 0 <= lag_ms < 1000
    finally:
        await bot.close()
        await runner


async def test_second_reindex_while_one_runs_is_refused_and_questions_still_answered(
    server: LocalDiscord, newsbot: LocalBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    reached, release = threading.Event(), threading.Event()
    real_commit = TantivyEngine.commit

    def held_commit(self: TantivyEngine, generation: int) -> None:  # runs in the reindex's worker thread
        reached.set()
        release.wait(10)
        real_commit(self, generation)

    monkeypatch.setattr(TantivyEngine, "commit", held_commit)
    seed = newsbot.settings.seeds_dir / "000_5366ab7e5f21e498.txt"
    seed.write_text(seed.read_text().replace("ICG analysts say", "ICG analysts insist"))
    first = await server.slash("reindex", permissions=MANAGE_GUILD)
    assert await asyncio.to_thread(reached.wait, 5)

    second = await answered(await server.slash("reindex", permissions=MANAGE_GUILD))
    assert second["flags"] == 64 and second["content"] == BUSY
    during = await answered(await server.slash("ask", {"question": "ICG analysts"}))
    assert first_quote(during["embeds"][0]).endswith("**analysts** say.")  # the previous index

    release.set()
    assert (await first.followup()).json["embeds"][0]["title"] == "Reindex finished"
    after = await answered(await server.slash("ask", {"question": "ICG analysts"}))
    assert first_quote(after["embeds"][0]).endswith("**analysts** insist.")


async def test_reindex_in_another_process_is_reported_busy(server: LocalDiscord, newsbot: LocalBot) -> None:
    with WriterLock(newsbot.settings.data_dir):
        ix = await server.slash("reindex", permissions=MANAGE_GUILD)
        assert (await ix.response()).json["type"] == 5
        assert (await ix.followup()).json["content"] == BUSY


async def test_everyone_in_an_article_cannot_ping_or_restyle(server: LocalDiscord, newsbot: LocalBot) -> None:
    data = await answered(await server.slash("ask", {"question": "heckler shouted at the town hall"}))
    embed = data["embeds"][0]
    assert data["allowed_mentions"] == {"parse": []}
    assert "@everyone" in embed["description"] and "<@987654321>" in embed["description"]
    assert "\\*activists\\*" in embed["description"] and "\\|\\|spoilers\\|\\|" in embed["description"]
    assert embed["title"] == "1. Town hall \\*\\*chaos\\*\\* <@&1234> @here"  # escaped: embed titles render markdown
    assert embed["url"] == "https://example.org/town-hall"


async def test_over_long_answers_are_trimmed_within_discord_limits(server: LocalDiscord, newsbot: LocalBot) -> None:
    ix = await server.slash("ask", {"question": "zoning board vote " + "delayed " * 30, "results": 5})
    callback = await ix.response()
    assert callback.status == 200  # the local API answers 400 to anything over a limit
    data = callback.json["data"]
    titles = [e["title"] for e in data["embeds"]]
    assert any(LONG_TITLE[:100] in t for t in titles)
    assert all(len(t) <= 256 for t in titles) and any(t.endswith("…") for t in titles)
    total = sum(len(e["title"]) + len(e["description"]) + len(e["footer"]["text"]) for e in data["embeds"])
    assert total <= EMBED_TOTAL_LIMIT and len(data["content"]) <= 2000


async def test_cooldown_and_question_length_get_ephemeral_errors(
    server: LocalDiscord, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(dev_guild_id=int(server.guild_id), cooldown_seconds=30, max_question_chars=40)
    bot, runner = await start_bot(server, settings)
    try:
        too_long = await answered(await server.slash("ask", {"question": "x" * 41}))
        assert too_long["flags"] == 64 and "up to 40 characters; yours has 41" in too_long["content"]
        await answered(await server.slash("ask", {"question": "Oreshnik"}))
        hurried = await answered(await server.slash("ask", {"question": "Oreshnik"}))
        assert hurried["flags"] == 64 and hurried["content"].startswith("You're asking quickly; try again in")
        other = await answered(await server.slash("ask", {"question": "Oreshnik"}, user_id=server.next_id()))
        assert other.get("embeds")
    finally:
        await bot.close()
        await runner


async def test_qa_channel_answers_plain_questions_with_the_content_intent(
    server: LocalDiscord, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(dev_guild_id=int(server.guild_id), qa_channel_ids=[int(server.channel_id)])
    bot, runner = await start_bot(server, settings)
    try:
        assert server.intents is not None and server.intents & MESSAGE_CONTENT_INTENT
        mark = server.mark()
        await server.send_message("quantum chromodynamics lattice?")  # nothing found: stay quiet
        asked = await server.send_message("Oreshnik missile escalation?")
        reply = await server.wait_for_request(matching("POST", "/messages"), after=mark)
        assert str(reply.json["message_reference"]["message_id"]) == asked["id"]
        assert reply.json["embeds"][0]["title"].startswith("1. The Use of the “Oreshnik” Missile")
        assert len(server.requests_matching(matching("POST", "/messages"), after=mark)) == 1
    finally:
        await bot.close()
        await runner


async def test_rate_limited_reply_is_retried_after_retry_after(server: LocalDiscord, newsbot: LocalBot) -> None:
    server.rate_limit_next("/callback", retry_after=0.3)
    ix = await server.slash("ask", {"question": "Oreshnik"})
    await ix.response()
    attempts = server.requests_matching(matching("POST", f"/{ix.token}/callback"))
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].time - attempts[0].time >= 0.3


@pytest.mark.parametrize("code", [4000, None], ids=["close-4000", "connection-lost"])
async def test_dropped_gateway_resumes_and_questions_are_still_answered(
    server: LocalDiscord, newsbot: LocalBot, code: int | None
) -> None:
    await server.drop_gateway(code)
    ix = await server.slash("ask", {"question": ICG_QUESTION})
    data = await answered(ix)
    assert data["embeds"][0]["description"].startswith("> “A sustainable world")
    await server.wait_until(lambda: server.resumes == 1, what="RESUME")
    assert server.identifies == 1


async def test_the_session_stays_up_while_a_burst_of_questions_is_answered(
    make_settings: Callable[..., Settings],
) -> None:
    # How late heartbeats are under load is measured in benchmarks/bot_load.py;
    # here: every question answered, heartbeats acknowledged, no reconnect.
    async with LocalDiscord(heartbeat_interval_ms=100) as local:
        with local.patch_discord():
            bot, runner = await start_bot(local, make_settings(dev_guild_id=int(local.guild_id)))
            try:
                await local.wait_until(lambda: len(local.heartbeats) >= 3, what="heartbeats")
                handles = [
                    await local.slash("ask", {"question": ICG_QUESTION}, user_id=local.next_id()) for _ in range(30)
                ]
                replies = await asyncio.gather(*(h.response() for h in handles))
                seen = len(local.heartbeats)
                await local.wait_until(lambda: len(local.heartbeats) > seen, what="a heartbeat after the burst")
            finally:
                await bot.close()
                await runner
    assert all(r.json["data"]["embeds"][0]["description"].startswith("> “A sustainable world") for r in replies)
    assert (local.identifies, local.resumes) == (1, 0)


def test_only_well_formed_web_urls_become_embed_links() -> None:
    assert link("https://example.org/a?b=c") == "https://example.org/a?b=c"
    for bad in ("javascript:alert(1)", "example.org/a", "https://exa mple.org", "https://x/" + "a" * 2100, None):
        assert link(bad) is None


async def test_a_slow_nothing_found_stays_private(
    server: LocalDiscord, newsbot: LocalBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_ask = newsbot.archive.ask

    async def slow_ask(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.3)
        return await real_ask(*args, **kwargs)

    monkeypatch.setattr(newsbot.archive, "ask", slow_ask)
    # The module the bot loaded as an extension (discord.py imports a fresh copy).
    ask_module = sys.modules[type(newsbot.get_cog("AskCog")).__module__]
    monkeypatch.setattr(ask_module, "DEFER_AFTER_SECONDS", 0.05)
    ix = await server.slash("ask", {"question": "quantum chromodynamics lattice"})
    callback = await ix.response()
    assert callback.json["type"] == 5, callback.json  # deferred: a public "thinking…" placeholder
    followup = await ix.followup()
    assert followup.json["flags"] == 64 and followup.json["allowed_mentions"] == {"parse": []}
    assert followup.json["content"].startswith("Nothing in the archive about *quantum*")
    deleted = await server.wait_for_request(matching("DELETE", re.compile(r"/messages/@original$"), status=204))
    assert deleted.path.startswith("/webhooks/")


async def test_a_backtick_in_a_file_name_cannot_restyle_the_reindex_report(
    server: LocalDiscord, newsbot: LocalBot
) -> None:
    (newsbot.settings.seeds_dir / "a` **bold** `b.txt").write_bytes(b"\x00\x01")
    ix = await server.slash("reindex", permissions=MANAGE_GUILD)
    await ix.response()
    description = (await ix.followup()).json["embeds"][0]["description"]
    assert "a\\` \\*\\*bold\\*\\* \\`b.txt: binary file, not text" in description


def test_a_long_reindex_report_shows_whole_reasons_and_counts_the_rest() -> None:
    reason = "no articles: line 1: not valid JSON (Expecting ',' delimiter); line 2: not valid JSON (Expecting value)"
    report = ReindexReport(skipped=[Skipped(f"exports/broken-{i:03d}.jsonl", reason) for i in range(120)])
    description = report_embed(report).description or ""
    lines = description.splitlines()
    assert all(line.endswith("(Expecting value)") for line in lines[:-1])
    shown = len(lines) - 1
    assert lines[-1].startswith(f"… and {120 - shown} more")
    assert len(description) <= 4096


async def test_a_dated_question_is_filtered_and_says_so(server: LocalDiscord, newsbot: LocalBot) -> None:
    data = await answered(await server.slash("ask", {"question": "Ukraine news from 6 January 2026"}))
    assert data["content"].splitlines()[0] == "Sources dated on 6 January 2026."
    assert all("6 January 2026 (2026-01-06)" in embed["footer"]["text"] for embed in data["embeds"])


async def test_a_question_of_only_dates_lists_the_headlines_of_that_range(
    server: LocalDiscord, newsbot: LocalBot
) -> None:
    data = await answered(await server.slash("ask", {"question": "what happened in January 2026?"}))
    assert data["content"] == "Headlines and articles dated from 1 to 31 January 2026:"
    assert "flags" not in data  # public, like an answer
    lines = data["embeds"][0]["description"].splitlines()
    assert lines and all("January 2026" in line for line in lines)


async def test_lead_answer_quotes_a_second_paragraph_after_an_ellipsis_line(
    server: LocalDiscord, make_settings: Callable[..., Settings], bot_seeds: Path
) -> None:
    write_festivals(bot_seeds)
    (data,) = await _slash_asks(server, make_settings(dev_guild_id=int(server.guild_id)), VISITORS)
    first, *others = data["embeds"]
    quoted, more = first["description"].split("\n> …\n")
    assert quoted.startswith("> **Visitors** **came** back")
    assert more.startswith("> Organisers counted 120,000 **visitors**")
    assert all("\n> …\n" not in embed["description"] for embed in others)


async def test_lead_answer_quotes_a_third_paragraph_for_what_the_first_two_leave_out(
    server: LocalDiscord, make_settings: Callable[..., Settings], bot_seeds: Path
) -> None:
    record = {
        "title": "Hoi An lights up",
        "text": "\n\n".join([OPENING, MIDDLE, COUNTED, EARNED]),
        "url": "https://example.org/a",
    }
    (bot_seeds / "festival.jsonl").write_text(json.dumps(record) + "\n")
    question = "How many visitors came to the Lantern Festival in Hoi An, and what did its stalls earn?"
    (data,) = await _slash_asks(server, make_settings(dev_guild_id=int(server.guild_id)), question)
    description = data["embeds"][0]["description"]
    assert len(description) <= EMBED_DESCRIPTION_LIMIT
    quoted, more, further = description.split("\n> …\n")
    assert quoted.startswith("> ") and "Organisers counted 120,000" in more
    assert further.startswith("> The **stalls** **earned** 2 billion dong")
    assert data["allowed_mentions"] == {"parse": []}
