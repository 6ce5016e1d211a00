"""`todo next`: pending tasks by an urgency score, computed by PostgreSQL.

The score follows Taskwarrior 2.6's default ``urgency.*`` coefficients: each
term is a factor between 0 and 1 times its coefficient, and the terms add up.

=================  ===========  =============================================
term               coefficient  factor
=================  ===========  =============================================
``next`` tag       15.0         1 when the task has the tag ``next``
due                12.0         0.2 when due in more than 14 days, rising
                                linearly to 1.0 at 7 days overdue; 0 when no due
priority           6.0/3.9/1.8  high / medium / low (the coefficient itself)
active             4.0          1 while started (`todo start`)
age                2.0          whole days since created / 365, at most 1
notes              1.0          0.8, 0.9, 1.0 for 1, 2, 3 or more notes
tags               1.0          0.8, 0.9, 1.0 for 1, 2, 3 or more tags
project            1.0          1 when the task has a project
blocking           8.0          1 when a pending task waits for it (+BLOCKING)
blocked            -5.0         1 while it waits for a pending task (+BLOCKED)
scheduled          5.0          1 when scheduled before now
waiting            -3.0         1 while waiting
user-defined       (per UDA)    ``todo uda add --urgency N``: N when the task
attributes                      has a value; ``todo uda urgency NAME VALUE N``:
                                N more when it has that value
=================  ===========  =============================================

The planning terms' coefficients are settings (``urgency_blocking_coefficient``,
``urgency_scheduled_coefficient`` ...), as Taskwarrior's
``urgency.scheduled.coefficient`` is an rc setting; the command passes them in
as ``Coefficients``. Ties go to the lower ID.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, DateTime, Float, Numeric, case, cast, extract, func, literal
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from todo_cli.models import AttributeDefinition, Priority, Status, Task, TaskNote, User
from todo_cli.service import attribute_filters, attributes, states, term_filters
from todo_cli.service.filters import StatusFilter, TaskFilter
from todo_cli.service.tasks import _conditions, list_statement

if TYPE_CHECKING:
    from todo_cli.settings import Settings

NEXT_TAG = "next"
NEXT_COEFFICIENT = 15.0
DUE_COEFFICIENT = 12.0
PRIORITY_COEFFICIENTS = {Priority.HIGH: 6.0, Priority.MEDIUM: 3.9, Priority.LOW: 1.8}
ACTIVE_COEFFICIENT = 4.0
AGE_COEFFICIENT = 2.0
AGE_MAX_DAYS = 365.0
NOTES_COEFFICIENT = 1.0
TAGS_COEFFICIENT = 1.0
PROJECT_COEFFICIENT = 1.0
SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class Coefficients:
    """The terms a person may weigh (settings), at Taskwarrior's defaults."""

    blocking: float = 8.0
    blocked: float = -5.0
    scheduled: float = 5.0
    waiting: float = -3.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Coefficients:
        return cls(
            blocking=settings.urgency_blocking_coefficient,
            blocked=settings.urgency_blocked_coefficient,
            scheduled=settings.urgency_scheduled_coefficient,
            waiting=settings.urgency_waiting_coefficient,
        )


@dataclass(frozen=True)
class Term:
    """One urgency term as SQL: its name as `task info` prints it, its factor and its
    coefficient; the score is the sum of factor times coefficient over the terms."""

    name: str
    factor: ColumnElement[float]
    coefficient: float


def terms(
    now: datetime,
    owner: int,
    coefficients: Coefficients = Coefficients(),
    definitions: Sequence[AttributeDefinition] = (),
) -> list[Term]:
    """Every term of one of ``owner``'s ``tasks`` rows at ``now``, in `task info`'s order
    (the built-in terms, then the per-value ones: priority, attributes, the tag)."""
    at = literal(now, DateTime(timezone=True))
    return [
        Term("project", _flag(col(Task.project).is_not(None)), PROJECT_COEFFICIENT),
        Term("active", _flag(col(Task.started_at).is_not(None)), ACTIVE_COEFFICIENT),
        Term("scheduled", _flag(states.scheduled_past(now)), coefficients.scheduled),
        Term("waiting", _flag(states.waiting(now)), coefficients.waiting),
        Term("blocked", _flag(states.blocked(owner)), coefficients.blocked),
        Term("blocking", _flag(states.blocking(owner)), coefficients.blocking),
        Term("notes", _count_factor(_note_count()), NOTES_COEFFICIENT),
        Term("tags", _count_factor(func.cardinality(col(Task.tags))), TAGS_COEFFICIENT),
        Term("due", _due_factor(at), DUE_COEFFICIENT),
        Term("age", _age_factor(at), AGE_COEFFICIENT),
        *(_priority_term(priority, value) for priority, value in PRIORITY_COEFFICIENTS.items()),
        *(Term(*term) for term in attribute_filters.urgency_terms(definitions)),
        Term(f"TAG {NEXT_TAG}", _flag(col(Task.tags).contains([NEXT_TAG])), NEXT_COEFFICIENT),
    ]


def urgency(
    now: datetime,
    owner: int,
    coefficients: Coefficients = Coefficients(),
    definitions: Sequence[AttributeDefinition] = (),
) -> ColumnElement[float]:
    """The score of one of ``owner``'s ``tasks`` rows at ``now``, rounded to 3 decimals,
    as SQL; the owner's attribute ``definitions`` add their coefficients."""
    return score_of(terms(now, owner, coefficients, definitions))


def score_of(weighed: Sequence[Term]) -> ColumnElement[float]:
    """The sum of the terms' products, rounded to 3 decimals as `next` shows it."""
    total = sum((term.factor * term.coefficient for term in weighed), literal(0.0))
    rounded: ColumnElement[float] = cast(func.round(cast(total, Numeric), 3), Float)
    return rounded


async def next_tasks(
    session: AsyncSession,
    *,
    user: User,
    now: datetime,
    limit: int = 10,
    where: TaskFilter = TaskFilter(),
    coefficients: Coefficients = Coefficients(),
) -> list[tuple[Task, float]]:
    """The ``limit`` most urgent of the user's pending tasks ``where`` picks, with their score."""
    await term_filters.check_patterns(session, where)
    weighted = await attributes.definitions(session, user=user)
    statement = next_statement(user, now, limit, where, coefficients, weighted)
    return [(task, value) for task, value in (await session.exec(statement)).all()]


def next_statement(
    user: User,
    now: datetime,
    limit: int,
    where: TaskFilter,
    coefficients: Coefficients,
    definitions: Sequence[AttributeDefinition],
) -> Select[Task, float]:
    """`todo next`'s query: the user's pending tasks ``where`` picks, the most urgent first."""
    assert user.id is not None, "the user owns these tasks, so it is stored"
    score = urgency(now, user.id, coefficients, definitions).label("urgency")
    return (
        select(Task, score)
        .where(
            Task.user_id == user.id,
            col(Task.status) == Status.PENDING.value,
            *_conditions(replace(where, status=StatusFilter.ALL), user.id),
        )
        .order_by(score.desc(), col(Task.number))
        .limit(min(limit, where.limit or limit))
    )


def _priority_term(priority: Priority, coefficient: float) -> Term:
    # Named by the letter Taskwarrior writes (`pri:H`), as `task info` names its terms.
    letter = priority.value[0].upper()
    return Term(f"priority.{letter}", _flag(col(Task.priority) == priority.value), coefficient)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[float]:
    return case((condition, 1.0), else_=0.0)


def _days_since(at: Any, moment: Any) -> ColumnElement[float]:
    seconds: ColumnElement[float] = cast(extract("epoch", at - moment), Float)
    return seconds / SECONDS_PER_DAY


def _due_factor(at: Any) -> ColumnElement[float]:
    """Taskwarrior's due curve: 0.2 far ahead, up linearly over 21 days, 1.0 a week late."""
    overdue = _days_since(at, col(Task.due))
    return case(
        (col(Task.due).is_(None), 0.0),
        (overdue >= 7.0, 1.0),
        (overdue >= -14.0, (overdue + 14.0) * 0.8 / 21.0 + 0.2),
        else_=0.2,
    )


def _age_factor(at: Any) -> ColumnElement[float]:
    # Whole days, as Taskwarrior counts them (its `int age`): a task made yesterday
    # evening is 0 days old this morning.
    age = func.floor(_days_since(at, col(Task.created_at))) / AGE_MAX_DAYS
    return func.least(func.greatest(age, 0.0), 1.0)


def _count_factor(count: Any) -> ColumnElement[float]:
    # CASE x WHEN ...: the count (a subquery for notes) is computed once per row, not
    # once per branch.
    return case({3: 1.0, 2: 0.9, 1: 0.8}, value=func.least(count, 3), else_=0.0)


def _note_count() -> Any:
    return (
        select(func.count())
        .select_from(TaskNote)
        .where(col(TaskNote.task_id) == col(Task.id))
        .scalar_subquery()
    )


async def urgencies(
    session: AsyncSession,
    *,
    user: User,
    where: TaskFilter,
    now: datetime,
    coefficients: Coefficients = Coefficients(),
) -> dict[int, float]:
    """The score of every task ``where`` picks (the table's urgency column), by number:
    the list's own query with the score as its one more column."""
    assert user.id is not None, "the user owns these tasks, so it is stored"
    weighted = await attributes.definitions(session, user=user)
    score = urgency(now, user.id, coefficients, weighted)
    rows = await (await session.connection()).execute(
        list_statement(user, where, col(Task.number), score)
    )
    return {int(row[0]): float(row[1]) for row in rows}


@dataclass(frozen=True)
class Weighed:
    """One term of one task's score, as `task info` prints it: factor times coefficient."""

    name: str
    factor: float
    coefficient: float

    @property
    def product(self) -> float:
        return self.factor * self.coefficient


@dataclass(frozen=True)
class Breakdown:
    """A task's score term by term (those that add something) and the score itself."""

    terms: tuple[Weighed, ...]
    total: float


async def breakdowns(
    session: AsyncSession,
    *,
    user: User,
    numbers: Sequence[int],
    now: datetime,
    coefficients: Coefficients = Coefficients(),
) -> dict[int, Breakdown]:
    """The score of each of these tasks term by term, by number: each term's factor a
    column of the one query, beside the score `next` and `list` compute from them."""
    assert user.id is not None, "the user owns these tasks, so it is stored"
    weighted = await attributes.definitions(session, user=user)
    weighed = terms(now, user.id, coefficients, weighted)
    factors = (term.factor for term in weighed)
    statement = select(col(Task.number), score_of(weighed), *factors).where(
        Task.user_id == user.id, col(Task.number).in_(numbers)
    )
    rows = await (await session.connection()).execute(statement)
    return {int(row[0]): _breakdown(weighed, float(row[1]), row[2:]) for row in rows}


def _breakdown(weighed: Sequence[Term], total: float, factors: Sequence[Any]) -> Breakdown:
    parts = (
        Weighed(term.name, float(factor), term.coefficient)
        for term, factor in zip(weighed, factors, strict=True)
    )
    return Breakdown(tuple(part for part in parts if part.product), total)
