"""Virtual states of a ``tasks`` row, each a SQL expression (Taskwarrior's virtual tags).

Nothing here is stored: a state is worked out from the row and its neighbours in
the query that asks for it, so it can never disagree with the data. Meanings
follow Taskwarrior 2.6 (``TDB2::dependency_scan``): a dependency counts while it
is pending, and a task that is done or deleted is neither blocked nor blocking.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    any_,
    bindparam,
    exists,
    func,
    not_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased
from sqlmodel import col

from todo_cli.models import Status, Task

# A task that can still wait or be waited for (a series' template counts, as in Taskwarrior).
OPEN = (Status.PENDING.value, Status.RECURRING.value)


def blocked() -> ColumnElement[bool]:
    """+BLOCKED: open, and waits for a pending task of the same person."""
    dependency = aliased(Task, name="dependency")
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
    dependant = aliased(Task, name="dependant")
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
