"""The reports that draw (`summary`, `history`, `ghistory`, `burndown`, `calendar`):
their numbers, counted by PostgreSQL over the user's own rows.

Every query states ``user_id = :user`` and reads only columns that the covering
index ix_tasks_user_reports (migration 0006) or ix_tasks_user_status_due holds,
so the planner answers with an index-only scan of that user's entries: the time
follows the user's task count, not the table's (tests/benchmarks/bench_reports.py).
Timestamps are counted per period with ``width_bucket(moment, edges)`` against
local period starts (todo_cli.periods); only the few resulting rows reach Python.

Following Taskwarrior 2.6.2 (CmdSummary, CmdHistory, CmdBurndown, CmdCalendar):
a task is added at its creation, completed when it was done, deleted when it was
deleted (its last change: todo keeps no separate end time for a deletion);
series templates are no tasks and count nowhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Float, bindparam, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.models import Status, Task, User
from todo_cli.periods import Period, edges_between, label
from todo_cli.service import term_filters
from todo_cli.service.filters import StatusFilter, TaskFilter
from todo_cli.service.tasks import _conditions, _id

REAL_TASKS = (Status.PENDING.value, Status.DONE.value, Status.DELETED.value)


def _mine(user: User, where: TaskFilter) -> list[ColumnElement[bool]]:
    """The user's tasks (never a template) that ``where`` picks, whatever their status
    unless it names one."""
    statuses = col(Task.status).in_(REAL_TASKS)
    return [col(Task.user_id) == user.id, statuses, *_conditions(where, _id(user))]


# --- summary -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectProgress:
    """One project of `todo summary`, its sub-projects counted in it (as Taskwarrior)."""

    project: str | None  # None: the tasks without a project (Taskwarrior's "(none)")
    remaining: int
    done: int
    age_seconds: float  # summed: pending tasks' age now, done tasks' age when done
    aged: int  # how many tasks the sum holds

    @property
    def percent(self) -> int:
        total = self.remaining + self.done
        return self.done * 100 // total if total else 0

    @property
    def average_age(self) -> float:
        return self.age_seconds / self.aged if self.aged else 0.0


async def summary(
    session: AsyncSession, *, user: User, where: TaskFilter, now: datetime
) -> list[ProjectProgress]:
    """Projects with remaining tasks, parents before children, by name; first the
    tasks without a project, if any remain."""
    await term_filters.check_patterns(session, where)
    at = literal(now, DateTime(timezone=True))
    pending = col(Task.status) == Status.PENDING.value
    done = col(Task.status) == Status.DONE.value
    age = func.extract("epoch", func.coalesce(col(Task.completed_at), at) - col(Task.created_at))
    statement = (
        select(
            col(Task.project),
            func.count().filter(pending),
            func.count().filter(done),
            func.coalesce(func.sum(age).filter(pending | done), 0.0).cast(Float),
            func.count().filter(pending | done),
        )
        .where(*_mine(user, where))
        .group_by(col(Task.project))
    )
    rows = (await (await session.connection()).execute(statement)).all()
    return _with_parents([ProjectProgress(*row) for row in rows])


def _with_parents(rows: Sequence[ProjectProgress]) -> list[ProjectProgress]:
    """Each project's figures added into every parent (home.garden also into home)."""
    totals: dict[str | None, list[float]] = {}
    for row in rows:
        for name in _prefixes(row.project):
            figures = totals.setdefault(name, [0, 0, 0.0, 0])
            for index, value in enumerate((row.remaining, row.done, row.age_seconds, row.aged)):
                figures[index] += value
    return [
        ProjectProgress(name, int(f[0]), int(f[1]), float(f[2]), int(f[3]))
        for name, f in sorted(totals.items(), key=lambda item: (item[0] is not None, item[0] or ""))
        if f[0] > 0  # Taskwarrior lists a project while something in it remains
    ]


def _prefixes(project: str | None) -> list[str | None]:
    if project is None:
        return [None]
    parts = project.split(".")
    return [".".join(parts[:depth]) for depth in range(1, len(parts) + 1)]


# --- history, ghistory, burndown: events per period ---------------------------------

ADDED, STARTED, COMPLETED, DELETED = "added", "started", "completed", "deleted"


def _edges(edges: Sequence[datetime]) -> Any:
    return bindparam("edges", list(edges), type_=ARRAY(DateTime(timezone=True)))


async def _events(
    session: AsyncSession, user: User, where: TaskFilter, edges: Sequence[datetime]
) -> Counter[tuple[str, int]]:
    """How many tasks were added, started, completed and deleted in each period
    (1 is the first, 0 before it): one index-only pass per kind."""
    mine = _mine(user, where)
    bounds = _edges(edges)

    def kind(name: str, moment: Any, *conditions: ColumnElement[bool]) -> Any:
        bucket = func.width_bucket(moment, bounds).label("bucket")
        return select(literal(name).label("kind"), bucket).where(*mine, *conditions)

    events = union_all(
        kind(ADDED, col(Task.created_at)),
        # A done task's start is cleared (todo start/stop keep only the current one).
        kind(STARTED, col(Task.started_at), col(Task.started_at).is_not(None)),
        kind(COMPLETED, col(Task.completed_at), col(Task.status) == Status.DONE.value),
        kind(DELETED, col(Task.updated_at), col(Task.status) == Status.DELETED.value),
    ).subquery()
    counted = select(events.c.kind, events.c.bucket, func.count()).group_by(
        events.c.kind, events.c.bucket
    )
    rows = (await (await session.connection()).execute(counted)).all()
    return Counter({(name, bucket): count for name, bucket, count in rows})


async def first_created(session: AsyncSession, *, user: User, where: TaskFilter) -> datetime | None:
    await term_filters.check_patterns(session, where)
    statement = select(func.min(col(Task.created_at))).where(*_mine(user, where))
    first: datetime | None = (await (await session.connection()).execute(statement)).scalar_one()
    return first


@dataclass(frozen=True)
class PeriodHistory:
    """One period of `todo history`: what came and went in it."""

    start: datetime
    label: str
    added: int
    completed: int
    deleted: int

    @property
    def net(self) -> int:
        return self.added - self.completed - self.deleted


async def history(
    session: AsyncSession, *, user: User, where: TaskFilter, period: Period, now: datetime
) -> list[PeriodHistory]:
    """Periods in which something happened, oldest first (Taskwarrior shows only those)."""
    await term_filters.check_patterns(session, where)
    first = await first_created(session, user=user, where=where)
    if first is None:
        return []
    edges = edges_between(min(first, now), now, period)
    counts = await _events(session, user, where, edges)
    found = [
        PeriodHistory(
            start,
            label(start, period),
            counts[ADDED, index],
            counts[COMPLETED, index],
            counts[DELETED, index],
        )
        for index, start in enumerate(edges[:-1], start=1)
    ]
    return [row for row in found if row.added or row.completed or row.deleted]


@dataclass(frozen=True)
class Burndown:
    """The state of the filtered tasks at the end of one period."""

    start: datetime
    label: str
    pending: int
    started: int
    done: int


async def burndown(
    session: AsyncSession,
    *,
    user: User,
    where: TaskFilter,
    edges: Sequence[datetime],
    period: Period,
) -> list[Burndown]:
    """Pending, started and done at the end of each period between ``edges``.

    A task is pending from its creation, started from its start (only a pending
    task keeps one), done from its completion; a deleted task leaves the chart
    when deleted. Counts before the first period carry in, as they do in
    Taskwarrior's chart.
    """
    await term_filters.check_patterns(session, where)
    counts = await _events(session, user, where, edges)
    totals = Counter[str]()
    for name in (ADDED, STARTED, COMPLETED, DELETED):
        totals[name] = counts[name, 0]
    rows = []
    for index, start in enumerate(edges[:-1], start=1):
        for name in (ADDED, STARTED, COMPLETED, DELETED):
            totals[name] += counts[name, index]
        gone = totals[STARTED] + totals[COMPLETED] + totals[DELETED]
        rows.append(
            Burndown(
                start,
                label(start, period),
                totals[ADDED] - gone,
                totals[STARTED],
                totals[COMPLETED],
            )
        )
    return rows


# --- calendar ------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDay:
    day: datetime  # local midnight
    due: int  # pending tasks due that day
    overdue: int  # of which already past due


async def due_days(
    session: AsyncSession,
    *,
    user: User,
    where: TaskFilter,
    first: datetime,
    last: datetime,
    now: datetime,
) -> list[DueDay]:
    """Days from ``first`` to ``last`` (local starts) with pending tasks due, and how
    many; through ix_tasks_user_status_due (user, status, due), a range of it."""
    await term_filters.check_patterns(session, where)
    edges = edges_between(first, last - timedelta(microseconds=1), Period.DAILY)
    bucket = func.width_bucket(col(Task.due), _edges(edges)).label("bucket")
    statement = (
        select(bucket, func.count(), func.count().filter(col(Task.due) < now))
        .where(
            *_mine(user, replace(where, status=StatusFilter.PENDING)),
            col(Task.due) >= edges[0],
            col(Task.due) < edges[-1],
        )
        .group_by(bucket)
        .order_by(bucket)
    )
    rows = (await (await session.connection()).execute(statement)).all()
    return [DueDay(edges[index - 1], due, overdue) for index, due, overdue in rows]


async def earliest_due(session: AsyncSession, *, user: User, where: TaskFilter) -> datetime | None:
    """The first due date among pending tasks (`todo calendar due` starts there)."""
    await term_filters.check_patterns(session, where)
    statement = select(func.min(col(Task.due))).where(
        *_mine(user, replace(where, status=StatusFilter.PENDING))
    )
    first: datetime | None = (await (await session.connection()).execute(statement)).scalar_one()
    return first
