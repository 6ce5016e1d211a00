"""The change journal: what each command did to which task, kept in the database.

Every service function that changes tasks snapshots them before, changes them,
and records ``(before, after)`` per task in the same transaction, in one
INSERT: the rows of one command share a ``change_id`` drawn once from a
sequence. A snapshot is the task's JSON (``TaskRead``: every column, tags,
``started_at`` and the notes), so `todo log` can show it as is and `todo undo`
can put it back, even after a purge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.db.engine import note_change
from todo_cli.models import JournalEntry, Task, TaskRead, User

Snapshot = dict[str, Any]

# One statement, one round trip: the change number is drawn once and every
# row of the command carries it.
RECORD = text(
    """
    INSERT INTO task_journal (user_id, change_id, task_id, task_number, command, before, after)
    SELECT :user_id, change.id, entry.task_id, entry.task_number, :command,
           entry.before, entry.after
    FROM (SELECT coalesce(CAST(:change_id AS bigint), nextval('task_journal_change_id_seq'))
            AS id) AS change,
         jsonb_to_recordset(:rows)
           AS entry(task_id bigint, task_number integer, before jsonb, after jsonb)
    RETURNING change_id
    """
).bindparams(bindparam("rows", type_=JSONB))
# Where a transaction keeps the change number it drew: everything one command
# changes (and what it set off: a recurring task's next instance, an expiry) is
# one change, which one `todo undo` reverts.
CHANGE_ID_KEY = "todo_journal_change_id"


async def transaction_now(session: AsyncSession) -> datetime:
    """The transaction's now(): the moment the journal and the task's updated_at record."""
    moment: datetime = (await session.exec(select(func.now()))).one()
    return moment


def snapshot(task: Task) -> Snapshot:
    """The task as its JSON shows it (timestamps in UTC, so equal states compare equal)."""
    return TaskRead.model_validate(task).model_dump(mode="json")


def snapshots(tasks: Iterable[Task]) -> dict[int, Snapshot]:
    return {task.number: snapshot(task) for task in tasks}


@dataclass(frozen=True)
class Change:
    """One task's part in a command: None before = created, None after = purged."""

    number: int
    task_id: int | None
    before: Snapshot | None
    after: Snapshot | None


# An import's new tasks: one entry (task number 0) naming the run of numbers they
# got, instead of a snapshot each (service/imports.py).
IMPORTED = "imported"


def imported_numbers(entry: Change) -> range | None:
    """The numbers of the tasks an import added, if ``entry`` is such an import's entry."""
    found = (entry.after or {}).get(IMPORTED) if entry.before is None else None
    return None if found is None else range(found["first"], found["last"] + 1)


def changes(tasks: Iterable[Task], before: Mapping[int, Snapshot]) -> list[Change]:
    """The tasks whose state differs from ``before`` (a task left as it was is no change)."""
    found = []
    for task in tasks:
        after = snapshot(task)
        if after != before.get(task.number):
            found.append(Change(task.number, task.id, before.get(task.number), after))
    return found


def purged(before: Mapping[int, Snapshot]) -> list[Change]:
    return [Change(number, None, state, None) for number, state in before.items()]


async def record(
    session: AsyncSession, *, user: User, command: str, entries: Sequence[Change]
) -> None:
    """Journal one command's changes in the caller's transaction (nothing when none).

    Every call in one transaction joins the same change (``CHANGE_ID_KEY``)."""
    if not entries:
        return
    note_change(session, "undoable")
    rows = [_row(entry) for entry in entries]
    # Through the connection: SQLModel's exec() is typed for ORM statements only.
    connection = await session.connection()
    parameters = {"user_id": user.id, "command": command, "rows": rows}
    transaction = session.sync_session.get_transaction()
    held = session.info.get(CHANGE_ID_KEY)
    known = held[1] if held is not None and held[0] is transaction else None
    result = await connection.execute(RECORD, parameters | {"change_id": known})
    # Kept with its transaction: a session that commits and goes on starts a new change.
    session.info[CHANGE_ID_KEY] = (transaction, result.scalars().first())


async def draw_change(session: AsyncSession) -> int:
    """This transaction's change number, drawn now if it has none yet (for bulk writers
    that journal with their own INSERT ... SELECT: service/imports.py)."""
    transaction = session.sync_session.get_transaction()
    held = session.info.get(CHANGE_ID_KEY)
    if held is not None and held[0] is transaction:
        return int(held[1])
    drawn = await session.exec(select(func.nextval("task_journal_change_id_seq")))
    change_id = int(drawn.one())
    session.info[CHANGE_ID_KEY] = (transaction, change_id)
    return change_id


def changed(session: AsyncSession) -> bool:
    """Whether this transaction has journaled a change yet."""
    held = session.info.get(CHANGE_ID_KEY)
    return held is not None and held[0] is session.sync_session.get_transaction()


def _row(entry: Change) -> dict[str, Any]:
    # Absent keys become SQL NULL; a JSON null would be stored as jsonb 'null'.
    row: dict[str, Any] = {"task_id": entry.task_id, "task_number": entry.number}
    if entry.before is not None:
        row["before"] = entry.before
    if entry.after is not None:
        row["after"] = entry.after
    return row


@dataclass(frozen=True)
class ChangeGroup:
    """Everything one command changed, as `todo log` shows it."""

    change_id: int
    at: datetime
    command: str
    undone: bool
    entries: list[Change]


async def recent_changes(
    session: AsyncSession, *, user: User, limit: int = 20
) -> list[ChangeGroup]:
    """The user's last ``limit`` commands that changed tasks, newest first."""
    latest = (
        select(JournalEntry.change_id)
        .where(JournalEntry.user_id == user.id)
        .group_by(col(JournalEntry.change_id))
        .order_by(col(JournalEntry.change_id).desc())
        .limit(limit)
    )
    return await _groups(session, user, col(JournalEntry.change_id).in_(latest.scalar_subquery()))


async def task_history(session: AsyncSession, *, user: User, number: int) -> list[ChangeGroup]:
    """What every command did to one task, oldest first (the order of a story)."""
    groups = await _groups(session, user, col(JournalEntry.task_number) == number)
    return groups[::-1]


async def _groups(session: AsyncSession, user: User, condition: Any) -> list[ChangeGroup]:
    statement = (
        select(JournalEntry)
        .where(JournalEntry.user_id == user.id, condition)
        .order_by(col(JournalEntry.change_id).desc(), col(JournalEntry.id))
    )
    return group_entries((await session.exec(statement)).all())


def group_entries(rows: Iterable[JournalEntry]) -> list[ChangeGroup]:
    """Journal rows (ordered by change) gathered into one group per change."""
    by_change: dict[int, list[JournalEntry]] = {}
    for row in rows:
        by_change.setdefault(row.change_id, []).append(row)
    return [_group(change_rows) for change_rows in by_change.values()]


def _group(rows: list[JournalEntry]) -> ChangeGroup:
    first = rows[0]
    assert first.changed_at is not None  # set by the database
    undone = first.undone_at is not None  # the same on every row of a change
    entries = [Change(row.task_number, row.task_id, row.before, row.after) for row in rows]
    # The command typed records last: what housekeeping did before it in the same
    # transaction (an expiry) is part of its change, under its name.
    return ChangeGroup(first.change_id, first.changed_at, rows[-1].command, undone, entries)
