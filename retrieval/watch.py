"""Watching the seeds folder: added, changed and removed files reach the archive by themselves.

watchfiles (inotify on Linux) reports changes; a round starts once the folder
has been quiet for `settle` seconds, or `patience` seconds after the first change
of a folder that never stops changing. A round is the same incremental reindex
as `newsbot reindex`, but files modified within `settle` seconds are left for
the next round, so a scraper's export still being written is never read half
done. The single-writer rule holds: while another reindex runs (a moderator's
`/reindex`, a shell's `newsbot reindex`), the round waits for it, then runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from watchfiles import awatch

from newsbot.retrieval.archive import Archive
from newsbot.retrieval.errors import ArchiveError, ReindexBusy, RemovalsNeedConsent
from newsbot.retrieval.reindex import ReindexReport

log = logging.getLogger(__name__)

Reported = Callable[[ReindexReport], Awaitable[None]]
# How long the watcher waits for a change before yielding an empty set (the first says it is ready).
_READY_CHECK_MS = 500


async def watch_seeds(
    archive: Archive,
    on_report: Reported,
    settle: float = 2.0,
    patience: float = 60.0,
    stop: asyncio.Event | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Reindex after each settled change under the seeds folder, until `stop` is set (or cancelled).

    `ready` is set once the folder is being watched; a round then catches up on
    whatever changed while the watch was being set up.
    """
    seeds = archive.options.seeds_dir
    watching = False
    async for changes in awatch(
        seeds,
        stop_event=stop,
        step=int(settle * 1000),  # quiet this long: the changes are yielded
        debounce=int(max(patience, settle) * 1000),  # ...or at most this long after the first
        recursive=True,
        rust_timeout=_READY_CHECK_MS,
        yield_on_timeout=True,  # an empty set now and then: the first one says the watch is set up
    ):
        if not watching:
            watching = True
            if ready is not None:
                ready.set()
            await reindex_round(archive, on_report, settle, stop)  # changes from before the watch began
        elif changes:
            await reindex_round(archive, on_report, settle, stop)


async def reindex_round(
    archive: Archive, on_report: Reported, settle: float, stop: asyncio.Event | None = None
) -> ReindexReport | None:
    """Reindex until no file is left settling; None when nothing could be done (reported in the log)."""
    while True:
        try:
            report = await archive.reindex(settle_seconds=settle)
        except ReindexBusy:
            log.info("seeds changed while another reindex runs; trying again once it is done")
            await asyncio.sleep(max(settle, 1.0))
            continue
        except RemovalsNeedConsent as error:
            log.warning("seeds watcher: %s; nothing was changed (confirm with /reindex or newsbot reindex)", error)
            return None
        except ArchiveError as error:
            log.warning("seeds watcher: %s", error)
            return None
        await on_report(report)
        if not report.settling or (stop is not None and stop.is_set()):
            return report
        await asyncio.sleep(settle)  # files still being written: another round once they have settled
