"""The bot under load, through the local Discord API the tests use.

Many members send `/ask`, all at once (a burst) and then at a steady rate
(paced, default 100 a second); with `--follow-ups`, every fourth question is
instead a follow-up: a reply (pinging the bot) to the answer of an earlier
question, which the bot reads with that question's chain from SQLite. We
measure, per question, the time from the INTERACTION_CREATE (or MESSAGE_CREATE)
dispatch to the bot's reply arriving at the API, and the
gateway heartbeat gaps as the API saw them, and the bot's own worst event-loop
delay (from `/stats`: the delay its heartbeats would suffer). Optionally a
`/reindex` of a changed file runs during the paced run.

    python -m benchmarks.bot_load --seeds seeds --questions 100 --members 100
    python -m benchmarks.bot_load --seeds benchmarks/.cache/corpus-100k --questions 1000 --members 100 --reindex
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.questions import load_questions
from tests.localdiscord import LocalDiscord, RecordedRequest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
HEARTBEAT_MS = 250
MANAGE_GUILD = 1 << 5


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


FOLLOW_UPS = ("And what happened next?", "Who else said so?", "And why?")


async def burst(
    server: LocalDiscord,
    questions: list[str],
    members: int,
    rate: float | None = None,
    follow_ups: bool = False,
) -> list[float]:
    """Dispatch the questions (member i % members asks i) all at once, or at `rate` per second,
    then collect each reply's latency. With `follow_ups`, every fourth question is a follow-up
    replying to one of the answers sent so far."""
    users = [server.next_id() for _ in range(members)]
    started: list[float] = []
    waits: list[Any] = []
    begin = time.monotonic()
    for index, question in enumerate(questions):
        if rate is not None:
            await asyncio.sleep(max(0.0, begin + index / rate - time.monotonic()))
        started.append(time.monotonic())
        user = users[index % members]
        answers = answer_messages(server) if follow_ups and index % 4 == 3 else []
        if answers:
            answer = answers[index % len(answers)]
            sent = await server.send_message(
                FOLLOW_UPS[index % len(FOLLOW_UPS)], user, mentions_bot=True, reference=answer
            )
            waits.append(server.wait_for_request(_reply_to(sent["id"]), timeout=120))
        else:
            handle = await server.slash("ask", {"question": question}, user_id=user)
            waits.append(handle.response(timeout=120))
    replies = await asyncio.gather(*waits)
    return [reply.time - start for reply, start in zip(replies, started, strict=True)]


def _reply_to(message_id: str) -> Callable[[RecordedRequest], bool]:
    def found(request: RecordedRequest) -> bool:
        reference = (request.json or {}).get("message_reference") if request.method == "POST" else None
        return bool(reference) and str(reference.get("message_id")) == message_id

    return found


def answer_messages(server: LocalDiscord) -> list[str]:
    """Ids of the public answers the bot has sent so far (messages with buttons), newest last."""
    return [m["id"] for m in server.messages.values() if m.get("components") and m["author"]["id"] == server.bot_id]


async def start_newsbot(server: LocalDiscord, seeds: Path, data_dir: Path) -> asyncio.subprocess.Process:
    """`newsbot run` in its own process, pointed at the local API with the testing hook."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DISCORD_TOKEN="benchmark-token",
        NEWSBOT_SEEDS_DIR=str(seeds),
        NEWSBOT_DATA_DIR=str(data_dir),
        NEWSBOT_BOT__API_BASE_URL=server.api_base,
        # No cooldown: here each member asks several questions as fast as the API delivers them.
        NEWSBOT_BOT__COOLDOWN_SECONDS="0",
        NEWSBOT_BOT__MAX_QUESTION_CHARS="1000",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "newsbot.bot.cli", "run", env=env, cwd=ROOT, stderr=asyncio.subprocess.DEVNULL
    )
    await server.wait_until(lambda: bool(server.global_commands), 3600, what="newsbot to sync its commands")
    await asyncio.sleep(2.5)  # discord.py's guild_ready_timeout before READY
    return process


async def run(args: argparse.Namespace) -> dict[str, Any]:
    pool = load_questions()
    questions = [pool[i % len(pool)].question for i in range(args.questions)]
    seeds = Path(args.seeds)
    data_dir = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="newsbot-load-"))
    result: dict[str, Any] = {"questions": len(questions), "members": args.members, "seeds": args.seeds}
    async with LocalDiscord(heartbeat_interval_ms=HEARTBEAT_MS) as server:
        started = time.perf_counter()
        process = await start_newsbot(server, seeds, data_dir)
        result["startup_seconds"] = round(time.perf_counter() - started - 2.5, 2)
        try:
            await server.wait_until(lambda: len(server.heartbeats) >= 2, 10, what="heartbeats")
            await burst(server, questions[:20], args.members)  # warm-up: first imports, caches
            result["follow_ups"] = "every fourth question" if args.follow_ups else "none"
            # Gentlest first: the bot's loop-lag figure is the worst so far, so each
            # phase's figure covers it and the phases before it.
            label = f"paced_{args.rate:g}_per_s"
            beats_from = len(server.heartbeats)
            latencies = await burst(server, questions, args.members, args.rate, args.follow_ups)
            result[label] = summary(latencies, server.heartbeats[beats_from - 1 :])
            result[label]["bot_loop_lag_max_ms"] = await loop_lag(server)
            if args.reindex:
                result[f"{label}_during_reindex"] = await under_reindex(
                    server, seeds, questions, args.members, args.rate
                )
                result[f"{label}_during_reindex"]["bot_loop_lag_max_ms"] = await loop_lag(server)
            beats_from = len(server.heartbeats)
            latencies = await burst(server, questions, args.members, follow_ups=args.follow_ups)
            result["burst_all_at_once"] = summary(latencies, server.heartbeats[beats_from - 1 :])
            result["burst_all_at_once"]["bot_loop_lag_max_ms"] = await loop_lag(server)
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)
    return result


async def loop_lag(server: LocalDiscord) -> float:
    """The bot's own worst event-loop delay so far (what its heartbeats suffer), from `/stats`."""
    ix = await server.slash("stats", permissions=MANAGE_GUILD)
    fields = {f["name"]: f["value"] for f in (await ix.response(timeout=60)).json["data"]["embeds"][0]["fields"]}
    return float(fields["Event loop lag (max)"].split()[0])


async def under_reindex(
    server: LocalDiscord, seeds: Path, questions: list[str], members: int, rate: float
) -> dict[str, Any]:
    """The paced questions while `/reindex` picks up one changed file."""
    articles = sorted(p for p in seeds.rglob("*") if p.suffix in {".jsonl", ".txt", ".md"})  # noqa: ASYNC240
    changed = articles[0]
    original = changed.read_bytes()
    if changed.suffix == ".jsonl":
        record = {"title": "Load benchmark", "date": "2026-01-20", "text": "A sorghum harvest article added mid-load."}
        changed.write_bytes(original + json.dumps(record).encode() + b"\n")
    else:
        changed.write_bytes(original + b"\n\nA paragraph added for the load benchmark.\n")
    try:
        beats_from = len(server.heartbeats)
        reindex = await server.slash("reindex", permissions=MANAGE_GUILD)
        sent = time.monotonic()
        latencies = await burst(server, questions, members, rate)
        done = await reindex.followup(timeout=3600)
        stats = summary(latencies, server.heartbeats[beats_from - 1 :])
        stats["reindex_reply_seconds"] = round(done.time - sent, 2)
        return stats
    finally:
        changed.write_bytes(original)


def summary(latencies: list[float], beats: list[float]) -> dict[str, float]:
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    return {
        "reply_median_ms": round(statistics.median(latencies) * 1000, 1),
        "reply_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "reply_max_ms": round(max(latencies) * 1000, 1),
        "heartbeat_max_delay_ms": round(max((g - HEARTBEAT_MS / 1000 for g in gaps), default=0.0) * 1000, 1),
        "heartbeats_seen": len(beats),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seeds", default="seeds")
    parser.add_argument("--data-dir", help="reuse an indexed data directory (default: a fresh temporary one)")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--rate", type=float, default=100.0, help="questions per second in the paced run")
    parser.add_argument("--reindex", action="store_true", help="also measure while a /reindex runs")
    parser.add_argument("--follow-ups", action="store_true", help="every fourth question replies to an answer")
    parser.add_argument("--out", default=str(RESULTS / "bot_load.json"))
    args = parser.parse_args(argv)
    args.seeds = str(Path(args.seeds).absolute())
    result = asyncio.run(run(args))
    result["machine"] = f"{platform.machine()}, {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
