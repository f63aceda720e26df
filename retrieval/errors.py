"""Errors the archive raises for the operator: each message says what went wrong and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


class ArchiveError(Exception):
    """A problem the operator must fix (the message says how)."""


class ReindexBusy(ArchiveError):
    """Another reindex holds the writer lock."""


class RemovalsNeedConsent(ArchiveError):
    """A reindex would remove more than `max_removal_share` of the archive without being told to."""

    def __init__(self, removing: int, total: int, files: int, seeds_dir: Path) -> None:
        # Here, not at the top: every shell command imports these errors, and only a reindex plans.
        from newsbot.retrieval.planning import removal_share

        self.removing, self.total, self.files = removing, total, files
        super().__init__(
            f"stopped: {files} files are gone from {seeds_dir}, which would remove {removing} of the archive's "
            f"{total} articles ({removal_share(removing, total):.0%}); nothing was changed. If the folder is "
            "unmounted or was emptied by mistake, restore it; if the removal is intended, run "
            "`newsbot reindex --allow-removals` in a shell"
        )
