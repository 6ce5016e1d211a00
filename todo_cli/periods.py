"""Calendar periods in the local time zone: the edges the reports count between.

The reports bucket timestamps in SQL with ``width_bucket(moment, edges)``, where
``edges`` are the starts of consecutive days, weeks, months or years as aware
local datetimes computed here. So a month is the user's month (not UTC's), a
day across a DST change is 23 or 25 hours, and PostgreSQL needs no zone name.

Weeks start on Monday (ISO 8601, Python's ``calendar``), not on Taskwarrior's
default Sunday: one rule for the calendar grid and the weekly reports.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class Period(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    ANNUAL = "annual"


def period_start(moment: datetime, period: Period) -> datetime:
    """The local start of the period holding ``moment`` (an aware datetime)."""
    local = moment.astimezone()
    day = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    if period is Period.WEEKLY:
        day -= timedelta(days=day.weekday())
    elif period is Period.MONTHLY:
        day = day.replace(day=1)
    elif period is Period.ANNUAL:
        day = day.replace(month=1, day=1)
    return day.astimezone()  # naive local -> aware, with that day's own offset


def following(start: datetime, period: Period) -> datetime:
    """The start of the period after the one starting at ``start``."""
    naive = start.astimezone().replace(tzinfo=None)
    if period is Period.DAILY:
        naive += timedelta(days=1)
    elif period is Period.WEEKLY:
        naive += timedelta(days=7)
    elif period is Period.MONTHLY:
        naive = _next_month(naive)
    else:
        naive = naive.replace(year=naive.year + 1)
    return naive.astimezone()


def _next_month(day: datetime) -> datetime:
    if day.month == 12:
        return day.replace(year=day.year + 1, month=1)
    return day.replace(month=day.month + 1)


def edges_between(first: datetime, last: datetime, period: Period) -> list[datetime]:
    """Starts of every period from the one holding ``first`` to the one holding ``last``,
    and the end of that last one: n periods, n + 1 edges."""
    edges = [period_start(first, period)]
    while edges[-1] <= last:
        edges.append(following(edges[-1], period))
    return edges


def last_periods(now: datetime, period: Period, count: int) -> list[datetime]:
    """Edges of the ``count`` periods ending with the one holding ``now``."""
    current = period_start(now, period)
    starts = [current]
    for _ in range(count - 1):
        starts.insert(0, period_start(starts[0] - timedelta(days=1), period))
    return [*starts, following(current, period)]


def label(start: datetime, period: Period) -> str:
    """How a period is named in a report: 2026-11-26, 2026-W48, 2026-11, 2026."""
    local = start.astimezone()
    if period is Period.DAILY:
        return f"{local:%Y-%m-%d}"
    if period is Period.WEEKLY:
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if period is Period.MONTHLY:
        return f"{local:%Y-%m}"
    return f"{local:%Y}"
