"""The single-writer rule: one reindex at a time per data directory, across processes."""

from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path
from types import TracebackType

from newsbot.retrieval.errors import ArchiveError, ReindexBusy


class WriterLock:
    """An exclusive `flock` on the data directory itself; released by the kernel if the process dies.

    The directory, not a lock file: a lock file can be deleted while held (it
    looks stale once a run is over), and the next writer would lock a new file
    at the same path and run beside the first. The directory cannot vanish
    while it holds the archive, and is checked to still be the same directory
    after locking.
    """

    def __init__(self, directory: Path, wait: bool = False) -> None:
        self.directory = directory
        self.wait = wait
        self._fd: int | None = None

    def _acquire(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            raise ReindexBusy("a reindex is already running on this data directory") from None
        held, now = os.fstat(fd), os.stat(self.directory)
        if (held.st_dev, held.st_ino) != (now.st_dev, now.st_ino):
            os.close(fd)
            raise ArchiveError(f"data directory {self.directory} was replaced while locking it; try again")
        self._fd = fd

    def __enter__(self) -> WriterLock:
        self._acquire()
        return self

    async def __aenter__(self) -> WriterLock:
        # A waiting lock blocks in `flock`: wait in a thread, not on the event loop.
        if self.wait:
            await asyncio.to_thread(self._acquire)
        else:
            self._acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        _unlock(self._fd)
        self._fd = None

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(kind, error, tb)

    @property
    def held(self) -> bool:
        return self._fd is not None


class WatcherLock:
    """Which of several processes on one data directory watches the seeds folder (and announces).

    A `flock` on `watcher.lock` inside the data directory, held for the life of
    the process that got it and released by the kernel when that process dies,
    so another can take over. Apart from `WriterLock`: the watcher owner
    reindexes now and then, while every process answers questions.

    A lock file, where the writer locks the directory itself (a second `flock`
    on the directory would contend with the writer's): deleted while held, it
    would let a second process watch too. The archive is safe from that
    (reindexes still take turns under `WriterLock`), and so are announcements
    (each is read and recorded in one transaction).
    """

    NAME = "watcher.lock"

    def __init__(self, directory: Path) -> None:
        self.path = directory / self.NAME
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        """Take the lock if no other process holds it; True if this process holds it now."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        _unlock(self._fd)
        self._fd = None


def _unlock(fd: int | None) -> None:
    """Release and close a held `flock` (nothing if none is held)."""
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
