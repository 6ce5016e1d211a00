"""How times are shown: 'in 2 days', '3 days ago', a due date with its distance from now.

Both the detail view (render) and the task table use these, so they live below both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime


def describe_due(due: datetime, *, now: datetime) -> str:
    return f"{due.astimezone():%Y-%m-%d %H:%M} ({relative(due, now=now)})"


UNITS = (
    ("year", 365 * 86400),
    ("month", 30 * 86400),
    ("week", 7 * 86400),
    ("day", 86400),
    ("hour", 3600),
    ("minute", 60),
)


def relative(moment: datetime, *, now: datetime) -> str:
    """'in 2 days', '3 days ago', 'now': the largest whole unit, arithmetic only."""
    seconds = (moment - now).total_seconds()
    for name, size in UNITS:
        count = int(abs(seconds) // size)
        if count >= (2 if name in ("year", "month", "week") else 1):
            unit = name if count == 1 else name + "s"
            return f"in {count} {unit}" if seconds > 0 else f"{count} {unit} ago"
    return "now"
