"""User-defined attributes' values: from typed text to what the ``udas`` column holds.

Stored JSON-typed, so scripts reading ``--json`` need no parser of ours: a string as
typed (NFC), a number as a JSON number, a date as an ISO 8601 UTC timestamp string
(the form every other timestamp in the JSON has), a duration as an ISO 8601
duration string in one canonical form (``P1Y2M10DT2H30M``: years and months kept
apart from days, weeks as days, time as hours, minutes, seconds), so equal
durations are equal strings and PostgreSQL reads them as ``interval``.

Pure: no database; dates are read against the caller's clock.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from todo_cli.errors import UsageError
from todo_cli.service.filters import AttributeSpec, AttributeTest

TYPES = ("string", "numeric", "date", "duration")
STRING_MAX_LENGTH = 500
NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
# ISO 8601 durations (P3D, PT2H, P1Y2M, P2W), integers only.
ISO_DURATION = re.compile(
    r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?",
    re.IGNORECASE,
)
# Taskwarrior's duration words: a count and a unit (3d, 2wks, 90min), or a name.
COUNTED = re.compile(r"(\d*)\s*([a-z]+)")
# unit -> (months, seconds) per one of it, as Taskwarrior's Duration.cpp spells units.
UNITS: dict[str, tuple[int, int]] = {}
for spellings, amount in (
    (("s", "sec", "secs", "second", "seconds"), (0, 1)),
    (("min", "mins", "minute", "minutes"), (0, 60)),
    (("h", "hr", "hrs", "hour", "hours"), (0, 3600)),
    (("d", "day", "days"), (0, 86400)),
    (("w", "wk", "wks", "week", "weeks"), (0, 7 * 86400)),
    (("m", "mo", "mos", "mth", "mths", "mnths", "month", "months"), (1, 0)),
    (("q", "qtr", "qtrs", "qrtrs", "quarter", "quarters"), (3, 0)),
    (("y", "yr", "yrs", "year", "years"), (12, 0)),
):
    UNITS.update(dict.fromkeys(spellings, amount))
NAMED_DURATIONS: dict[str, tuple[int, int]] = {
    "daily": (0, 86400),
    "weekly": (0, 7 * 86400),
    "biweekly": (0, 14 * 86400),
    "fortnight": (0, 14 * 86400),
    "monthly": (1, 0),
    "bimonthly": (2, 0),
    "quarterly": (3, 0),
    "semiannual": (6, 0),
    "annual": (12, 0),
    "yearly": (12, 0),
    "biannual": (24, 0),
    "biyearly": (24, 0),
}


def stored(spec: AttributeSpec, text: str, *, now: datetime) -> Any:
    """The value ``text`` gives attribute ``spec``, as the ``udas`` column holds it."""
    readers = {"string": _string, "numeric": _number, "date": _date, "duration": _duration}
    value = readers[spec.type](spec.name, text, now)
    if spec.allowed is not None and value not in spec.allowed:
        allowed = ", ".join(spec.allowed)
        raise UsageError(f"{spec.name}:{text} is not one of the allowed values: {allowed}")
    return value


def filter_test(spec: AttributeSpec, modifier: str, text: str, *, now: datetime) -> AttributeTest:
    """The test ``NAME.modifier:text`` asks of attribute ``spec`` (``NAME:`` = no value)."""
    if modifier == "any":
        return AttributeTest(spec.name, "present")
    if modifier == "none" or (not modifier and not text.strip()):
        return AttributeTest(spec.name, "absent")
    if modifier in ("before", "after") and spec.type == "string":
        raise UsageError(
            f"{spec.name}.{modifier}: compares dates, numbers and durations; {spec.name} holds text"
        )
    if not modifier and spec.type == "date":
        start = _day_start(text, now)
        return AttributeTest(spec.name, "within", "date", _iso(start), _iso(start + _DAY))
    value = stored(AttributeSpec(spec.name, spec.type), text, now=now)
    if modifier:
        return AttributeTest(spec.name, modifier, spec.type, value)  # type: ignore[arg-type]
    return AttributeTest(spec.name, "equals", spec.type, value)


def _string(name: str, text: str, now: datetime) -> str:
    from todo_cli.service.validation import clean_line

    return clean_line(text, f"{name} value", STRING_MAX_LENGTH)


def _number(name: str, text: str, now: datetime) -> int | float:
    if not NUMBER.fullmatch(text.strip()):
        raise UsageError(f"{name}:{text} is not a number (e.g. 3 or 2.5)")
    value = float(text)
    if not math.isfinite(value):
        raise UsageError(f"{name}:{text} is too large a number")
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _date(name: str, text: str, now: datetime) -> str:
    from todo_cli.dates import parse_when

    return _iso(parse_when(text, now=now))


def _day_start(text: str, now: datetime) -> datetime:
    from todo_cli.dates import parse_when, start_of_day

    return start_of_day(parse_when(text, now=now).astimezone().date())


_DAY = timedelta(days=1)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _duration(name: str, text: str, now: datetime) -> str:
    months, seconds = read_duration(text, name=name)
    return iso_duration(months, seconds)


def read_duration(text: str, *, name: str = "duration") -> tuple[int, int]:
    """``3d``, ``PT2H``, ``weekly``, ``2 weeks`` as (months, seconds)."""
    word = text.strip().lower()
    iso = ISO_DURATION.fullmatch(word)
    if iso and word not in ("p", "pt") and not word.endswith("t"):
        years, months, weeks, days, hours, minutes, secs = (int(part or 0) for part in iso.groups())
        return years * 12 + months, (weeks * 7 + days) * 86400 + hours * 3600 + minutes * 60 + secs
    if word in NAMED_DURATIONS:
        return NAMED_DURATIONS[word]
    counted = COUNTED.fullmatch(word)
    if counted and counted.group(2) in UNITS:
        count = int(counted.group(1) or 1)
        months, seconds = UNITS[counted.group(2)]
        return count * months, count * seconds
    raise UsageError(f"{name}:{text} is not a duration (e.g. 3d, 2w, 90min, PT2H, P1M, weekly)")


def iso_duration(months: int, seconds: int) -> str:
    """(months, seconds) in the one ISO 8601 form todo stores."""
    years, months = divmod(months, 12)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    date = "".join(f"{n}{unit}" for n, unit in ((years, "Y"), (months, "M"), (days, "D")) if n)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    if not date and not time:
        return "PT0S"
    return "P" + date + (f"T{time}" if time else "")
