"""User-defined attributes' values, typed as stored (todo_cli.attribute_values; pure)."""

from datetime import datetime

import pytest

from todo_cli.attribute_values import filter_test, iso_duration, read_duration, stored
from todo_cli.errors import UsageError
from todo_cli.service.filters import AttributeSpec, AttributeTest

NOW = datetime(2026, 11, 26, 9, 30).astimezone()
NUMERIC = AttributeSpec("estimate", "numeric")
DATE = AttributeSpec("review", "date")
DURATION = AttributeSpec("effort", "duration")
SIZE = AttributeSpec("size", "string", ("S", "M", "L"))


@pytest.mark.parametrize(
    ("text", "value"), [("3", 3), ("3.0", 3), ("2.5", 2.5), ("-1", -1), (".5", 0.5), ("1e3", 1000)]
)
def test_numbers_are_json_numbers(text, value):
    found = stored(NUMERIC, text, now=NOW)
    assert found == value
    assert type(found) is type(value)


@pytest.mark.parametrize("text", ["lots", "3d", "nan", "inf", "1e999", "", "0x10"])
def test_what_is_not_a_number_is_refused(text):
    with pytest.raises(UsageError):
        stored(NUMERIC, text, now=NOW)


def test_dates_are_utc_iso_strings_read_on_the_callers_clock():
    value = stored(DATE, "2026-12-01T10:00:00+01:00", now=NOW)
    assert value == "2026-12-01T09:00:00+00:00"
    assert datetime.fromisoformat(stored(DATE, "tomorrow", now=NOW)).date().day in (27, 28)
    with pytest.raises(UsageError):
        stored(DATE, "someday soon-ish", now=NOW)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("3d", "P3D"),
        ("3 days", "P3D"),
        ("2w", "P14D"),
        ("P2W", "P14D"),
        ("PT2H", "PT2H"),
        ("2h", "PT2H"),
        ("90min", "PT1H30M"),
        ("PT90M", "PT1H30M"),
        ("weekly", "P7D"),
        ("monthly", "P1M"),
        ("q", "P3M"),
        ("P1Y14M", "P2Y2M"),
        ("1y", "P1Y"),
        ("0d", "PT0S"),
    ],
)
def test_durations_are_one_canonical_iso_8601_form(text, iso):
    assert stored(DURATION, text, now=NOW) == iso


@pytest.mark.parametrize("text", ["p", "PT", "P1DT", "3x", "soon", "1h30m", "-3d"])
def test_what_is_not_a_duration_is_refused(text):
    with pytest.raises(UsageError, match="not a duration"):
        read_duration(text)


def test_iso_duration_round_trips_months_and_seconds():
    assert iso_duration(14, 90061) == "P1Y2M1DT1H1M1S"


def test_allowed_values_are_enforced_and_strings_are_cleaned():
    assert stored(SIZE, " L ", now=NOW) == "L"
    with pytest.raises(UsageError, match="allowed"):
        stored(SIZE, "XL", now=NOW)
    with pytest.raises(UsageError):
        stored(AttributeSpec("note", "string"), "bad\x1b[2J", now=NOW)


def test_filter_tests():
    assert filter_test(SIZE, "any", "", now=NOW) == AttributeTest("size", "present")
    assert filter_test(SIZE, "none", "", now=NOW) == AttributeTest("size", "absent")
    assert filter_test(SIZE, "", "", now=NOW) == AttributeTest("size", "absent")
    assert filter_test(NUMERIC, "before", "3", now=NOW) == AttributeTest(
        "estimate", "before", "numeric", 3
    )
    day = filter_test(DATE, "", "2026-12-01", now=NOW)
    assert day.test == "within"
    assert day.until > day.value
    with pytest.raises(UsageError, match="holds text"):
        filter_test(SIZE, "before", "M", now=NOW)
