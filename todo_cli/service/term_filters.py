"""filter_language Terms and groups in SQL: one condition each, bound parameters only.

Every condition is true or false for a row, never NULL where it matters: a negation
(``.not``, ``.isnt``, ``.hasnt``, ``.noword``, ``not``) is ``IS NOT TRUE`` of its
positive, so a task with no project is ``project.not:home`` (as in Taskwarrior) and
``xor`` compares the two sides with NULL read as false.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, literal, not_, or_, true
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.errors import UsageError
from todo_cli.models import Priority, Task
from todo_cli.service import states
from todo_cli.service.filters import Junction, TaskFilter, TermTest
from todo_cli.service.validation import clean_project

# A negative modifier and the positive it denies.
NEGATIONS = {"isnt": "is", "not": "equals", "hasnt": "has", "noword": "word"}
PRIORITY_RANK = case(
    {Priority.HIGH.value: 3, Priority.MEDIUM.value: 2, Priority.LOW.value: 1},
    value=col(Task.priority),
    else_=0,
)


def condition(test: TermTest, *, case_sensitive: bool, at: datetime) -> Any:
    """``test`` as a condition on a ``tasks`` row."""
    if test.modifier in NEGATIONS:
        positive = replace(test, modifier=NEGATIONS[test.modifier])
        return denied(condition(positive, case_sensitive=case_sensitive, at=at))
    if test.modifier in ("any", "none"):
        return _presence(test)
    if test.modifier == "regex":
        return _pattern(test.value, case_sensitive)
    if test.uda or test.field in ("title", "project"):
        return _text(test, case_sensitive)
    if test.field == "priority":
        return _ordered(PRIORITY_RANK, test)
    if test.field == "status":
        waiting = test.value == "waiting"
        return states.waiting(at) if waiting else col(Task.status) == test.value
    if test.field == "tags":
        return _tags().contains([test.value])
    return _ordered(_column(test.field), test)


async def check_patterns(session: AsyncSession, where: TaskFilter) -> None:
    """Each ``/pattern/`` of ``where`` tried on an empty string first, so a pattern
    PostgreSQL cannot read is exit 2 naming it (its dialect, not Python's, decides);
    a filter without patterns costs nothing."""
    for pattern in dict.fromkeys(patterns(where)):
        try:
            await session.exec(select(literal("").regexp_match(pattern)))
        except DBAPIError as refused:
            reason = str(refused.orig).splitlines()[0].rpartition(": ")[2]
            raise UsageError(f"/{pattern}/ is not a regular expression: {reason}") from None


def patterns(where: TaskFilter) -> list[str]:
    """The ``/pattern/``s of ``where``, its groups and its context."""
    found = [term.value for term in where.terms if term.modifier == "regex"]
    junctions = [*where.groups, *([where.context] if where.context else [])]
    for junction in junctions:
        found += _junction_patterns(junction)
    return found


def _junction_patterns(junction: Junction[TaskFilter]) -> list[str]:
    found: list[str] = []
    for part in junction.parts:
        found += _junction_patterns(part) if isinstance(part, Junction) else patterns(part)
    return found


def denied(positive: ColumnElement[bool]) -> ColumnElement[bool]:
    """Not ``positive``, NULL counting as false (``IS NOT TRUE``)."""
    return positive.is_not(true())


def either(first: ColumnElement[bool], second: ColumnElement[bool]) -> ColumnElement[bool]:
    """``first xor second``, NULL counting as false."""
    return func.coalesce(first, false()) != func.coalesce(second, false())


def xor(parts: Sequence[ColumnElement[bool]]) -> ColumnElement[bool]:
    """``a xor b xor c``, left to right (an odd number of them hold)."""
    result = parts[0]
    for part in parts[1:]:
        result = either(result, part)
    return result


def in_project(project: str) -> ColumnElement[bool]:
    """``home`` matches ``home`` and ``home.garden``, not ``homework``."""
    name = clean_project(project) or ""
    prefix = escape_like(name) + ".%"
    return or_(col(Task.project) == name, col(Task.project).like(prefix, escape="\\"))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _presence(test: TermTest) -> ColumnElement[bool]:
    present: ColumnElement[bool]
    if test.field == "tags":
        present = func.cardinality(_tags()) > 0
    elif test.field == "title":
        present = col(Task.title) != ""
    else:
        present = _column(test.field).is_not(None)
    return present if test.modifier == "any" else not_(present)


def _pattern(pattern: str, case_sensitive: bool) -> ColumnElement[bool]:
    """``/pattern/``: a PostgreSQL regular expression over the title or the description."""
    flags = None if case_sensitive else "i"
    description = func.coalesce(col(Task.description), "")
    return or_(
        col(Task.title).regexp_match(pattern, flags=flags),
        description.regexp_match(pattern, flags=flags),
    )


def _text(test: TermTest, case_sensitive: bool) -> Any:
    column = _udas()[test.field].astext if test.uda else _column(test.field)
    value = test.value
    if test.modifier == "equals" and test.field == "project" and not test.uda:
        return in_project(value)
    if test.modifier == "is" or (test.modifier == "equals" and test.uda):
        return column == value  # exact, as Taskwarrior's == is
    if test.modifier == "word":
        flags = None if case_sensitive else "i"
        return column.regexp_match(r"\m" + _escape_regex(value) + r"\M", flags=flags)
    like = {"has": "%{}%", "startswith": "{}%", "equals": "{}%", "endswith": "%{}"}
    pattern = like[test.modifier].format(escape_like(value))
    if case_sensitive:
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


def _ordered(column: Any, test: TermTest) -> Any:
    """Dates and priority ranks: the whole day (a ``(start, end)`` value) or a bound."""
    if test.modifier in ("equals", "is"):
        if isinstance(test.value, tuple):
            start, end = test.value
            return and_(column >= start, column < end)
        return column == literal(test.value)
    if test.modifier == "before":
        return column < test.value
    if test.modifier == "after":
        return column > test.value
    return column <= test.value  # by


def _escape_regex(text: str) -> str:
    """``text`` literally in a PostgreSQL regular expression: a backslash before every
    character that is not a letter, digit or space (which ARE reads as itself)."""
    return "".join(char if char.isalnum() or char == " " else "\\" + char for char in text)


def _column(field: str) -> Any:
    return col(getattr(Task, field))


def _tags() -> Any:
    """``tasks.tags`` with its ARRAY comparator (``contains`` is ``@>``)."""
    return col(Task.tags)


def _udas() -> Any:
    return col(Task.udas)
