"""WHEN values: todo_cli.dates.parse_when with an explicit ``now``."""

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support import assert_fails
from todo_cli.dates import end_of_day, parse_when
from todo_cli.errors import ConfigError, ExitCode, UsageError

# Thursday 2026-11-26 09:30, local time (the frozen clock's moment).
NOW = datetime(2026, 11, 26, 9, 30).astimezone()


def local(*parts: int) -> datetime:
    return datetime(*parts).astimezone()


def eod(year: int, month: int, day: int) -> datetime:
    return local(year, month, day, 23, 59, 59)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", eod(2026, 12, 1)),
        ("2026-12-01T14:00", local(2026, 12, 1, 14, 0)),
        ("2026-12-01 14:00", local(2026, 12, 1, 14, 0)),
        ("2026-12-01T14:00:30", local(2026, 12, 1, 14, 0, 30)),
        ("2027-02-28", eod(2027, 2, 28)),
    ],
)
def test_iso_dates_and_times_are_local(text, expected):
    assert parse_when(text, now=NOW) == expected


def test_iso_with_offset_keeps_the_offset():
    parsed = parse_when("2026-12-01T14:00+02:00", now=NOW)
    assert parsed == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert parsed.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("text", ["2026-12-01T14:00:00Z", "2026-12-01T14:00:00z"])
def test_iso_zulu_is_utc(text):
    assert parse_when(text, now=NOW) == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def test_iso_week_date():
    # ISO 8601 week dates: week 49 of 2026, Tuesday.
    assert parse_when("2026-W49-2", now=NOW) == eod(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow", eod(2026, 11, 27)),
        ("Tomorrow", eod(2026, 11, 27)),
        ("today", eod(2026, 11, 26)),
        ("in 3 days", eod(2026, 11, 29)),
        ("  in   3   days ", eod(2026, 11, 29)),
        ("next week", eod(2026, 12, 3)),
        ("eod", eod(2026, 11, 26)),
        ("EOD", eod(2026, 11, 26)),
        ("end of day", eod(2026, 11, 26)),
        ("tonight", eod(2026, 11, 26)),
    ],
)
def test_words(text, expected):
    assert parse_when(text, now=NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sod", local(2026, 11, 26, 0, 0)),
        ("eod", eod(2026, 11, 26)),
        ("sow", local(2026, 11, 23, 0, 0)),  # Monday of this week
        ("eow", eod(2026, 11, 29)),  # its Sunday
        ("som", local(2026, 11, 1, 0, 0)),
        ("eom", eod(2026, 11, 30)),
        ("soy", local(2026, 1, 1, 0, 0)),
        ("EOY", eod(2026, 12, 31)),
        ("friday", eod(2026, 11, 27)),
        ("Fri", eod(2026, 11, 27)),
        ("monday", eod(2026, 11, 30)),
        ("wed", eod(2026, 12, 2)),
        ("thursday", eod(2026, 12, 3)),  # today is Thursday: the next one, never today
        ("thu", eod(2026, 12, 3)),
        ("sunday", eod(2026, 11, 29)),
        ("sat", eod(2026, 11, 28)),
    ],
)
def test_named_dates_and_weekdays(text, expected):
    assert parse_when(text, now=NOW) == expected


def test_end_of_month_knows_february():
    assert parse_when("eom", now=local(2028, 2, 10, 12, 0)) == eod(2028, 2, 29)


def test_named_dates_need_no_dateparser(monkeypatch):
    monkeypatch.setitem(sys.modules, "dateparser", None)  # importing it would fail
    monkeypatch.setitem(sys.modules, "dateparser.date", None)
    for word in ("sod", "eow", "eom", "soy", "friday", "mon"):
        assert parse_when(word, now=NOW).tzinfo is not None


def test_a_weekday_past_year_9999_is_out_of_range():
    with pytest.raises(UsageError, match="out of range"):
        parse_when("monday", now=local(9999, 12, 31, 12, 0))


def test_next_friday_from_thursday_is_tomorrow():
    assert parse_when("next friday", now=NOW) == eod(2026, 11, 27)


def test_next_friday_from_friday_is_a_week_later():
    friday = local(2026, 11, 27, 9, 30)
    assert parse_when("next friday", now=friday) == eod(2026, 12, 4)


def test_words_with_a_time_keep_the_time():
    assert parse_when("tomorrow 5pm", now=NOW) == local(2026, 11, 27, 17, 0)


def test_relative_hours_count_from_now():
    assert parse_when("in 2 hours", now=NOW) == NOW + timedelta(hours=2)


def test_words_follow_the_given_now_not_the_real_clock():
    assert parse_when("tomorrow", now=local(2030, 1, 31, 8, 0)) == eod(2030, 2, 1)


def test_results_are_always_timezone_aware():
    for text in ("2026-12-01", "2026-12-01T14:00", "tomorrow", "in 3 days", "eod"):
        assert parse_when(text, now=NOW).tzinfo is not None, text


def test_a_date_alone_means_the_end_of_that_local_day():
    due_today = parse_when("2026-11-26", now=NOW)
    assert due_today > NOW  # due today is not overdue at 09:30
    assert due_today < local(2026, 11, 27, 0, 0)
    assert (due_today.hour, due_today.minute, due_today.second) == (23, 59, 59)


def test_end_of_day_uses_that_dates_own_offset(monkeypatch):
    # Summer and winter dates in a zone with DST get different offsets.
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        assert end_of_day(datetime(2026, 7, 1).date()).utcoffset() == timedelta(hours=2)
        assert end_of_day(datetime(2026, 12, 1).date()).utcoffset() == timedelta(hours=1)
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    "text", ["banana", "whenever", "2026-13-45", "not a date", "", "   ", "2026-02-30"]
)
def test_unparseable_is_a_usage_error_naming_the_value(text):
    with pytest.raises(UsageError) as raised:
        parse_when(text, now=NOW)
    assert raised.value.exit_code == ExitCode.USAGE
    assert repr(text) in raised.value.message


@pytest.mark.parametrize(
    "text",
    [
        "31/12/2026",  # dateparser read this day-first...
        "3/4",  # ...and this month-first
        "12/31/2026",
        "2026/12/31",
        "3.4",
        "3.4.2026",
        "12-31",
        "03-04-2026",
        "2026-12",
        "12/2026",
        "3,4",
        "31/12/2026 17:00",
        "17.00",
        "in 3.5 days",  # read as 3 days
        "12",
        "1231",  # read as the year 1231
        "1764748800",
        "3 4",
        "31 12 2026",
        "31 12 2026 5pm",
        "friday 3",  # read as March 3
        "at 5",  # read as May 3
        "the 4th",  # read as April 3
    ],
)
def test_numbers_that_could_be_read_more_than_one_way_are_refused(text):
    with pytest.raises(UsageError) as raised:
        parse_when(text, now=NOW)
    assert raised.value.exit_code == ExitCode.USAGE
    assert repr(text) in raised.value.message
    assert "YYYY-MM-DD" in raised.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20261231", eod(2026, 12, 31)),  # ISO 8601 basic format
        ("2026-12-31 5pm", local(2026, 12, 31, 17, 0)),
        ("dec 31", eod(2026, 12, 31)),
        ("31 december 2026", eod(2026, 12, 31)),
        ("december 31, 2026", eod(2026, 12, 31)),
        ("dec 4th", eod(2026, 12, 4)),
        ("friday 5pm", local(2026, 11, 27, 17, 0)),
        ("tomorrow 17:00", local(2026, 11, 27, 17, 0)),
        ("5.30pm", local(2026, 11, 26, 17, 30)),
        ("2 pm", local(2026, 11, 26, 14, 0)),
        ("3 weeks 2 days", eod(2026, 12, 19)),
        ("in 3 days", eod(2026, 11, 29)),
    ],
)
def test_numbers_with_a_month_a_unit_or_am_pm_still_read(text, expected):
    assert parse_when(text, now=NOW) == expected


def test_the_cli_refuses_a_day_first_date(cli, todo_env):
    message = assert_fails(cli("add", "Pay rent", "due:31/12/2026"), ExitCode.USAGE)
    assert "'31/12/2026'" in message
    assert "YYYY-MM-DD" in message
    assert cli("list", "--json").stdout == "[]\n"


@pytest.fixture
def zone(monkeypatch):
    """Run with TZ set to a value; time.tzset() makes the C library read it."""

    def set_zone(value: str) -> None:
        monkeypatch.setenv("TZ", value)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("value", "offset"), [("UTC+3", -3), ("EST5EDT", -5), ("<+0530>-5:30", 5.5)]
)
@pytest.mark.parametrize("text", ["tomorrow", "next friday", "dec 1", "monday 9am", "2026-12-01"])
def test_posix_time_zones_are_read(zone, value, offset, text):
    zone(value)
    assert parse_when(text, now=datetime(2026, 11, 26, 9, 30).astimezone()).utcoffset() == (
        timedelta(hours=offset)
    )


@pytest.mark.parametrize("value", ["Mars/Olympus", "garbage", "UTC+"])
def test_an_unknown_time_zone_is_a_config_error_naming_tz(zone, value):
    zone(value)
    with pytest.raises(ConfigError) as raised:
        parse_when("tomorrow", now=NOW)
    assert raised.value.exit_code == ExitCode.CONFIG
    assert f"TZ={value!r}" in raised.value.message


@pytest.mark.parametrize("value", ["UTC+12", "UTC-14"])
@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31", "0001-01-01T00:00"])
def test_dates_the_offset_pushes_out_of_range_are_usage_errors(zone, value, text):
    zone(value)
    with pytest.raises(UsageError, match="out of range"):
        parse_when(text, now=NOW)


def test_the_cli_reports_out_of_range_and_bad_zones(cli, todo_env, zone):
    assert "out of range" in assert_fails(cli("add", "x", "--due", "0001-01-01"), ExitCode.USAGE)
    zone("Mars/Olympus")
    assert "TZ=" in assert_fails(cli("add", "x", "--due", "tomorrow"), ExitCode.CONFIG)
    zone("UTC+3")
    added = cli("add", "x", "--due", "next friday", "--json")
    assert added.exit_code == ExitCode.OK, added.stderr
    assert json.loads(added.stdout)["due"].endswith("T02:59:59+00:00")  # 23:59:59 at UTC-3


@pytest.mark.installed
@pytest.mark.parametrize(
    ("value", "code"), [("UTC+3", ExitCode.OK), ("Mars/Olympus", ExitCode.CONFIG)]
)
def test_the_installed_todo_with_a_posix_or_unknown_tz(todo_env, value, code):
    """A fresh process, as a user runs it (tzlocal caches the zone it first saw)."""
    todo = Path(sys.executable).parent / "todo"
    env = {**os.environ, "TZ": value, "TODO_DATABASE_URL": todo_env}
    done = subprocess.run(
        [todo, "add", "x", "--due", "next friday"], env=env, capture_output=True, text=True
    )
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr


# --- planning words (issue 14) -------------------------------------------------------


@pytest.mark.parametrize("word", ["someday", "later", "Someday"])
def test_someday_and_later_are_taskwarriors_far_future(word):
    assert parse_when(word, now=NOW) == local(9999, 12, 30)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("soq", local(2026, 10, 1)),
        ("eoq", eod(2026, 12, 31)),
        ("now", NOW),
        ("eom-1d", eod(2026, 11, 29)),
        ("now+2h", NOW + timedelta(hours=2)),
        ("sow+9h", local(2026, 11, 23, 9, 0)),
        ("2026-12-01-3d", eod(2026, 11, 28)),
        ("friday+1w", eod(2026, 12, 4)),
    ],
)
def test_quarters_now_and_offsets(word, expected):
    assert parse_when(word, now=NOW) == expected


def test_a_date_alone_is_the_start_of_the_day_when_asked():
    assert parse_when("2026-12-01", now=NOW, day_start=True) == local(2026, 12, 1)
    assert parse_when("monday", now=NOW, day_start=True) == local(2026, 11, 30)
    assert parse_when("tomorrow", now=NOW, day_start=True) == local(2026, 11, 27)
    # A time or a named edge says itself which moment it is.
    assert parse_when("2026-12-01T14:00", now=NOW, day_start=True) == local(2026, 12, 1, 14)
    assert parse_when("eod", now=NOW, day_start=True) == eod(2026, 11, 26)


def test_a_tasks_own_date_cannot_be_read_without_the_task():
    with pytest.raises(UsageError, match="relative to a task's own date"):
        parse_when("due-1d", now=NOW)


def test_an_offset_past_year_9999_is_out_of_range():
    with pytest.raises(UsageError, match="out of range"):
        parse_when("someday+1y", now=NOW)
