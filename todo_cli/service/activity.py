"""Start and stop: a task is active while ``started_at`` is set."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.errors import ConflictError
from todo_cli.models import Status, Task, User
from todo_cli.service import journal
from todo_cli.service.filters import TaskFilter, by_numbers
from todo_cli.service.tasks import Outcome, _describe_numbers, pick_tasks


async def start_tasks(
    session: AsyncSession,
    *,
    user: User,
    numbers: Sequence[int] = (),
    where: TaskFilter | None = None,
    confirmed: bool = True,
    command: str = "start",
) -> Outcome:
    """Mark pending tasks active; one already active is left as it was."""
    where = where or by_numbers(numbers)
    tasks = await pick_tasks(session, user=user, where=where, confirmed=confirmed)
    finished = [task.number for task in tasks if task.status != Status.PENDING]
    if finished:
        raise ConflictError(
            f"{_describe_numbers(finished)} not pending; only pending tasks can be started"
        )
    now = await journal.transaction_now(session)
    return await _set_started(session, user, tasks, now, command)


async def stop_tasks(
    session: AsyncSession,
    *,
    user: User,
    numbers: Sequence[int] = (),
    where: TaskFilter | None = None,
    confirmed: bool = True,
    command: str = "stop",
) -> Outcome:
    """Mark tasks inactive; one not active is left as it was."""
    where = where or by_numbers(numbers)
    tasks = await pick_tasks(session, user=user, where=where, confirmed=confirmed)
    return await _set_started(session, user, tasks, None, command)


async def _set_started(
    session: AsyncSession,
    user: User,
    tasks: list[Task],
    moment: datetime | None,
    command: str,
) -> Outcome:
    before = journal.snapshots(tasks)
    outcome = Outcome(tasks=tasks)
    for task in tasks:
        if (task.started_at is None) == (moment is None):
            outcome.unchanged.add(task.number)
        else:
            task.started_at = moment
    await session.flush()
    await journal.record(
        session, user=user, command=command, entries=journal.changes(tasks, before)
    )
    return outcome
