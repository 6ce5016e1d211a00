"""``until``: a pending task past its until date is deleted (Taskwarrior's expiry).

A housekeeping step (service/housekeeping.py): it runs in the transaction of
whatever command comes next and is journaled with it, so `todo undo` brings
the task back. An expiry the user undid is not made again for the same until
date (the next command would otherwise delete the task at once): the journal
says so, and only a new until date expires it again.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, DateTime, and_, cast, exists, not_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from todo_cli.models import JournalEntry, Status, Task, User
from todo_cli.service import journal
from todo_cli.service.tasks import TRANSITIONS, _apply

if TYPE_CHECKING:
    from todo_cli.settings import Settings

# The journal's command for an expiry (`todo log` shows it).
EXPIRED = "(until passed)"


async def expire(session: AsyncSession, user: User, now: datetime, settings: Settings) -> None:
    """Delete the user's pending tasks whose until is past; one query when there are none.
    (A housekeeping step: ``settings`` is part of the step's shape; expiry needs none.)"""
    tasks = list((await session.exec(_expired(user, now))).all())
    if not tasks:
        return
    before = journal.snapshots(tasks)
    for task in tasks:
        _apply(task, TRANSITIONS["rm"], now)
    await session.flush()
    await journal.record(
        session, user=user, command=EXPIRED, entries=journal.changes(tasks, before)
    )


def _expired(user: User, now: datetime) -> SelectOfScalar[Task]:
    # Rows another transaction holds are skipped (a listing never waits): the
    # next command catches them up.
    return (
        select(Task)
        .where(
            col(Task.user_id) == user.id,
            col(Task.status) == Status.PENDING.value,
            col(Task.until) <= now,
            not_(_expiry_undone()),
        )
        .order_by(col(Task.number))
        .with_for_update(skip_locked=True)
    )


def _expiry_undone() -> ColumnElement[bool]:
    """The user undid an expiry of this task at this same until date."""
    undone_until = cast(col(JournalEntry.before)["until"].astext, DateTime(timezone=True))
    return exists().where(
        and_(
            col(JournalEntry.user_id) == col(Task.user_id),
            col(JournalEntry.task_number) == col(Task.number),
            col(JournalEntry.command) == EXPIRED,
            col(JournalEntry.undone_at).is_not(None),
            undone_until == col(Task.until),
        )
    )
