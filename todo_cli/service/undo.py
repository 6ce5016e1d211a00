"""`todo undo`: put back what the user's most recent not-yet-undone command changed.

All or nothing, under row locks: the change group's journal rows and its
tasks are locked (``FOR UPDATE``) before anything is compared, so a
concurrent edit either committed first (and the undo sees it and refuses) or
waits until the undo commits. A task counts as changed since when its state
differs from the group's ``after`` snapshot, ``updated_at`` aside (an undo
moves ``updated_at`` like any change, so comparing it would refuse the
second undo in a row). An undo is not itself journaled: it marks the group
undone, and the next undo takes the group before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.db.engine import note_change
from todo_cli.errors import ConflictError
from todo_cli.models import (
    JournalEntry,
    NoteRead,
    Priority,
    RecurrenceType,
    Status,
    Task,
    TaskNote,
    User,
)
from todo_cli.service import dependencies, journal
from todo_cli.service.journal import Change, ChangeGroup, Snapshot

# The columns an undo writes back; id, uuid, number and created_at never change.
RESTORED = ("title", "description", "tags", "project", "recur", "udas")
IGNORED_WHEN_COMPARING = ("updated_at",)


@dataclass(frozen=True)
class Undone:
    """The change that was reverted and the tasks as they are now (an undone add is gone)."""

    group: ChangeGroup
    tasks: list[Task]


async def undo_last(session: AsyncSession, *, user: User) -> Undone:
    """Revert the newest change group of ``user``; ConflictError when that is impossible."""
    locked = await _lock_latest_group(session, user)
    imported = [numbers for e in locked.entries if (numbers := journal.imported_numbers(e))]
    group = _per_task(
        replace(locked, entries=[e for e in locked.entries if not journal.imported_numbers(e)])
    )
    note_change(session, "final")  # an undo is not journaled: a second one takes the group before
    current = await _lock_tasks(session, user, [entry.number for entry in group.entries])
    _refuse_changed_since(group, current)
    now = await journal.transaction_now(session)
    restored = [await _revert(session, user, entry, current, now) for entry in group.entries]
    await session.flush()
    await dependencies.restore(
        session,
        user=user,
        states=[
            (task, entry.before)
            for task, entry in zip(restored, group.entries, strict=True)
            if task is not None and entry.before is not None
        ],
    )
    for numbers in imported:
        await _remove_imported(session, user, numbers)
    await session.exec(
        update(JournalEntry)
        .where(col(JournalEntry.user_id) == user.id, col(JournalEntry.change_id) == group.change_id)
        .values(undone_at=now)
    )
    return Undone(replace(group, entries=locked.entries), [task for task in restored if task])


async def _remove_imported(session: AsyncSession, user: User, numbers: range) -> None:
    """An import's new tasks, gone in one statement (their numbers stay used).

    Nothing else can have changed them since without a newer change, which undo
    would have taken first."""
    await session.exec(
        delete(Task).where(
            col(Task.user_id) == user.id, col(Task.number).between(numbers.start, numbers.stop - 1)
        )
    )


def _per_task(group: ChangeGroup) -> ChangeGroup:
    """One entry per task: its state before the change's first step and after its last.

    A change can touch a task twice (an expiry, then the command's own edit of it)."""
    merged: dict[int, Change] = {}
    for entry in group.entries:
        first = merged.get(entry.number, entry)
        merged[entry.number] = Change(entry.number, entry.task_id, first.before, entry.after)
    return replace(group, entries=list(merged.values()))


async def _lock_latest_group(session: AsyncSession, user: User) -> ChangeGroup:
    latest = await session.exec(
        select(JournalEntry.change_id)
        .where(JournalEntry.user_id == user.id, col(JournalEntry.undone_at).is_(None))
        .order_by(col(JournalEntry.change_id).desc())
        .limit(1)
    )
    change_id = latest.first()
    if change_id is None:
        raise ConflictError("nothing to undo")
    rows = await session.exec(
        select(JournalEntry)
        .where(
            JournalEntry.user_id == user.id,
            JournalEntry.change_id == change_id,
            col(JournalEntry.undone_at).is_(None),
        )
        .order_by(col(JournalEntry.id))
        .with_for_update()
    )
    groups = journal.group_entries(rows.all())
    if not groups:  # another session undid it between the two statements
        raise ConflictError("that change was just undone by another session; run undo again")
    return groups[0]


async def _lock_tasks(session: AsyncSession, user: User, numbers: Sequence[int]) -> dict[int, Task]:
    statement = (
        select(Task)
        .where(Task.user_id == user.id, col(Task.number).in_(numbers))
        .order_by(col(Task.number))  # one lock order for every undo: no deadlock between them
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {task.number: task for task in (await session.exec(statement)).all()}


def _refuse_changed_since(group: ChangeGroup, current: dict[int, Task]) -> None:
    for entry in group.entries:
        task = current.get(entry.number)
        now = journal.snapshot(task) if task is not None else None
        if _comparable(now) != _comparable(entry.after):
            gone = " (it no longer exists)" if task is None else ""
            raise ConflictError(
                f"task {entry.number} changed since `{group.command}`{gone}; nothing undone"
            )


def _comparable(state: Snapshot | None) -> Snapshot | None:
    if state is None:
        return None
    return {key: value for key, value in state.items() if key not in IGNORED_WHEN_COMPARING}


async def _revert(
    session: AsyncSession, user: User, entry: Change, current: dict[int, Task], now: datetime
) -> Task | None:
    task = current.get(entry.number)
    if entry.before is None:  # the command added it: remove it (its number stays used)
        assert task is not None  # checked against entry.after above
        await session.delete(task)
        return None
    if task is None:  # the command purged it: bring it back as it was
        task = _recreated(user, entry.before)
        session.add(task)
    _apply(task, entry.before, user)
    task.updated_at = now
    return task


def _recreated(user: User, before: Snapshot) -> Task:
    assert user.id is not None
    return Task(
        uuid=UUID(before["uuid"]),
        number=before["id"],
        user_id=user.id,
        title=before["title"],
        created_at=_moment(before["created_at"]),
        notes=[],
    )


def _apply(task: Task, state: Snapshot, user: User) -> None:
    for name in RESTORED:
        setattr(task, name, state[name])
    task.status = Status(state["status"])
    task.priority = Priority(state["priority"]) if state["priority"] else None
    # A series' type; an instance's link to its template never changes but by a purge.
    task.rtype = RecurrenceType(state["rtype"]) if state.get("rtype") else None
    task.due = _moment(state["due"])
    task.completed_at = _moment(state["completed_at"])
    task.started_at = _moment(state.get("started_at"))
    for name in ("wait", "scheduled", "until"):
        setattr(task, name, _moment(state.get(name)))
    if _notes_of(task) != state["notes"]:
        assert user.id is not None
        task.notes = [
            TaskNote(user_id=user.id, text=note["text"], created_at=_moment(note["created_at"]))
            for note in state["notes"]
        ]


def _notes_of(task: Task) -> list[dict[str, Any]]:
    return [NoteRead.model_validate(note).model_dump(mode="json") for note in task.notes]


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None
