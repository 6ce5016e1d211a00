"""Taskwarrior's script helpers: ``count``, ``ids``, ``uuids`` and ``_get``, one query each.

Each reads only the column it prints, through the same WHERE clause as ``list``
(tasks.owned_where), so a script's count and a list never disagree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.models import Task, TaskRead, User
from todo_cli.service import term_filters
from todo_cli.service.filters import TaskFilter
from todo_cli.service.tasks import get_tasks, owned_where


async def count_tasks(session: AsyncSession, *, user: User, where: TaskFilter) -> int:
    """How many tasks ``where`` picks."""
    await term_filters.check_patterns(session, where)
    statement = select(func.count()).select_from(Task).where(*owned_where(user, where))
    return int((await session.exec(statement)).one())


async def task_numbers(session: AsyncSession, *, user: User, where: TaskFilter) -> list[int]:
    """The IDs ``where`` picks, ascending."""
    return [int(number) for number in await _column(session, user, where, col(Task.number))]


async def task_uuids(session: AsyncSession, *, user: User, where: TaskFilter) -> list[str]:
    """The uuids of the tasks ``where`` picks, in ID order."""
    return [str(uuid) for uuid in await _column(session, user, where, col(Task.uuid))]


async def _column(
    session: AsyncSession, user: User, where: TaskFilter, column: object
) -> list[Any]:
    await term_filters.check_patterns(session, where)
    statement = select(column).where(*owned_where(user, where))  # type: ignore[call-overload]
    statement = statement.order_by(col(Task.number)).limit(where.limit)
    return list((await session.exec(statement)).all())


async def read_tasks(session: AsyncSession, *, user: User, numbers: list[int]) -> list[TaskRead]:
    """The tasks ``_get`` reads, as the JSON contract has them (NotFoundError: exit 3)."""
    tasks = await get_tasks(session, user=user, numbers=numbers)
    return [TaskRead.model_validate(task) for task in tasks]
