"""Named points between the steps of a write, where crash tests stop or kill a writer.

Callers use `checkpoints.reached(step)` through the module, so a test that
replaces `reached` reaches every writer at once.
"""

from __future__ import annotations


def reached(step: str) -> None:
    """A write passed `step`; nothing happens outside tests."""
