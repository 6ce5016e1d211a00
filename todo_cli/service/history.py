"""A task together with what the journal says happened to it (`todo show`)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.models import Task, User
from todo_cli.service.journal import ChangeGroup, task_history
from todo_cli.service.tasks import get_task


async def task_with_history(
    session: AsyncSession, *, user: User, number: int, with_history: bool = True
) -> tuple[Task, list[ChangeGroup]]:
    """The task (NotFoundError if none) and, when asked, its journal, oldest first."""
    task = await get_task(session, user=user, number=number)
    if not with_history:
        return task, []
    return task, await task_history(session, user=user, number=number)
