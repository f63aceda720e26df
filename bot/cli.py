"""`newsbot`: ask, latest, reindex and stats from a shell; `run` starts the Discord bot.

Exit codes: 0 answered or done, 1 nothing found (or the work could not be done
now), 2 bad usage or config, 141 the reader of the output went away (`| head`).

Each command imports what it needs when it runs, not when this module loads: a
shell command starts a fresh interpreter every time, so `newsbot ask` should not
pay for watchfiles (`reindex --watch`), discord.py (`run`) or the reindex of a
first run, nor `--help` for the settings, the archive or an event loop (issue
#14; `tests/bot/test_quick_shell.py` keeps it so, `benchmarks/shell.py` measures it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from datetime import date

    from newsbot.bot.settings import Settings
    from newsbot.retrieval import Answer, Archive, Hit, LatestItem, ReindexReport

EXIT_OK, EXIT_NOTHING, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a process ended by SIGPIPE


class UsageError(Exception):
    pass


def _date_arg(text: str) -> date:
    from newsbot.retrieval.dates import parse_date

    day = parse_date(text)
    if day is None:
        raise argparse.ArgumentTypeError(f"cannot read date {text!r} (try 2026-01-14 or '14 Jan 2026')")
    return day


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbot", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--config", type=Path, help="TOML config file (default: config/newsbot.toml)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    commands = parser.add_subparsers(dest="command", required=True)

    ask = commands.add_parser("ask", help="answer a question from the archive")
    ask.add_argument("question")
    ask.add_argument("-k", type=int, default=None, help="number of answers (default from config)")
    ask.add_argument("--after", type=_date_arg, help="only sources dated on or after this day")
    ask.add_argument("--before", type=_date_arg, help="only sources dated on or before this day")
    ask.add_argument("--json", action="store_true", help="print the hits as a JSON list")

    latest = commands.add_parser("latest", help="newest headlines and articles")
    latest.add_argument("-n", type=int, default=10, help="how many (default 10)")
    latest.add_argument("--since", type=_date_arg, help="only from this day on")
    latest.add_argument("--topic", help="only those whose words include all of these (as questions are read)")

    reindex = commands.add_parser("reindex", help="bring the index in line with the seeds directory")
    reindex.add_argument(
        "--allow-removals",
        action="store_true",
        help="go ahead even if more than max_removal_share of the archive would be removed",
    )
    reindex.add_argument(
        "--watch",
        action="store_true",
        help="then keep watching the seeds directory and reindex whenever files change (Ctrl-C stops)",
    )
    commands.add_parser("stats", help="size and state of the archive")
    commands.add_parser("run", help="start the Discord bot (needs DISCORD_TOKEN)")
    return parser


class ProgressBar:
    """A one-line bar on a terminal; silent when stderr is not one (logs, CI)."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream = stream
        self.label = label
        self.enabled = stream.isatty()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        width = 30
        filled = int(width * done / total) if total else width
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


_REPORT_LINES = 200


def print_report(report: ReindexReport, seeds_dir: Path, out: TextIO) -> None:
    """The reindex summary; file names and reasons are sanitised, as a file name can hold escape codes."""
    from newsbot.bot.text import terminal_text

    out.write(f"Indexed {terminal_text(str(seeds_dir))} in {report.seconds:.2f} s (generation {report.generation})\n")
    out.write(
        f"  articles: {report.added} added, {report.changed} changed, {report.removed} removed, "
        f"{report.unchanged} files unchanged; passages: {report.passages_added} added, "
        f"{report.passages_removed} removed\n"
    )
    if report.rebuilt_index:
        out.write("  the search index was out of step with the store and was rebuilt from it\n")
    # Real problems first; files of unsupported types come last, one line per type.
    for title, count, items in (
        ("skipped", len(report.skipped), report.problems()),
        ("warnings", len(report.warnings), report.warnings),
    ):
        if items:
            out.write(f"  {title} ({count}):\n")
            for item in items[:_REPORT_LINES]:
                out.write(f"    {terminal_text(item.rel)}: {terminal_text(item.reason)}\n")
            if len(items) > _REPORT_LINES:
                out.write(f"    … and {len(items) - _REPORT_LINES} more\n")


async def _open(settings: Settings, build: bool) -> Archive:
    from newsbot.retrieval.archive import Archive

    archive = await Archive.open(settings.archive_options())
    if build:
        try:
            # Waits for a first index another `ask` is building instead of failing.
            report = await archive.ensure_built(ProgressBar(sys.stderr, "first run: indexing"))
        except BaseException:
            await archive.close()
            raise
        if report is not None:
            print_report(report, settings.seeds_dir, sys.stderr)
    return archive


def check_ask(args: argparse.Namespace) -> None:
    if args.k is not None and not 1 <= args.k <= 50:
        raise UsageError("-k must be between 1 and 50")


def check_latest(args: argparse.Namespace) -> None:
    if not 1 <= args.n <= 500:
        raise UsageError("-n must be between 1 and 500")


def quick(args: argparse.Namespace) -> int | None:
    """`ask` or `latest` from the archive as it stands, with options an earlier command cached; None if it cannot.

    No settings validation (pydantic), no event loop, no aiosqlite: a warm `ask`
    is mostly interpreter start-up (issue #14). Whenever the options are not
    cached or the archive needs anything first (a first index, a migration, a
    rebuild, a reindex under way), the full path (`cmd_ask`, `cmd_latest`) runs instead.
    """
    from newsbot.bot.options_cache import cached_options
    from newsbot.retrieval import IndexFailed, open_snapshot

    options = cached_options(args.config)
    if options is None or not options.seeds_dir.is_dir():
        return None
    snapshot = open_snapshot(options)
    if snapshot is None:
        return None
    try:
        if args.command == "ask":
            return print_answer(snapshot.ask(args.question, args.k, args.after, args.before), args)
        return print_latest(snapshot.latest(args.n, args.since, topic=args.topic), args)
    except IndexFailed:
        return None  # the full path rebuilds the index from the store, and asks again
    finally:
        snapshot.close()


async def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    archive = await _open(settings, build=True)
    try:
        answer = await archive.ask(args.question, args.k, args.after, args.before)
    finally:
        await archive.close()
    return print_answer(answer, args)


def print_answer(answer: Answer, args: argparse.Namespace) -> int:
    from newsbot.bot.replies import nothing_text, preface_lines
    from newsbot.bot.text import terminal_json, terminal_text

    if args.json:
        import json

        print(terminal_json(json.dumps(answer_json(answer), ensure_ascii=False, indent=2)))
        return EXIT_OK if answer.found else EXIT_NOTHING
    # Archive text is sanitised: a title or excerpt can hold escape codes that act on the terminal.
    tty = sys.stdout.isatty()

    def emphasis(word: str) -> str:
        return terminal_text(word, [(0, len(word))], tty=tty)

    if answer.dated:
        print(f"Headlines and articles dated {answer.dates}:")
        for item in answer.dated:
            print(_latest_line(item))
        return EXIT_OK
    if not answer.found:
        print(nothing_text(answer, emphasis, "`newsbot latest`"))
        return EXIT_NOTHING
    for line in preface_lines(answer, emphasis, DATE_HINT):
        print(line)
    for number, hit in enumerate(answer.hits, start=1):
        print(f"{number}. {terminal_text(hit.title)}")
        day = f"{hit.date_human} ({hit.date.isoformat()})" if hit.date else hit.date_human
        where = hit.file + (f" · {hit.url}" if hit.url else "")
        print(f"   {terminal_text(f'{day} · {where}')}")
        if hit.also:
            print(f"   {terminal_text('also in: ' + ', '.join(hit.also))}")
        print(f"   > {terminal_text(hit.excerpt, hit.highlights, tty=tty)}")
        if hit.more:
            print(f"   > … {terminal_text(hit.more, hit.more_highlights, tty=tty)}")
        if hit.further:
            print(f"   > … {terminal_text(hit.further, hit.further_highlights, tty=tty)}")
        print()
    return EXIT_OK


DATE_HINT = "to filter by date, use --after and --before (e.g. 2026-01-14)"

HIT_FIELDS = (
    "title", "date", "url", "file", "score", "excerpt", "passage_id", "document_id", "kind", "highlights", "coverage",
    "also", "more", "more_highlights", "further", "further_highlights",
)  # fmt: skip


def answer_json(answer: Answer) -> dict[str, object]:
    """`ask --json`: the hits, and how well they cover the question, in the member's words."""
    return {
        "question": answer.question,
        "searched": answer.searched,
        "strength": answer.strength,
        "coverage": answer.coverage,
        "matched": answer.matched,
        "unmatched": answer.missing + answer.absent,
        "not_in_archive": answer.absent,
        "dates": {
            "read_as": answer.dates,
            "after": answer.after and answer.after.isoformat(),
            "before": answer.before and answer.before.isoformat(),
            "not_read": answer.unsure_dates,
            "relaxed": answer.dates_relaxed,
        },
        "corrections": [
            {"typed": c.typed, "corrected": c.corrected, "choices": list(c.choices)} for c in answer.corrections
        ],
        "hits": [hit_json(hit) for hit in answer.hits],
    }


def hit_json(hit: Hit) -> dict[str, object]:
    """One hit as `--json` prints it: `HIT_FIELDS` in the class's order, dates as ISO text, spans as pairs."""
    from dataclasses import fields as fields_of

    fields = {field.name: getattr(hit, field.name) for field in fields_of(hit) if field.name in HIT_FIELDS}
    fields["date"] = hit.date and hit.date.isoformat()
    for name in ("highlights", "more_highlights", "further_highlights"):
        fields[name] = [list(span) for span in getattr(hit, name)]
    return fields


async def cmd_latest(settings: Settings, args: argparse.Namespace) -> int:
    archive = await _open(settings, build=True)
    try:
        items = await archive.latest(args.n, args.since, topic=args.topic)
    finally:
        await archive.close()
    return print_latest(items, args)


def print_latest(items: list[LatestItem], args: argparse.Namespace) -> int:
    if not items:
        print(f"Nothing in the archive on {args.topic!r}." if args.topic else "No dated articles or headlines yet.")
        return EXIT_NOTHING
    for item in items:
        print(_latest_line(item))
    return EXIT_OK


def _latest_line(item: LatestItem) -> str:
    from newsbot.bot.text import terminal_text
    from newsbot.retrieval.dates import human_date

    label = "headline" if item.kind == "headline" else "article "
    return f"{human_date(item.date):>18}  {label}  {terminal_text(item.title)}"


async def cmd_reindex(settings: Settings, args: argparse.Namespace) -> int:
    from newsbot.retrieval.archive import Archive

    archive = await Archive.open(settings.archive_options())
    try:
        report = await archive.reindex(ProgressBar(sys.stderr, "indexing"), allow_removals=args.allow_removals)
        print_report(report, settings.seeds_dir, sys.stdout)
        if args.watch:
            await watch(archive, settings)
    finally:
        await archive.close()
    return EXIT_OK


async def watch(archive: Archive, settings: Settings) -> None:
    """`reindex --watch`: a report for each round that changed something, until Ctrl-C."""
    import asyncio

    from newsbot.retrieval.watch import watch_seeds  # watchfiles: only this command and `run` watch

    ready = asyncio.Event()

    async def reported(report: ReindexReport) -> None:
        if report.added or report.changed or report.removed or report.skipped:
            print_report(report, settings.seeds_dir, sys.stdout)
            sys.stdout.flush()

    watcher = asyncio.create_task(watch_seeds(archive, reported, settings.bot.watch_settle_seconds, ready=ready))
    waiting = asyncio.create_task(ready.wait())
    await asyncio.wait({watcher, waiting}, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    if ready.is_set():
        print(f"Watching {settings.seeds_dir} for changes (Ctrl-C stops).", flush=True)
    await watcher


async def cmd_stats(settings: Settings, args: argparse.Namespace) -> int:
    from newsbot.retrieval.archive import Archive

    archive = await Archive.open(settings.archive_options())
    try:
        stats = await archive.stats()
    finally:
        await archive.close()
    for key, value in stats.items():
        print(f"{key.replace('_', ' ')}: {value if value is not None else '-'}")
    return EXIT_OK


def cmd_run(settings: Settings) -> int:
    from newsbot.bot.runner import run_bot  # discord.py is imported only when the bot runs

    return run_bot(settings)


COMMANDS = {"ask": cmd_ask, "latest": cmd_latest, "reindex": cmd_reindex, "stats": cmd_stats}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Past `--help` and usage errors, which need none of these.
    import logging

    from newsbot.bot.config_sources import ConfigError
    from newsbot.bot.logs import configure as configure_logging
    from newsbot.retrieval.errors import ArchiveError, ReindexBusy

    # Whatever newsbot writes (the store, index segments, cached options) is for its own user only.
    os.umask(0o077)
    quiet = logging.INFO if args.command == "run" else logging.WARNING
    configure_logging((quiet, logging.INFO, logging.DEBUG)[min(args.verbose, 2)], service=args.command == "run")
    try:
        code = None
        if args.command in ("ask", "latest"):
            (check_ask if args.command == "ask" else check_latest)(args)
            code = quick(args)
        if code is None:
            code = run_command(args)
        sys.stdout.flush()  # here, where a closed pipe can still be handled below
        return code
    except (ConfigError, UsageError) as error:
        print(f"newsbot: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ReindexBusy as error:
        print(f"newsbot: {error}; try again when it has finished", file=sys.stderr)
        return EXIT_NOTHING
    except ArchiveError as error:
        print(f"newsbot: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("newsbot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`newsbot latest | head -1`): stop quietly, as `cat` does.
        # Output still buffered would raise again at exit, so it goes to /dev/null.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def run_command(args: argparse.Namespace) -> int:
    """A command with its settings validated in full (and its archive options cached for `quick`)."""
    import asyncio

    from newsbot.bot.options_cache import entry, remember
    from newsbot.bot.settings import load_settings
    from newsbot.retrieval.errors import ArchiveError

    cached = entry(args.config)  # the inputs' digest as they were before validation read them
    settings = load_settings(args.config)
    remember(cached, settings.archive_options())
    if args.command == "run":
        return cmd_run(settings)
    if args.command != "reindex" and not settings.seeds_dir.is_dir() and args.command != "stats":
        raise ArchiveError(
            f"seeds directory {settings.seeds_dir} does not exist "
            "(setting: seeds_dir in config/newsbot.toml, or NEWSBOT_SEEDS_DIR)"
        )
    return asyncio.run(COMMANDS[args.command](settings, args))


if __name__ == "__main__":
    sys.exit(main())
