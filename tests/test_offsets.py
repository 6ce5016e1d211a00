"""Date arithmetic in WHEN values (todo_cli.offsets): eom-1d, now+2h, due-1d."""

import time
from datetime import date, datetime, timedelta

import pytest

from todo_cli.errors import UsageError
from todo_cli.offsets import Offset, add_months, read_offset, resolve, shift, task_offset


def local(*parts: int) -> datetime:
    return datetime(*parts).astimezone()


@pytest.fixture
def berlin(monkeypatch):
    """A zone with DST (last Sunday of March and of October)."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("eom-1d", Offset("eom-1d", "eom", -1, "days")),
        ("now+2h", Offset("now+2h", "now", 2, "hours")),
        ("due - 3 days", Offset("due - 3 days", "due", -3, "days")),
        ("2026-12-01-2wk", Offset("2026-12-01-2wk", "2026-12-01", -2, "weeks")),
        ("friday+1mo", Offset("friday+1mo", "friday", 1, "months")),
        ("Due+1Q", Offset("Due+1Q", "due", 1, "quarters")),
    ],
)
def test_offsets_are_read(text, expected):
    assert read_offset(text) == expected


@pytest.mark.parametrize(
    "text",
    ["friday", "in 3 days", "2026-12-01", "2026-12-01T17:00+01:00", "due-1", "due-1m", "t-x"],
)
def test_other_text_is_no_offset(text):
    assert read_offset(text) is None


def test_only_the_tasks_own_dates_are_task_offsets():
    assert task_offset("due-1d") == Offset("due-1d", "due", -1, "days")
    assert task_offset("scheduled+2h") is not None
    assert task_offset("eom-1d") is None
    assert task_offset("entry-1d") is None


def test_months_are_calendar_months_clamped_to_the_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    with pytest.raises(OverflowError):
        add_months(date(9999, 12, 1), 1)


def test_days_keep_the_wall_clock_across_dst(berlin):
    before = local(2026, 3, 28, 9, 0)  # Saturday, UTC+1; Sunday is UTC+2
    after = shift(before, 1, "days")
    assert (after.hour, after.utcoffset()) == (9, timedelta(hours=2))
    assert after - before == timedelta(hours=23)
    assert shift(local(2026, 10, 24, 9, 0), 1, "weeks").hour == 9


def test_hours_are_exact_across_dst(berlin):
    before = local(2026, 3, 29, 1, 0)
    assert shift(before, 2, "hours") - before == timedelta(hours=2)
    assert shift(before, 2, "hours").hour == 4  # 02:00-03:00 does not exist that night


def test_resolve_from_the_tasks_dates():
    due = local(2026, 12, 10, 23, 59, 59)
    found = resolve({"due": due}, {"wait": read_offset("due-1d")})
    assert found == {"wait": local(2026, 12, 9, 23, 59, 59)}


def test_resolve_self_reference_and_chains():
    due = local(2026, 12, 10, 12, 0)
    offsets = {
        "due": read_offset("due+1d"),
        "scheduled": read_offset("due-2d"),
        "wait": read_offset("scheduled-1d"),
    }
    found = resolve({"due": due, "scheduled": None, "wait": None}, offsets)
    assert found["due"] == local(2026, 12, 11, 12, 0)
    assert found["scheduled"] == local(2026, 12, 9, 12, 0)  # from the new due
    assert found["wait"] == local(2026, 12, 8, 12, 0)


def test_resolve_refuses_a_missing_base_and_a_loop():
    with pytest.raises(UsageError, match="wait:due-1d needs a due date"):
        resolve({"due": None}, {"wait": read_offset("due-1d")})
    loop = {"wait": read_offset("scheduled-1d"), "scheduled": read_offset("wait+1d")}
    with pytest.raises(UsageError, match="refer to each other"):
        resolve({}, loop)
    with pytest.raises(UsageError, match="out of range"):
        resolve({"due": local(9999, 12, 1)}, {"until": read_offset("due+2mo")})
