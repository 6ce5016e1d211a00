"""Taskwarrior's virtual tags (``+WAITING``, ``+READY``, ``+DUE`` ...) as SQL conditions.

A virtual tag is a state a task is in, never stored: each is a small function
returning a SQL expression over the ``tasks`` row, so a filter word, a listing
default (`todo list` hides waiting tasks) and an urgency term all say the same
thing. Meanings follow Taskwarrior 2.6's ``Task::hasTag``; each expression is
true or false, never NULL, so ``-TAG`` is simply its negation.

Calendar states (``+TODAY``, ``+WEEK`` ...) are judged at ``now`` in the local
time zone, as Taskwarrior's ``sod``/``eow`` are: their edges are computed here
(todo_cli.dates) and bound as parameters, so the database's zone never matters.
Dependencies follow Taskwarrior 2.6's ``TDB2::dependency_scan``: a dependency
counts while it is pending, and a task that is done or deleted is neither
blocked nor blocking.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    and_,
    any_,
    bindparam,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import col

from todo_cli import dates
from todo_cli.models import Status, Task, task_alias
from todo_cli.offsets import add_months

# Taskwarrior's rc.due: a task is "due" (+DUE) from the start of today until this
# many days later.
DUE_DAYS = 7
# Statuses Taskwarrior calls neither completed nor deleted: date states apply to them.
OPEN = (Status.PENDING.value, Status.RECURRING.value)

State = Callable[[datetime], ColumnElement[bool]]
# Made once: an alias made per call would bump SQLAlchemy's global creation counter
# on every command, state the agent's worker must not keep (tests/test_agent_state.py).
DEPENDENCY = task_alias("dependency")
DEPENDANT = task_alias("dependant")


def _at(now: datetime) -> ColumnElement[datetime]:
    return literal(now, DateTime(timezone=True))


def pending() -> ColumnElement[bool]:
    return col(Task.status) == Status.PENDING.value


def waiting(now: datetime) -> ColumnElement[bool]:
    """Pending and hidden until ``wait``: no status says so, it comes back by itself."""
    return and_(pending(), col(Task.wait).is_not(None), col(Task.wait) > _at(now))


def scheduled(now: datetime) -> ColumnElement[bool]:
    """Has a scheduled date, past or not (Taskwarrior's +SCHEDULED)."""
    return col(Task.scheduled).is_not(None)


def scheduled_past(now: datetime) -> ColumnElement[bool]:
    """Scheduled before ``now``: work may begin (the urgency term, and part of +READY)."""
    return and_(col(Task.scheduled).is_not(None), col(Task.scheduled) < _at(now))


def blocked() -> ColumnElement[bool]:
    """+BLOCKED: open, and waits for a pending task of the same person."""
    dependency = DEPENDENCY
    waits = exists().where(
        col(dependency.user_id) == col(Task.user_id),
        col(dependency.uuid) == any_(col(Task.depends)),
        col(dependency.status) == Status.PENDING.value,
    )
    # The cheap test first: most tasks wait for nothing.
    return and_(func.cardinality(col(Task.depends)) > 0, col(Task.status).in_(OPEN), waits)


def unblocked() -> ColumnElement[bool]:
    """+UNBLOCKED: not blocked (done and deleted tasks too, as in Taskwarrior)."""
    return not_(blocked())


def blocking() -> ColumnElement[bool]:
    """+BLOCKING: pending, and an open task of the same person waits for it.

    One pass over the tasks that wait for anything (hashed by PostgreSQL), not a
    probe per row: `todo next` scores every pending task with it.
    """
    dependant = DEPENDANT
    waited_for = select(col(dependant.user_id), func.unnest(col(dependant.depends))).where(
        func.cardinality(col(dependant.depends)) > 0, col(dependant.status).in_(OPEN)
    )
    pair = tuple_(col(Task.user_id), col(Task.uuid))
    return and_(col(Task.status) == Status.PENDING.value, pair.in_(waited_for))


def waits_for(numbers: Sequence[int]) -> ColumnElement[bool]:
    """``depends:1,2`` as a filter: the task waits for every one of these (any status).

    No task waits for an ID that names no task, so such a filter matches nothing."""
    wanted = bindparam("depends_on", list(numbers), type_=ARRAY(Integer), unique=True)
    numbers_of_row: Any = Task.loaded_dependency_numbers  # type: ignore[attr-defined]
    condition: ColumnElement[bool] = numbers_of_row.contains(wanted)
    return condition


def ready(now: datetime) -> ColumnElement[bool]:
    """Pending, not waiting, not blocked, and not scheduled for later (Taskwarrior's +READY)."""
    not_later = or_(col(Task.scheduled).is_(None), col(Task.scheduled) < _at(now))
    return and_(pending(), not_(waiting(now)), not_(blocked()), not_later)


def active(now: datetime) -> ColumnElement[bool]:
    """Started (`todo start`)."""
    return col(Task.started_at).is_not(None)


def overdue(now: datetime) -> ColumnElement[bool]:
    """Pending and past due."""
    return and_(pending(), col(Task.due).is_not(None), col(Task.due) < _at(now))


def _due_between(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Neither done nor deleted, and due in [start, end)."""
    return and_(
        col(Task.status).in_(OPEN),
        col(Task.due).is_not(None),
        col(Task.due) >= _at(start),
        col(Task.due) < _at(end),
    )


def _days(first: date, after_last: date) -> ColumnElement[bool]:
    return _due_between(dates.start_of_day(first), dates.start_of_day(after_last))


def due(now: datetime) -> ColumnElement[bool]:
    """Due from the start of today to DUE_DAYS days later (an overdue task of earlier days
    is +OVERDUE, not +DUE, as in Taskwarrior)."""
    today = now.astimezone().date()
    return _days(today, today + timedelta(days=DUE_DAYS))


def today(now: datetime) -> ColumnElement[bool]:
    day = now.astimezone().date()
    return _days(day, day + timedelta(days=1))


def tomorrow(now: datetime) -> ColumnElement[bool]:
    day = now.astimezone().date() + timedelta(days=1)
    return _days(day, day + timedelta(days=1))


def yesterday(now: datetime) -> ColumnElement[bool]:
    day = now.astimezone().date() - timedelta(days=1)
    return _days(day, day + timedelta(days=1))


def week(now: datetime) -> ColumnElement[bool]:
    """Due this week, Monday to Sunday."""
    first = dates.week_start(now.astimezone().date())
    return _days(first, first + timedelta(days=7))


def month(now: datetime) -> ColumnElement[bool]:
    first = now.astimezone().date().replace(day=1)
    return _days(first, add_months(first, 1))


def quarter(now: datetime) -> ColumnElement[bool]:
    first = dates.quarter_start(now.astimezone().date())
    return _days(first, add_months(first, 3))


def year(now: datetime) -> ColumnElement[bool]:
    first = now.astimezone().date().replace(month=1, day=1)
    return _days(first, add_months(first, 12))


def template() -> ColumnElement[bool]:
    """A series' template: only templates carry the series' type (``rtype``), whatever
    their status (a deleted template is still one; ``todo restore`` makes it recur again)."""
    return col(Task.rtype).is_not(None)


def instance() -> ColumnElement[bool]:
    """A task a series made: it names its template."""
    return col(Task.template_id).is_not(None)


# Every virtual tag a filter may name, upper case as Taskwarrior spells them.
VIRTUAL_TAGS: dict[str, State] = {
    "WAITING": waiting,
    "SCHEDULED": scheduled,
    "READY": ready,
    "ACTIVE": active,
    "OVERDUE": overdue,
    "DUE": due,
    "TODAY": today,
    "TOMORROW": tomorrow,
    "YESTERDAY": yesterday,
    "WEEK": week,
    "MONTH": month,
    "QUARTER": quarter,
    "YEAR": year,
    # Dependencies do not change with the clock.
    "BLOCKED": lambda now: blocked(),
    "UNBLOCKED": lambda now: unblocked(),
    "BLOCKING": lambda now: blocking(),
    "TEMPLATE": lambda now: template(),
    "INSTANCE": lambda now: instance(),
}


def condition(name: str, now: datetime) -> ColumnElement[bool]:
    """The SQL for ``+NAME`` at ``now``."""
    return VIRTUAL_TAGS[name](now)
