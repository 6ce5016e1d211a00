"""WHEN values: ISO dates and times, or plain words, read in the local time zone.

A date without a time means the end of that day, local time, so a task due
today is not overdue before tonight. Taskwarrior's keywords name the edges
of the current day, week (Monday to Sunday), month and year: ``sod eod sow
eow som eom soy eoy``; a weekday name (``friday``, ``fri``) is the next such
day, never today. ISO input and keywords never import dateparser; other
words load it on first use. ``someday`` and ``later`` are Taskwarrior's far
future (9999-12-30); ``soq``/``eoq`` the quarter's edges; ``now`` this moment.
A WHEN may add or take a span (``eom-1d``, ``now+2h``, ``friday+9h``: see
todo_cli/offsets.py); ``due-1d`` is relative to a task's own date, which only a
change of that task can read (``wait:due-1d`` on add and edit).

A date without a time is the end of that day by default (a due date, an
until); ``day_start=True`` reads it as the start (a wait or scheduled date:
``wait:monday`` shows the task on Monday morning).

Numeric dates are ISO only (YYYY-MM-DD, Taskwarrior's default ``dateformat``):
``31/12/2026`` and ``3/4`` mean different days to different people, and
dateparser guesses (day-first for one, month-first for the other), so text
it could misread is refused before it gets there (``ambiguous``).
"""

from __future__ import annotations

import calendar
import os
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from todo_cli.errors import ConfigError, UsageError
from todo_cli.offsets import add_months, read_offset, task_offset

END_OF_DAY = time(23, 59, 59)
END_OF_TODAY_WORDS = {"eod", "end of day", "tonight"}
# Taskwarrior's `someday` and `later`: a wait that never ends by itself.
FAR_FUTURE_WORDS = {"someday", "later"}
FAR_FUTURE = datetime(9999, 12, 30)
# Spelled out, not calendar.day_name: that follows the C library's locale.
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS = {name: day for day, name in enumerate(DAY_NAMES)}
WEEKDAY_ABBREVIATIONS = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3}
WEEKDAY_ABBREVIATIONS |= {"thurs": 3, "fri": 4, "sat": 5, "sun": 6}
# A day inside datetime's range at both ends, so any UTC offset still fits.
EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)
# POSIX TZ strings (`UTC+3`, `EST5EDT`, `CET-1CEST,M3.5.0,M10.5.0/3`, `<+03>-3`):
# name, offset, then optionally a daylight name, its offset and the switch rules.
_NAME = r"(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)"
_OFFSET = r"[+-]?\d{1,2}(?::\d{2}){0,2}"
_RULE = rf"(?:J\d{{1,3}}|\d{{1,3}}|M\d{{1,2}}\.\d\.\d)(?:/{_OFFSET})?"
# Numbers joined by / . , or - (3/4, 12-31, 3.4, 31/12/2026): only YYYY-MM-DD is allowed.
JOINED_NUMBERS = re.compile(r"(?<![\w:/.,-])\d+(?:[/.,-]\d+)+(?![\w:/.,-])")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A number standing alone (12, the 4th) and the word after it: dateparser reads a lone
# number as a month or a day as it sees fit, unless a unit, am/pm or a month name anchors it.
LONE_NUMBER = re.compile(r"(?<![\w:/.,-])\d+(?:st|nd|rd|th)?(?![\w:/.,-])\s*([a-z]*)")
ANCHORS = {"am", "pm", "s", "sec", "secs", "second", "seconds", "min", "mins", "minute"}
ANCHORS |= {"minutes", "h", "hr", "hrs", "hour", "hours", "d", "day", "days", "w", "wk", "wks"}
ANCHORS |= {"week", "weeks", "fortnight", "fortnights", "mo", "month", "months", "y", "yr"}
ANCHORS |= {"yrs", "year", "years"}
MONTH_NAMES = {name.lower() for name in calendar.month_name[1:]}
MONTH_NAMES |= {name.lower()[:3] for name in calendar.month_name[1:]} | {"sept"}
POSIX_TZ = re.compile(rf"{_NAME}{_OFFSET}(?:{_NAME}(?:{_OFFSET})?(?:,{_RULE},{_RULE})?)?")


def parse_when(text: str, *, now: datetime, day_start: bool = False) -> datetime:
    """An aware datetime for ``text`` relative to ``now``, or UsageError naming it.

    ``day_start``: a date without a time is the start of that day, not its end."""
    check_local_zone(os.environ.get("TZ"))
    if task_offset(text) is not None:
        raise UsageError(
            f"{text!r} is relative to a task's own date: write it as a word on add or"
            " edit (wait:due-1d, due:due+1d); it cannot select tasks"
        )
    try:
        parsed = _parse_sum(text, now, day_start)
    except OutOfRangeError:
        raise _out_of_range(text) from None
    if parsed is None:
        raise UsageError(f"cannot read {text!r} as a date (try 2026-12-01, tomorrow, in 3 days)")
    if not EARLIEST <= parsed <= LATEST:
        raise _out_of_range(text)
    return parsed


def _out_of_range(text: str) -> UsageError:
    return UsageError(f"{text!r} is out of range (years 1 to 9999)")


class OutOfRangeError(UsageError):
    """A time the local offset pushes past year 1 or 9999."""


def _parse_sum(text: str, now: datetime, day_start: bool) -> datetime | None:
    """``eom-1d``: a WHEN and a span; anything else as one WHEN."""
    offset = read_offset(text)
    if offset is None:
        return _parse(text, now, day_start)
    base = _parse(offset.base, now, day_start)
    try:
        return None if base is None else offset.apply(base)
    except (OverflowError, ValueError):
        raise OutOfRangeError(f"{text} is out of range (years 1 to 9999)") from None


def _parse(text: str, now: datetime, day_start: bool = False) -> datetime | None:
    spaced = " ".join(text.split())
    cleaned = spaced.lower()
    whole_day = start_of_day if day_start else end_of_day
    if cleaned == "now":
        return now
    keyword = _keyword(cleaned, now.date(), whole_day)
    if keyword is not None:
        return keyword
    # ISO before lowercasing: week dates need their capital W (2026-W49-2).
    iso = _parse_iso(spaced, whole_day)
    if iso is not None:
        return iso
    if ambiguous(cleaned):
        raise UsageError(
            f"cannot read {text!r} unambiguously: write a date as YYYY-MM-DD (2026-12-31) "
            "or with a month name (dec 31), a time as 17:00 or 5pm, a span as 3 days"
        )
    return _parse_words(cleaned, now, whole_day)


def ambiguous(text: str) -> bool:
    """Whether lower-case ``text`` holds a number dateparser could read more than one way:
    numbers joined as a date but not YYYY-MM-DD (3/4, 12-31, 3.4), or a lone number
    (12, friday 3, the 4th) with no unit, am/pm or month name to say what it counts."""
    if any(not ISO_DATE.fullmatch(found) for found in JOINED_NUMBERS.findall(text)):
        return True
    with_month = not MONTH_NAMES.isdisjoint(re.findall(r"[a-z]+", text))
    return any(word not in ANCHORS and not with_month for word in LONE_NUMBER.findall(text))


def _keyword(word: str, today: date, whole_day: Callable[[date], datetime]) -> datetime | None:
    """Taskwarrior's named dates and the weekday names, without dateparser."""
    if word in END_OF_TODAY_WORDS:
        return end_of_day(today)
    if word in FAR_FUTURE_WORDS:
        return local(FAR_FUTURE)
    weekday = WEEKDAYS.get(word, WEEKDAY_ABBREVIATIONS.get(word))
    try:
        if weekday is not None:
            return whole_day(today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1))
        edge = PERIOD_EDGES.get(word)
        return None if edge is None else edge(today)
    except OverflowError:  # past year 9999
        raise OutOfRangeError(f"{word} is out of range (years 1 to 9999)") from None


def start_of_day(day: date) -> datetime:
    return local(datetime.combine(day, time.min))


def _last_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def quarter_start(day: date) -> date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


PERIOD_EDGES: dict[str, Callable[[date], datetime]] = {
    "sod": start_of_day,
    "sow": lambda day: start_of_day(week_start(day)),
    "eow": lambda day: end_of_day(week_start(day) + timedelta(days=6)),
    "som": lambda day: start_of_day(day.replace(day=1)),
    "eom": lambda day: end_of_day(_last_of_month(day)),
    "soq": lambda day: start_of_day(quarter_start(day)),
    "eoq": lambda day: end_of_day(add_months(quarter_start(day), 3) - timedelta(days=1)),
    "soy": lambda day: start_of_day(day.replace(month=1, day=1)),
    "eoy": lambda day: end_of_day(day.replace(month=12, day=31)),
}


def check_local_zone(zone: str | None) -> None:
    """Refuse a TZ that the C library would silently read as UTC (exit 5, naming it)."""
    if not zone or _is_zone_name(zone.removeprefix(":")) or POSIX_TZ.fullmatch(zone):
        return
    raise ConfigError(
        f"TZ={zone!r} is not a time zone; use a name such as Europe/Paris "
        "or a POSIX rule such as UTC+3 or EST5EDT"
    )


def _is_zone_name(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if os.path.isabs(name):  # `TZ=:/etc/localtime` names a file
        return os.path.isfile(name)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def end_of_day(day: date) -> datetime:
    return local(datetime.combine(day, END_OF_DAY))


def local(moment: datetime) -> datetime:
    """Naive local wall-clock time to aware, with that date's own UTC offset (DST-safe)."""
    if moment.tzinfo is not None:
        return moment
    try:
        return moment.astimezone()
    except (OverflowError, ValueError):  # the offset pushes it past year 1 or 9999
        raise OutOfRangeError(f"{moment.isoformat()} is out of range (years 1 to 9999)") from None


def _parse_iso(text: str, whole_day: Callable[[date], datetime]) -> datetime | None:
    try:
        return whole_day(date.fromisoformat(text))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return local(moment)


def _parse_words(
    text: str, now: datetime, whole_day: Callable[[date], datetime]
) -> datetime | None:
    from zoneinfo import ZoneInfoNotFoundError

    from dateparser.date import DateDataParser

    parser = DateDataParser(languages=["en"], settings=_dateparser_settings(now))
    try:
        result = parser.get_date_data(text)
    except ZoneInfoNotFoundError:  # a bare Unix timestamp still asks tzlocal
        return None
    if result.date_obj is None:
        return None
    moment: datetime = result.date_obj
    if result.period != "time":
        return whole_day(moment.date())
    return local(moment)


def _dateparser_settings(now: datetime) -> dict[str, Any]:
    return {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now.astimezone().replace(tzinfo=None),
        # Today's offset instead of "local", so dateparser does not ask tzlocal,
        # which refuses POSIX TZ values (UTC+3, EST5EDT) that the C library reads.
        # Results without a zone of their own still come back naive, as wall-clock
        # times that local() places with their own date's offset.
        "TIMEZONE": now.astimezone().strftime("%z"),
        "RETURN_TIME_AS_PERIOD": True,
    }
