"""Recurrence periods and the due dates they give: month ends, leap days, DST."""

import time
from datetime import datetime, timedelta

import pytest

from todo_cli.errors import UsageError
from todo_cli.recurrence import at_wall_offset, nth_due, parse_period, wall_offset


@pytest.fixture(autouse=True)
def berlin(monkeypatch):
    """A zone with DST: summer time starts 2027-03-28 and ends 2027-10-31."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def at(*parts: int) -> datetime:
    return datetime(*parts).astimezone()  # local wall-clock time in Berlin


def dues(anchor: datetime, period: str, count: int) -> list[str]:
    found = [nth_due(anchor, parse_period(period), n) for n in range(count)]
    return [moment.astimezone().isoformat() if moment else "end" for moment in found]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("daily", ["2027-01-29", "2027-01-30", "2027-01-31", "2027-02-01"]),
        ("2d", ["2027-01-29", "2027-01-31", "2027-02-02", "2027-02-04"]),
        ("weekly", ["2027-01-29", "2027-02-05", "2027-02-12", "2027-02-19"]),
        ("1w", ["2027-01-29", "2027-02-05", "2027-02-12", "2027-02-19"]),
        ("biweekly", ["2027-01-29", "2027-02-12", "2027-02-26", "2027-03-12"]),
        ("fortnight", ["2027-01-29", "2027-02-12", "2027-02-26", "2027-03-12"]),
        ("monthly", ["2027-01-29", "2027-02-28", "2027-03-29", "2027-04-29"]),
        ("bimonthly", ["2027-01-29", "2027-03-29", "2027-05-29", "2027-07-29"]),
        ("quarterly", ["2027-01-29", "2027-04-29", "2027-07-29", "2027-10-29"]),
        ("2q", ["2027-01-29", "2027-07-29", "2028-01-29", "2028-07-29"]),
        ("semiannual", ["2027-01-29", "2027-07-29", "2028-01-29", "2028-07-29"]),
        ("yearly", ["2027-01-29", "2028-01-29", "2029-01-29", "2030-01-29"]),
        ("annual", ["2027-01-29", "2028-01-29", "2029-01-29", "2030-01-29"]),
        ("biannual", ["2027-01-29", "2029-01-29", "2031-01-29", "2033-01-29"]),
        ("P1M", ["2027-01-29", "2027-02-28", "2027-03-29", "2027-04-29"]),
        ("3m", ["2027-01-29", "2027-04-29", "2027-07-29", "2027-10-29"]),
        ("1y", ["2027-01-29", "2028-01-29", "2029-01-29", "2030-01-29"]),
        # Friday the 29th: Monday, Tuesday, Wednesday (Taskwarrior's weekdays).
        ("weekdays", ["2027-01-29", "2027-02-01", "2027-02-02", "2027-02-03"]),
    ],
)
def test_every_named_period_and_unit(period, expected):
    assert [due[:10] for due in dues(at(2027, 1, 29, 9), period, 4)] == expected


def test_month_ends_clamp_per_occurrence_and_do_not_drift():
    # Taskwarrior steps from the previous instance: Jan 31, Feb 28, Mar 28, Apr 28...
    assert [due[:10] for due in dues(at(2027, 1, 31, 9), "monthly", 5)] == [
        "2027-01-31",
        "2027-02-28",
        "2027-03-31",
        "2027-04-30",
        "2027-05-31",
    ]
    assert dues(at(2028, 1, 31, 9), "monthly", 2)[1][:10] == "2028-02-29"  # a leap year


def test_a_leap_day_recurs_on_feb_28_then_on_feb_29_again():
    assert [due[:10] for due in dues(at(2024, 2, 29, 9), "yearly", 5)] == [
        "2024-02-29",
        "2025-02-28",
        "2026-02-28",
        "2027-02-28",
        "2028-02-29",
    ]


def test_weekdays_from_a_weekend_start_on_monday():
    saturday = at(2027, 1, 30, 9)
    assert [due[:10] for due in dues(saturday, "weekdays", 8)] == [
        "2027-01-30",
        *("2027-02-01", "2027-02-02", "2027-02-03", "2027-02-04", "2027-02-05"),
        *("2027-02-08", "2027-02-09"),
    ]


def test_days_keep_the_wall_clock_across_dst_and_hours_do_not():
    before_spring = at(2027, 3, 27, 9)  # 09:00 CET (+01:00); the 28th is in CEST
    assert dues(before_spring, "daily", 3) == [
        "2027-03-27T09:00:00+01:00",
        "2027-03-28T09:00:00+02:00",
        "2027-03-29T09:00:00+02:00",
    ]
    assert dues(at(2027, 10, 30, 9), "weekly", 2)[1] == "2027-11-06T09:00:00+01:00"
    assert dues(at(2027, 3, 27, 9), "monthly", 2)[1] == "2027-04-27T09:00:00+02:00"
    # 24 hours are 24 hours: across the change the wall clock moves.
    assert dues(before_spring, "24h", 2)[1] == "2027-03-28T10:00:00+02:00"


def test_offsets_from_due_are_wall_clock_offsets():
    due = at(2027, 3, 28, 9)
    wait = at(2027, 3, 27, 9)  # one calendar day before, 23 real hours
    offset = wall_offset(wait, due)
    assert offset == -timedelta(days=1)
    assert at_wall_offset(at(2027, 4, 4, 9), offset) == at(2027, 4, 3, 9)


def test_a_series_ends_past_year_9999():
    assert nth_due(at(9999, 6, 1, 9), parse_period("yearly"), 1) is None
    assert nth_due(at(9999, 6, 1, 9), parse_period("1000d"), 1) is None


@pytest.mark.parametrize(
    ("text", "stored"),
    [("Weekly", "weekly"), ("3 d", "3d"), ("P2W", "P2W"), ("pt12h", "PT12H"), ("2wks", "2wks")],
)
def test_periods_are_stored_as_checked(text, stored):
    assert parse_period(text).text == stored


@pytest.mark.parametrize("text", ["", "sometimes", "0d", "3", "-1d", "P1Y2M", "1.5d", "d3"])
def test_what_is_not_a_period_is_refused_by_name(text):
    with pytest.raises(UsageError, match="recur:"):
        parse_period(text)
