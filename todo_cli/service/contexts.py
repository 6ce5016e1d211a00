"""Contexts (Taskwarrior's ``task context``): named filters, one of them active.

Stored per user in the database (``contexts``; the active one's name in
``users.context``), so a context follows its person to every machine on the same
database. The filter is kept as typed and read again at each use, so dates in it
(``due.before:eow``) move with the clock and attributes defined later are seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.errors import NotFoundError, UsageError
from todo_cli.models import Context, User
from todo_cli.service import attributes
from todo_cli.service.filters import Vocabulary
from todo_cli.service.validation import clean_text

NAME_MAX_LENGTH = 64
# The words after `todo context` that are its subcommands: no context takes them.
RESERVED = {"define", "delete", "list", "show", "none", "use"}


@dataclass(frozen=True)
class Defined:
    """A context as listed: its name, its filter as typed, whether it is the active one."""

    name: str
    words: tuple[str, ...]
    active: bool


async def vocabulary(session: AsyncSession, *, user: User) -> Vocabulary:
    """The user's attributes and active context: what their words mean (todo_cli.words)."""
    specs = {
        each.name: attributes.spec(each)
        for each in await attributes.definitions(session, user=user)
    }
    context = await _find(session, user, user.context) if user.context else None
    if context is None:
        return Vocabulary(attributes=specs)
    return Vocabulary(attributes=specs, context=context.name, context_words=tuple(context.words))


async def define(
    session: AsyncSession, *, user: User, name: str, words: Sequence[str]
) -> tuple[Context, bool]:
    """Define (or redefine, as Taskwarrior's `context define` does) context ``name``;
    the caller has checked the words. Whether it existed before."""
    checked = check_name(name)
    # Stored as typed, so held to the rules of any stored text (no NUL, no controls).
    cleaned = [clean_text(word, "context's filter") for word in words]
    context = await _find(session, user, checked)
    existed = context is not None
    if context is None:
        context = Context(user_id=_id(user), name=checked, words=cleaned)
        session.add(context)
    else:
        context.words = cleaned
    await session.flush()
    return context, existed


def check_name(name: str) -> str:
    from todo_cli.service.validation import clean_line

    cleaned = clean_line(name, "context name", NAME_MAX_LENGTH)
    if cleaned.lower() in RESERVED or any(char.isspace() for char in cleaned):
        raise UsageError(
            f"{cleaned!r} cannot name a context: one word, not define, delete, list, show,"
            " none or use"
        )
    return cleaned


async def activate(session: AsyncSession, *, user: User, name: str | None) -> Context | None:
    """Make ``name`` the active context (None: no context)."""
    context = None if name is None else await _get(session, user, name)
    user.context = None if context is None else context.name
    session.add(user)
    await session.flush()
    return context


async def delete(session: AsyncSession, *, user: User, name: str) -> bool:
    """Delete context ``name``; whether it was the active one (then no context is)."""
    context = await _get(session, user, name)
    was_active = user.context == context.name
    if was_active:
        user.context = None
        session.add(user)
    await session.delete(context)
    await session.flush()
    return was_active


async def listed(session: AsyncSession, *, user: User) -> list[Defined]:
    statement = select(Context).where(col(Context.user_id) == user.id).order_by(col(Context.name))
    return [
        Defined(context.name, tuple(context.words), context.name == user.context)
        for context in (await session.exec(statement)).all()
    ]


async def _get(session: AsyncSession, user: User, name: str) -> Context:
    context = await _find(session, user, name)
    if context is None:
        raise NotFoundError(f"no context {name!r}; `todo context list` shows yours")
    return context


async def _find(session: AsyncSession, user: User, name: str) -> Context | None:
    statement = select(Context).where(col(Context.user_id) == user.id, col(Context.name) == name)
    return (await session.exec(statement)).first()


def _id(user: User) -> int:
    assert user.id is not None, "the user must be stored first"
    return user.id
