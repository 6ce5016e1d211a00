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
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    and_,
    bindparam,
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

# A virtual tag's SQL at a moment, for an owner (the dependency states read the
# owner's other tasks: see blocked()).
State = Callable[[datetime, int], ColumnElement[bool]]
PENDING = Status.PENDING.value
# Made once: an alias made per call would bump SQLAlchemy's global creation counter
# on every command, state the agent's worker must not keep (tests/test_agent_state.py).
DEPENDENCY = task_alias("dependency")
DEPENDANT = task_alias("dependant")


def _at(now: datetime) -> ColumnElement[datetime]:
    return literal(now, DateTime(timezone=True))


def pending() -> ColumnElement[bool]:
    return col(Task.status) == PENDING


def waiting(now: datetime) -> ColumnElement[bool]:
    """Pending and hidden until ``wait``: no status says so, it comes back by itself."""
    return and_(pending(), col(Task.wait).is_not(None), col(Task.wait) > _at(now))


def scheduled(now: datetime) -> ColumnElement[bool]:
    """Has a scheduled date, past or not (Taskwarrior's +SCHEDULED)."""
    return col(Task.scheduled).is_not(None)


def scheduled_past(now: datetime) -> ColumnElement[bool]:
    """Scheduled before ``now``: work may begin (the urgency term, and part of +READY)."""
    return and_(col(Task.scheduled).is_not(None), col(Task.scheduled) < _at(now))


def _owner(owner: int) -> ColumnElement[int]:
    return bindparam("owner", owner, type_=BigInteger, unique=True)


def _waits_for_anything(waiting: Any, owner: int) -> list[ColumnElement[bool]]:
    """The owner's open tasks that wait for anything, as conditions on the alias ``waiting``.

    The owner is stated, so the scan reads that person's index entries only, never
    other people's rows, whoever connects. ``cardinality(depends) > 0`` rather than
    the partial index's ``depends <> '{}'``: under row-level security PostgreSQL
    may not use the column's statistics for ``<>`` (not leakproof) and guesses
    that 99.5% of rows match; a guess that large makes the hashed sub-plan too big
    for hash_mem, and PostgreSQL then scans the sub-plan once per task (minutes at
    100,000 tasks). The function's default guess (a third) keeps it hashed."""
    return [
        col(waiting.user_id) == _owner(owner),
        func.cardinality(col(waiting.depends)) > 0,
        col(waiting.status).in_(OPEN),
    ]


def blocked(owner: int) -> ColumnElement[bool]:
    """+BLOCKED: open, and waits for a pending task of the same person (``owner``).

    One pass over the owner's tasks that wait for anything, each dependency a row
    joined by equality to the owner's pending tasks (a hash join, not an index
    probe per dependency), the result hashed by PostgreSQL: not an EXISTS per task.
    `todo next` scores every pending task with it, and the planner's estimate of a
    probe per row (or per dependency, which grows with the index, so with other
    people's data) crossed jit_above_cost: compiling then took seconds."""
    waiting, dependency = DEPENDANT, DEPENDENCY
    waits = (
        select(col(waiting.id), func.unnest(col(waiting.depends)).label("uuid"))
        .where(*_waits_for_anything(waiting, owner))
        .subquery("waits")
    )
    waits_for_pending = (
        select(waits.c.id)
        .join(dependency, col(dependency.uuid) == waits.c.uuid)
        .where(col(dependency.user_id) == _owner(owner), col(dependency.status) == PENDING)
    )
    # The cheap test first: most tasks wait for nothing.
    return and_(
        func.cardinality(col(Task.depends)) > 0,
        col(Task.status).in_(OPEN),
        col(Task.id).in_(waits_for_pending),
    )


def unblocked(owner: int) -> ColumnElement[bool]:
    """+UNBLOCKED: not blocked (done and deleted tasks too, as in Taskwarrior)."""
    return not_(blocked(owner))


def blocking(owner: int) -> ColumnElement[bool]:
    """+BLOCKING: pending, and an open task of the same person (``owner``) waits for it.

    One pass over the owner's tasks that wait for anything (hashed by PostgreSQL),
    not a probe per row: `todo next` scores every pending task with it.
    """
    dependant = DEPENDANT
    waited_for = select(col(dependant.user_id), func.unnest(col(dependant.depends))).where(
        *_waits_for_anything(dependant, owner)
    )
    pair = tuple_(col(Task.user_id), col(Task.uuid))
    return and_(col(Task.status) == PENDING, pair.in_(waited_for))


def waits_for(numbers: Sequence[int]) -> ColumnElement[bool]:
    """``depends:1,2`` as a filter: the task waits for every one of these (any status).

    No task waits for an ID that names no task, so such a filter matches nothing."""
    wanted = bindparam("depends_on", list(numbers), type_=ARRAY(Integer), unique=True)
    numbers_of_row: Any = Task.loaded_dependency_numbers  # type: ignore[attr-defined]
    condition: ColumnElement[bool] = numbers_of_row.contains(wanted)
    return condition


def ready(now: datetime, owner: int) -> ColumnElement[bool]:
    """Pending, not waiting, not blocked, and not scheduled for later (Taskwarrior's +READY)."""
    not_later = or_(col(Task.scheduled).is_(None), col(Task.scheduled) < _at(now))
    return and_(pending(), not_(waiting(now)), unblocked(owner), not_later)


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


def _clocked(state: Callable[[datetime], ColumnElement[bool]]) -> State:
    return lambda now, owner: state(now)


def _owned(state: Callable[[int], ColumnElement[bool]]) -> State:
    """Dependencies do not change with the clock."""
    return lambda now, owner: state(owner)


def _timeless(state: Callable[[], ColumnElement[bool]]) -> State:
    return lambda now, owner: state()


# Every virtual tag a filter may name, upper case as Taskwarrior spells them.
VIRTUAL_TAGS: dict[str, State] = {
    "WAITING": _clocked(waiting),
    "SCHEDULED": _clocked(scheduled),
    "READY": ready,
    "ACTIVE": _clocked(active),
    "OVERDUE": _clocked(overdue),
    "DUE": _clocked(due),
    "TODAY": _clocked(today),
    "TOMORROW": _clocked(tomorrow),
    "YESTERDAY": _clocked(yesterday),
    "WEEK": _clocked(week),
    "MONTH": _clocked(month),
    "QUARTER": _clocked(quarter),
    "YEAR": _clocked(year),
    "BLOCKED": _owned(blocked),
    "UNBLOCKED": _owned(unblocked),
    "BLOCKING": _owned(blocking),
    "TEMPLATE": _timeless(template),
    "INSTANCE": _timeless(instance),
}


def condition(name: str, now: datetime, owner: int) -> ColumnElement[bool]:
    """The SQL for ``+NAME`` at ``now`` among ``owner``'s tasks."""
    return VIRTUAL_TAGS[name](now, owner)
