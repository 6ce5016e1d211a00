"""User-defined attributes (Taskwarrior's UDAs): each person's own definitions.

A definition names a type (string, numeric, date, duration), optionally the values
a string may take, a label, and urgency coefficients. Values live on the tasks
(``tasks.udas``), typed by todo_cli.attribute_values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.errors import ConflictError, NotFoundError, UsageError
from todo_cli.models import AttributeDefinition, AttributeType, Task, User
from todo_cli.service.filters import AttributeSpec
from todo_cli.service.validation import clean_line

LABEL_MAX_LENGTH = 64
VALUES_MAX = 100
# A context's operators read as words in filters, and todo's own field names (JSON keys,
# `todo show` rows): no attribute may take them.
RESERVED = {"and", "or", "xor", "not", "created", "updated", "completed", "started", "notes"}
RESERVED |= {"created_at", "updated_at", "completed_at", "started_at", "udas", "extra"}
RESERVED |= {"number", "occurrence", "template_id"}


async def definitions(session: AsyncSession, *, user: User) -> list[AttributeDefinition]:
    """The user's attributes, by name."""
    statement = (
        select(AttributeDefinition)
        .where(col(AttributeDefinition.user_id) == user.id)
        .order_by(col(AttributeDefinition.name))
    )
    return list((await session.exec(statement)).all())


def spec(definition: AttributeDefinition) -> AttributeSpec:
    allowed = None if definition.allowed is None else tuple(definition.allowed)
    return AttributeSpec(definition.name, str(definition.type), allowed)


async def define(
    session: AsyncSession,
    *,
    user: User,
    name: str,
    type: AttributeType,
    allowed: Sequence[str] | None = None,
    label: str | None = None,
    coefficient: float = 0.0,
) -> AttributeDefinition:
    """Define attribute ``name``; a name a built-in or one of the user's has is refused."""
    checked = check_name(name)
    existing = await _find(session, user, checked)
    if existing is not None:
        raise ConflictError(f"{checked} is already defined; `todo uda remove {checked}` first")
    definition = AttributeDefinition(
        user_id=_id(user),
        name=checked,
        type=type,
        allowed=_allowed(allowed, type),
        label=None if label is None else clean_line(label, "label", LABEL_MAX_LENGTH),
        coefficient=_coefficient(coefficient),
    )
    session.add(definition)
    await session.flush()
    return definition


def check_name(name: str) -> str:
    """A new attribute's name, lower case; refused when it is or abbreviates a built-in."""
    from todo_cli.words import ATTRIBUTE_NAME, builtin

    lowered = name.strip().lower()
    if not ATTRIBUTE_NAME.fullmatch(lowered):
        raise UsageError(
            f"{name!r} cannot name an attribute: a letter, then letters, digits or _ (at most 32)"
        )
    taken = builtin(lowered)
    if taken is not None or lowered in RESERVED:
        what = f"Taskwarrior's {taken}:" if taken else "a word todo uses itself"
        raise UsageError(f"{lowered} cannot name an attribute: it reads as {what}")
    return lowered


def _allowed(values: Sequence[str] | None, type: AttributeType) -> list[str] | None:
    if values is None:
        return None
    if type != AttributeType.STRING:
        raise UsageError("--values lists the values a string attribute may take; this is " + type)
    cleaned = [clean_line(value, "allowed value", 500) for value in values]
    if not cleaned or len(cleaned) > VALUES_MAX:
        raise UsageError(f"--values takes 1 to {VALUES_MAX} values, comma-separated")
    return list(dict.fromkeys(cleaned))


def _coefficient(value: float) -> float:
    if value != value or abs(value) > 1000:  # NaN or absurd: a typo, not a weight
        raise UsageError(f"urgency coefficient {value} is not between -1000 and 1000")
    return float(value)


async def remove(session: AsyncSession, *, user: User, name: str, confirmed: bool) -> int:
    """Forget attribute ``name``; how many tasks hold a value for it (kept, as Taskwarrior
    keeps orphaned values: defining it again brings them back). Tasks holding values
    need ``confirmed``."""
    definition = await _get(session, user, name)
    holding = await holders(session, user=user, name=definition.name)
    if holding and not confirmed:
        raise ConflictError(
            f"{holding} task(s) hold a value for {definition.name}; add --yes to remove the"
            " definition (the values stay on the tasks)"
        )
    await session.delete(definition)
    await session.flush()
    return holding


async def holders(session: AsyncSession, *, user: User, name: str) -> int:
    statement = select(func.count()).where(
        col(Task.user_id) == user.id,
        col(Task.udas).has_key(name),  # type: ignore[attr-defined]
    )
    return int((await session.exec(statement)).one())


async def set_value_urgency(
    session: AsyncSession, *, user: User, name: str, value: str, coefficient: float, now: Any
) -> AttributeDefinition:
    """``urgency.uda.NAME.VALUE.coefficient``; 0 removes it."""
    from todo_cli.attribute_values import stored

    definition = await _get(session, user, name)
    key = value_key(stored(spec(definition), value, now=now))
    weights = dict(definition.value_coefficients)
    if coefficient:
        weights[key] = _coefficient(coefficient)
    else:
        weights.pop(key, None)
    definition.value_coefficients = weights
    await session.flush()
    return definition


def value_key(value: Any) -> str:
    """A stored value as PostgreSQL's ``udas->>NAME`` spells it: how urgency finds it."""
    return str(value)


async def _get(session: AsyncSession, user: User, name: str) -> AttributeDefinition:
    definition = await _find(session, user, name.strip().lower())
    if definition is None:
        raise NotFoundError(f"no attribute {name!r}; `todo uda list` shows yours")
    return definition


async def _find(session: AsyncSession, user: User, name: str) -> AttributeDefinition | None:
    statement = select(AttributeDefinition).where(
        col(AttributeDefinition.user_id) == user.id, col(AttributeDefinition.name) == name
    )
    return (await session.exec(statement)).first()


def _id(user: User) -> int:
    assert user.id is not None, "the user must be stored first"
    return user.id
