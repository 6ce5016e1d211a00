"""Recurrence periods (``recur:weekly``, ``recur:3d``) and the due dates they give.

Pure: text in, dates out, no database. The names and units are Taskwarrior 2.6's
(its Duration table and ``getNextRecurrence``), with two documented differences
that make a series calendar-correct where Taskwarrior drifts:

- Occurrence ``n`` of a series is the anchor (the template's due) plus ``n``
  periods, clamped to the month's end once: a series from Jan 31 is due Feb 28
  (29), then Mar 31, Apr 30... Taskwarrior steps from the previous instance, so its
  Jan 31 series falls to the 28th for good, and a Feb 29 yearly one to Feb 28.
- Periods of a day or more keep the local wall-clock time across a DST change
  (Taskwarrior adds 86,400 s a day, so 09:00 becomes 08:00 or 10:00); hours,
  minutes and seconds are exact spans of time.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from todo_cli.dates import OutOfRangeError, local
from todo_cli.errors import UsageError

# Named periods, used alone: (months, days, weekdays).
NAMED: dict[str, tuple[int, int, bool]] = {
    "daily": (0, 1, False),
    "weekdays": (0, 1, True),
    "weekly": (0, 7, False),
    "sennight": (0, 7, False),
    "biweekly": (0, 14, False),
    "fortnight": (0, 14, False),
    "monthly": (1, 0, False),
    "bimonthly": (2, 0, False),
    "quarterly": (3, 0, False),
    "semiannual": (6, 0, False),
    "annual": (12, 0, False),
    "yearly": (12, 0, False),
    "biannual": (24, 0, False),
    "biyearly": (24, 0, False),
}
# Units after an optional count (``3d``, ``2 weeks``): (months, days, seconds) per unit.
_UNIT_WORDS = {
    (0, 0, 1): ("s", "sec", "secs", "second", "seconds"),
    (0, 0, 60): ("min", "mins", "minute", "minutes"),
    (0, 0, 3600): ("h", "hr", "hrs", "hour", "hours"),
    (0, 1, 0): ("d", "day", "days"),
    (0, 7, 0): ("w", "wk", "wks", "week", "weeks"),
    (1, 0, 0): ("m", "mo", "mos", "mth", "mths", "mnths", "month", "months"),
    (3, 0, 0): ("q", "qtr", "qtrs", "qrtr", "qrtrs", "quarter", "quarters"),
    (12, 0, 0): ("y", "yr", "yrs", "year", "years"),
}
UNITS = {word: size for size, words in _UNIT_WORDS.items() for word in words}
# ISO 8601, one component: P1D, P2W, P3M, P1Y, PT12H, PT30M, PT10S.
ISO_UNITS = {"Y": (12, 0, 0), "M": (1, 0, 0), "W": (0, 7, 0), "D": (0, 1, 0)}
ISO_TIME_UNITS = {"H": (0, 0, 3600), "M": (0, 0, 60), "S": (0, 0, 1)}
COUNTED = re.compile(r"([0-9]{1,5})? ?([a-z]+)")
ISO = re.compile(r"P(?:([0-9]{1,5})([YMWD])|T([0-9]{1,5})([HMS]))")
EXAMPLES = "daily, weekdays, weekly, biweekly, monthly, quarterly, yearly, 3d, 2w, 6m, 1y, 12h"


@dataclass(frozen=True)
class Period:
    """A recurrence period: ``text`` as stored (``weekly``, ``3d``) and what it adds."""

    text: str
    months: int = 0
    days: int = 0
    seconds: int = 0
    weekdays: bool = False  # Monday to Friday: a step from Friday lands on Monday


def parse_period(text: str) -> Period:
    """The period ``text`` names, or UsageError naming it."""
    cleaned = " ".join(text.split())
    found = _named(cleaned.lower()) or _counted(cleaned.lower()) or _iso(cleaned.upper())
    if found is None:
        raise UsageError(f"recur:{text} is not a period; try {EXAMPLES}")
    return found


def _named(text: str) -> Period | None:
    if text not in NAMED:
        return None
    months, days, weekdays = NAMED[text]
    return Period(text, months=months, days=days, weekdays=weekdays)


def _counted(text: str) -> Period | None:
    match = COUNTED.fullmatch(text)
    if match is None or match.group(2) not in UNITS:
        return None
    return _sized(text.replace(" ", ""), int(match.group(1) or 1), UNITS[match.group(2)])


def _iso(text: str) -> Period | None:
    match = ISO.fullmatch(text)
    if match is None:
        return None
    if match.group(1) is not None:
        return _sized(text, int(match.group(1)), ISO_UNITS[match.group(2)])
    return _sized(text, int(match.group(3)), ISO_TIME_UNITS[match.group(4)])


def _sized(text: str, count: int, size: tuple[int, int, int]) -> Period:
    if count == 0:
        raise UsageError(f"recur:{text} is no period: it must be at least 1")
    months, days, seconds = (count * part for part in size)
    return Period(text, months=months, days=days, seconds=seconds)


def nth_due(anchor: datetime, period: Period, n: int) -> datetime | None:
    """Occurrence ``n`` (0 is the anchor itself) of a series from ``anchor``; None when
    it would fall past year 9999 (the series ends there)."""
    if n == 0:
        return anchor
    if period.seconds:
        try:
            return anchor + timedelta(seconds=period.seconds * n)
        except OverflowError:
            return None
    wall = anchor.astimezone().replace(tzinfo=None)  # the local wall-clock time
    try:
        day = _advanced(wall.date(), period, n)
        return local(datetime.combine(day, wall.time()))
    except (OverflowError, ValueError, OutOfRangeError):  # past year 9999
        return None


def _advanced(day: date, period: Period, n: int) -> date:
    if period.weekdays:
        return _weekdays_after(day, n)
    return _months_after(day, period.months * n) + timedelta(days=period.days * n)


def _months_after(day: date, months: int) -> date:
    """``months`` calendar months on, on the same day or the month's last if it is shorter."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _weekdays_after(day: date, steps: int) -> date:
    """``steps`` Taskwarrior weekday steps: Friday, Saturday and Sunday step to Monday."""
    if steps and day.weekday() >= 5:  # a weekend start: the first step reaches Monday
        day += timedelta(days=7 - day.weekday())
        steps -= 1
    weeks, rest = divmod(steps, 5)
    day += timedelta(weeks=weeks)
    for _ in range(rest):
        day += timedelta(days=3 if day.weekday() == 4 else 1)
    return day


def wall_offset(moment: datetime, base: datetime) -> timedelta:
    """How far ``moment`` is from ``base`` on the local wall clock (``wait`` 1 day
    before ``due`` stays 1 day before across a DST change)."""
    return _wall(moment) - _wall(base)


def at_wall_offset(base: datetime, offset: timedelta) -> datetime | None:
    """``base`` moved by a ``wall_offset``; None past year 9999."""
    try:
        return local(_wall(base) + offset)
    except (OverflowError, ValueError, OutOfRangeError):
        return None


def _wall(moment: datetime) -> datetime:
    return moment.astimezone().replace(tzinfo=None)
