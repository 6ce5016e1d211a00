"""User-defined attributes in SQL: a filter's test of ``tasks.udas`` and the urgency term.

Equality and presence use the operators a GIN index on ``udas`` serves (``@>``,
``?``); comparisons read the value as the type it was stored as, and a value of
another type (an attribute redefined since) never matches rather than failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Interval,
    Numeric,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    not_,
)
from sqlmodel import col

from todo_cli.models import AttributeDefinition, Task
from todo_cli.service.filters import AttributeTest

# The SQL type a comparison reads each attribute type as, and the JSON type it is stored as.
COMPARED: dict[str, tuple[Any, str]] = {
    "numeric": (Numeric(), "number"),
    "date": (DateTime(timezone=True), "string"),
    "duration": (Interval(), "string"),
}


def condition(test: AttributeTest) -> ColumnElement[bool]:
    """``test`` as a condition on a ``tasks`` row."""
    udas = _udas()
    has_value: ColumnElement[bool] = udas.has_key(test.name)
    # The GIN index is partial (migration 0005: most tasks hold no attribute); stating
    # its predicate is what lets the planner use it.
    some = udas != literal_column("'{}'::jsonb")
    if test.test == "equals":
        contains: ColumnElement[bool] = and_(some, udas.contains({test.name: test.value}))
        return contains
    if test.test == "present":
        return and_(some, has_value)
    if test.test == "absent":
        return not_(has_value)
    value = _typed(test.name, test.type)
    if test.test == "before":
        return value < _bound(test.value, test.type)
    if test.test == "after":
        return value > _bound(test.value, test.type)
    start, end = (_bound(moment, test.type) for moment in (test.value, test.until))
    within: ColumnElement[bool] = (value >= start) & (value < end)
    return within


def _udas() -> Any:
    """``tasks.udas`` with its JSONB comparator (``contains`` is ``@>``, ``has_key`` ``?``)."""
    return col(Task.udas)


def _bound(value: Any, kind: str) -> ColumnElement[Any]:
    """A value as stored (text or number), cast by PostgreSQL as the column side is."""
    return cast(literal(str(value), String()), COMPARED[kind][0])


def _typed(name: str, kind: str) -> ColumnElement[Any]:
    """The value as its SQL type, NULL when it is stored as another JSON type."""
    sql_type, json_type = COMPARED[kind]
    stored = _udas()[name]
    return case((func.jsonb_typeof(stored) == json_type, cast(stored.astext, sql_type)), else_=None)


def urgency_terms(
    definitions: Sequence[AttributeDefinition],
) -> list[tuple[str, ColumnElement[float], float]]:
    """Taskwarrior's ``urgency.uda.NAME.coefficient`` (the task has a value) and
    ``urgency.uda.NAME.VALUE.coefficient`` (it has that value), for the owner's
    attributes: each a name as `task info` prints it, a factor (1 or 0, plain CASE)
    and its coefficient, so a user with none pays nothing."""
    udas = _udas()
    terms: list[tuple[str, ColumnElement[float], float]] = []
    for definition in definitions:
        if definition.coefficient:
            present = case((udas.has_key(definition.name), 1.0), else_=0.0)
            terms.append((f"UDA {definition.name}", present, definition.coefficient))
        # Keyed by the value as `udas->>NAME` spells it (attributes.value_key).
        spelled = udas[definition.name].astext
        for value, weight in definition.value_coefficients.items():
            equal = case((spelled == value, 1.0), else_=0.0)
            terms.append((f"UDA {definition.name}.{value}", equal, weight))
    return terms
