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


VAGUE_UNITS = (("y", 365 * 86400), ("mo", 30 * 86400), ("w", 7 * 86400), ("d", 86400))
VAGUE_SMALL = (("h", 3600), ("min", 60), ("s", 1))


def vague_duration(seconds: float) -> str:
    """A length of time as Taskwarrior's columns show one: 1.2y, 3mo, 2w, 5d, 4h, 12min.

    Years keep a decimal (a year and a half is not "1y"); every smaller unit is whole.
    """
    seconds = abs(seconds)
    years = seconds / VAGUE_UNITS[0][1]
    if years >= 1:
        return f"{years:.1f}y"
    for name, size in (*VAGUE_UNITS[1:], *VAGUE_SMALL):
        if seconds >= size * (2 if name in ("mo", "w") else 1):
            return f"{int(seconds // size)}{name}"
    return "0s"
