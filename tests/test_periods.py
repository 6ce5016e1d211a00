"""Local calendar periods, the edges the reports count between (todo_cli/periods.py)."""

import itertools
import time
from datetime import datetime, timedelta

import pytest

from todo_cli.periods import Period, edges_between, label, last_periods, period_start


@pytest.fixture
def berlin(monkeypatch):
    """A zone with DST (the last Sunday of October has 25 hours there)."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def local(*parts: int) -> datetime:
    return datetime(*parts).astimezone()


def test_periods_start_at_local_midnight_on_monday_the_first_and_new_year(berlin):
    moment = local(2026, 11, 26, 9, 30)  # a Thursday
    assert period_start(moment, Period.DAILY) == local(2026, 11, 26)
    assert period_start(moment, Period.WEEKLY) == local(2026, 11, 23)
    assert period_start(moment, Period.MONTHLY) == local(2026, 11, 1)
    assert period_start(moment, Period.ANNUAL) == local(2026, 1, 1)


def test_a_day_across_the_dst_change_is_25_hours_long(berlin):
    edges = edges_between(local(2026, 10, 24, 12), local(2026, 10, 26, 12), Period.DAILY)
    lengths = [later - earlier for earlier, later in itertools.pairwise(edges)]
    assert lengths == [timedelta(hours=24), timedelta(hours=25), timedelta(hours=24)]
    assert [edge.hour for edge in edges] == [0, 0, 0, 0]


def test_edges_cover_first_to_last_and_end_after_the_last_period():
    edges = edges_between(local(2026, 9, 10), local(2026, 11, 26), Period.MONTHLY)
    assert [label(edge, Period.MONTHLY) for edge in edges] == [
        "2026-09",
        "2026-10",
        "2026-11",
        "2026-12",
    ]


def test_the_last_periods_end_with_the_current_one():
    edges = last_periods(local(2026, 1, 7, 8), Period.WEEKLY, 3)
    # ISO weeks: 29 December 2025 starts 2026-W01; the current week is 2026-W02.
    labels = [label(edge, Period.WEEKLY) for edge in edges]
    assert labels == ["2025-W52", "2026-W01", "2026-W02", "2026-W03"]
    assert edges[-2] == local(2026, 1, 5)
