"""Date arithmetic in WHEN values: ``eom-1d``, ``now+2h``, and ``due-1d`` (a task's own date).

Taskwarrior evaluates ``wait:due-1d`` against the task being changed and
``eom-1d`` against the calendar; both read ``BASE+N UNIT`` or ``BASE-N UNIT``.
Units of a day and more keep the local wall-clock time (a day across a DST
change is 23 or 25 hours), and months are calendar months clamped to the
month's end (Mar 31 - 1mo is Feb 28), where Taskwarrior counts a month as 30
days. Hours, minutes and seconds are exact.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from todo_cli.errors import UsageError

# The task's own dates a value may be relative to (`wait:due-1d`).
TASK_DATES = ("due", "scheduled", "wait", "until")
OFFSET = re.compile(r"(?P<base>.+?)\s*(?P<sign>[+-])\s*(?P<count>\d{1,6})\s*(?P<unit>[a-z]+)")
UNITS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "seconds"),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), "minutes"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hours"),
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
    **dict.fromkeys(("fortnight", "fortnights"), "fortnights"),
    **dict.fromkeys(("mo", "mos", "month", "months"), "months"),
    **dict.fromkeys(("q", "qtr", "qtrs", "quarter", "quarters"), "quarters"),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), "years"),
}
EXACT = {"seconds": 1, "minutes": 60, "hours": 3600}
DAYS = {"days": 1, "weeks": 7, "fortnights": 14}
MONTHS = {"months": 1, "quarters": 3, "years": 12}


@dataclass(frozen=True)
class Offset:
    """``base`` shifted by ``count`` ``unit`` (negative: earlier), as typed in ``text``."""

    text: str
    base: str
    count: int
    unit: str

    def apply(self, moment: datetime) -> datetime:
        return shift(moment, self.count, self.unit)


def read_offset(text: str) -> Offset | None:
    """``eom-1d`` as Offset("eom", -1, "days"); None when ``text`` is no such sum."""
    cleaned = " ".join(text.split()).lower()
    match = OFFSET.fullmatch(cleaned)
    if match is None or match.group("unit") not in UNITS:
        return None
    count = int(match.group("count")) * (-1 if match.group("sign") == "-" else 1)
    return Offset(text, match.group("base"), count, UNITS[match.group("unit")])


def task_offset(text: str) -> Offset | None:
    """An offset from one of the task's own dates (``due-1d``), else None."""
    offset = read_offset(text)
    return offset if offset is not None and offset.base in TASK_DATES else None


def shift(moment: datetime, count: int, unit: str) -> datetime:
    """``moment`` moved by ``count`` units; OverflowError past year 1 or 9999."""
    if unit in EXACT:
        # In the local zone's offset at the new moment (it may be across a DST change).
        return (moment + timedelta(seconds=count * EXACT[unit])).astimezone()
    wall = moment.astimezone().replace(tzinfo=None)
    if unit in DAYS:
        moved = wall + timedelta(days=count * DAYS[unit])
    else:
        moved = datetime.combine(add_months(wall.date(), count * MONTHS[unit]), wall.time())
    return moved.astimezone()


def add_months(day: date, months: int) -> date:
    """Calendar months later (earlier when negative), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date value out of range")
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def resolve(
    known: Mapping[str, datetime | None], offsets: Mapping[str, Offset]
) -> dict[str, datetime]:
    """The dates ``offsets`` give, each from ``known`` (the task's dates after this change).

    A field relative to itself (``due:due+1d``) starts from its value in ``known``;
    others may chain (``scheduled:due-2d wait:scheduled-1d``) but not go round.
    """
    values = dict(known)
    found = {
        name: _from(values, offset, name) for name, offset in offsets.items() if offset.base == name
    }
    values |= found
    waiting = {name: offset for name, offset in offsets.items() if name not in found}
    while waiting:
        ready = {name: offset for name, offset in waiting.items() if offset.base not in waiting}
        if not ready:
            name, offset = next(iter(waiting.items()))
            raise UsageError(f"{name}:{offset.text} and {offset.base}: refer to each other")
        for name, offset in ready.items():
            values[name] = found[name] = _from(values, offset, name)
            del waiting[name]
    return found


def _from(values: Mapping[str, datetime | None], offset: Offset, name: str) -> datetime:
    base = values.get(offset.base)
    if base is None:
        raise UsageError(f"{name}:{offset.text} needs a {offset.base} date, and there is none")
    try:
        return offset.apply(base)
    except (OverflowError, ValueError):
        raise UsageError(f"{name}:{offset.text} is out of range (years 1 to 9999)") from None
