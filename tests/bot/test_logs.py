"""Log lines as systemd's journal and container runtimes read them."""

from __future__ import annotations

import logging

from newsbot.bot.logs import formatter


def record(level: int, message: str) -> logging.LogRecord:
    return logging.LogRecord("newsbot", level, __file__, 1, message, None, None)


def test_under_systemd_each_line_carries_its_syslog_priority_and_no_timestamp() -> None:
    journal = formatter(service=True, environ={"JOURNAL_STREAM": "8:12345"})
    assert journal.format(record(logging.WARNING, "the event loop ran late")) == (
        "<4>WARNING newsbot: the event loop ran late"
    )
    assert journal.format(record(logging.ERROR, "first\nsecond")).splitlines() == [
        "<3>ERROR newsbot: first",
        "<3>second",
    ]


def test_a_service_elsewhere_stamps_each_line_and_a_shell_command_does_not() -> None:
    service = formatter(service=True, environ={}).format(record(logging.INFO, "synced"))
    assert service.endswith(" INFO newsbot: synced") and service[:4].isdigit() and "T" in service[:20]
    assert formatter(service=False, environ={}).format(record(logging.INFO, "x")) == "INFO newsbot: x"
