"""Tasks in full (`todo show`, `todo info`): each with what the journal says happened
to it and its urgency term by term."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.models import Task, User
from todo_cli.service.filters import TaskFilter
from todo_cli.service.journal import ChangeGroup, task_history
from todo_cli.service.tasks import select_tasks
from todo_cli.service.urgency import Breakdown, Coefficients, breakdowns


@dataclass(frozen=True)
class InFull:
    """One task, its journal (oldest first) and its urgency: both only when asked."""

    task: Task
    history: list[ChangeGroup]
    urgency: Breakdown | None


async def tasks_in_full(
    session: AsyncSession,
    *,
    user: User,
    where: TaskFilter,
    now: datetime,
    coefficients: Coefficients = Coefficients(),
    detailed: bool = True,
) -> list[InFull]:
    """The tasks ``where`` picks (an ID it names must exist: NotFoundError), by ID, each
    with its journal and urgency breakdown when ``detailed`` (not for JSON)."""
    tasks = await select_tasks(session, user=user, where=where)
    if not detailed:
        return [InFull(task, [], None) for task in tasks]
    numbers = [task.number for task in tasks]
    scores = await breakdowns(
        session, user=user, numbers=numbers, now=now, coefficients=coefficients
    )
    return [
        InFull(task, await task_history(session, user=user, number=number), scores[number])
        for task, number in zip(tasks, numbers, strict=True)
    ]
