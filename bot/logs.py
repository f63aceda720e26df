"""Where newsbot's log lines go: stderr, one line per event, in the form the supervisor expects.

Under systemd (which sets `JOURNAL_STREAM`) each line starts with its syslog
priority (`<4>` for a warning), so `journalctl -p warning` finds it, and no
timestamp, which the journal adds. Elsewhere (a container, a terminal) a line
carries an ISO timestamp, for `docker logs` and the like. Shell commands other
than `run` log only warnings, without timestamps: they print their own output.
"""

from __future__ import annotations

import logging
import os
import sys

FORMAT = "%(levelname)s %(name)s: %(message)s"
_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


class JournalFormatter(logging.Formatter):
    """Each line of a record (a traceback too) prefixed with the record's syslog priority."""

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{_PRIORITY.get(record.levelno, 6)}>"
        return "\n".join(prefix + line for line in super().format(record).splitlines())


def formatter(service: bool, environ: dict[str, str] | os._Environ[str] = os.environ) -> logging.Formatter:
    if environ.get("JOURNAL_STREAM"):
        return JournalFormatter(FORMAT)
    if service:
        return logging.Formatter("%(asctime)s " + FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z")
    return logging.Formatter(FORMAT)


def configure(level: int, service: bool) -> None:
    """Log to stderr at `level`; `service` is `newsbot run`, a long-running process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(service))
    logging.basicConfig(level=level, handlers=[handler], force=True)
