"""WHEN values: ISO dates and times, or plain words, read in the local time zone.

A date without a time means the end of that day, local time, so a task due
today is not overdue before tonight. ISO input never imports dateparser;
words load it on first use.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from todo_cli.errors import UsageError

END_OF_DAY = time(23, 59, 59)
END_OF_TODAY_WORDS = {"eod", "end of day", "tonight"}


def parse_when(text: str, *, now: datetime) -> datetime:
    """An aware datetime for ``text`` relative to ``now``, or UsageError naming it."""
    spaced = " ".join(text.split())
    cleaned = spaced.lower()
    if cleaned in END_OF_TODAY_WORDS:
        return end_of_day(now.date())
    # ISO before lowercasing: week dates need their capital W (2026-W49-2).
    parsed = _parse_iso(spaced) or _parse_words(cleaned, now)
    if parsed is None:
        raise UsageError(f"cannot read {text!r} as a date (try 2026-12-01, tomorrow, in 3 days)")
    return parsed


def end_of_day(day: date) -> datetime:
    return local(datetime.combine(day, END_OF_DAY))


def local(moment: datetime) -> datetime:
    """Naive local wall-clock time to aware, with that date's own UTC offset (DST-safe)."""
    return moment.astimezone() if moment.tzinfo is None else moment


def _parse_iso(text: str) -> datetime | None:
    try:
        return end_of_day(date.fromisoformat(text))
    except ValueError:
        pass
    try:
        return local(datetime.fromisoformat(text))
    except ValueError:
        return None


def _parse_words(text: str, now: datetime) -> datetime | None:
    from dateparser.date import DateDataParser

    parser = DateDataParser(languages=["en"], settings=_dateparser_settings(now))
    result = parser.get_date_data(text)
    if result.date_obj is None:
        return None
    moment: datetime = result.date_obj
    if result.period != "time":
        return end_of_day(moment.date())
    return local(moment)


def _dateparser_settings(now: datetime) -> dict[str, Any]:
    return {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now.astimezone().replace(tzinfo=None),
        "RETURN_TIME_AS_PERIOD": True,
    }
