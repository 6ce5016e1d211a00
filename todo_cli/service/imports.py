"""Writing imported tasks in bulk: COPY into a temporary table, then a few statements.

One INSERT per task and one model per record made the first attempt 1,800 tasks/s.
Here the records go into ``import_rows`` (and their notes into ``import_notes``)
through COPY on the session's own asyncpg connection, inside the command's
transaction, and set statements do the rest: match by uuid (rows of this account
only: row-level security hides the others), hand out short numbers in one
UPDATE of the user's counter, update the tasks that differ, insert the new ones,
link instances to their templates and journal everything as one change, so one
`todo undo` takes the whole import back. Nothing is committed until all of it
has worked: a failure or a Ctrl-C leaves the database as it was.
"""

from __future__ import annotations

import functools
import json
import uuid as uuid_module
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.db.engine import note_change
from todo_cli.errors import ConflictError
from todo_cli.interchange.records import Record
from todo_cli.models import User
from todo_cli.service import journal
from todo_cli.service.listing import TASK_JSON

# The task columns an import sets, in import_rows' order after ``ord``, with their type.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("uuid", "uuid"),
    ("title", "text"),
    ("description", "text"),
    ("status", "text"),
    ("priority", "text"),
    ("project", "text"),
    ("tags", "text[]"),
    ("due", "timestamptz"),
    ("wait", "timestamptz"),
    ("scheduled", "timestamptz"),
    ("until", "timestamptz"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
    ("completed_at", "timestamptz"),
    ("started_at", "timestamptz"),
    ("recur", "text"),
    ("rtype", "text"),
    ("occurrence", "integer"),
    ("depends", "uuid[]"),
    ("udas", "jsonb"),
    ("extra", "jsonb"),
)
NAMES = tuple(name for name, _ in COLUMNS)
JSONB = frozenset({"udas", "extra"})
# Written on insert when a record leaves them out; on update such a column is kept.
DEFAULTS = {
    "status": "'pending'",
    "tags": "'{}'",
    "depends": "'{}'",
    "udas": "'{}'",
    "extra": "'{}'",
    "created_at": "now()",
    "updated_at": "now()",
}
# Bits of import_rows.given: which columns a record carried (a partial JSON task
# changes only those). Notes are a bit of their own: they live in another table.
BITS = {name: 1 << index for index, name in enumerate((*NAMES, "notes", "parent"))}
EVERY = (1 << len(BITS)) - 1
STAGING = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
COMPARED = tuple(name for name in NAMES if name not in ("uuid", "created_at", "updated_at"))
COMMAND_PREFIX = "import"


@dataclass(frozen=True)
class Imported:
    created: int
    updated: int
    unchanged: int


async def import_records(
    session: AsyncSession,
    *,
    user: User,
    records: Sequence[Record],
    complete: bool,
    command: str,
) -> Imported:
    """Create or update (by uuid) the tasks in ``records``, checked by their codec.

    ``complete``: each record is the whole task (Taskwarrior, todo.txt), so a key it
    lacks empties that field on update; otherwise only the keys given change.
    """
    staged = await _stage(session, records, complete=complete)
    try:
        return await _apply(session, user, command, staged)
    except IntegrityError as error:
        raise ConflictError(_conflict(error)) from None


@dataclass(frozen=True)
class _Staged:
    """What the staged rows hold, so the statements that would find nothing are skipped."""

    rows: int
    parents: bool  # some record names its template
    notes: bool


async def _stage(session: AsyncSession, records: Sequence[Record], *, complete: bool) -> _Staged:
    connection = await session.connection()
    await connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE import_rows (ord integer PRIMARY KEY, {STAGING}, parent uuid,"
        " given integer NOT NULL, task_id bigint, number integer, changed boolean NOT NULL"
        " DEFAULT true) ON COMMIT DROP"
    )
    await connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE import_notes (ord integer, text text, created_at timestamptz)"
        " ON COMMIT DROP"
    )
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    rows = [_row(position, record, complete) for position, record in enumerate(records)]
    await raw.copy_records_to_table(
        "import_rows", records=rows, columns=("ord", *NAMES, "parent", "given")
    )
    notes = [
        (position, note["text"], note["created_at"])
        for position, record in enumerate(records)
        for note in record.get("notes", ())
    ]
    if notes:
        await raw.copy_records_to_table("import_notes", records=notes)
    # The plans that follow need the row count and null fractions, not fine histograms:
    # a sample of 3,000 rows instead of 30,000 takes a tenth of the time (0.5 s per 100,000).
    # SET LOCAL: for this one ANALYZE, gone with the transaction.
    await connection.exec_driver_sql("SET LOCAL default_statistics_target = 10")
    await connection.exec_driver_sql("ANALYZE import_rows")
    parents = any(record.get("parent") for record in records)
    return _Staged(rows=len(rows), parents=parents, notes=bool(notes))


def _row(position: int, record: Record, complete: bool) -> tuple[Any, ...]:
    found: dict[str, Any] = record  # type: ignore[assignment]
    values = list(map(found.get, NAMES))
    values[0] = values[0] or str(uuid_module.uuid4())  # a task without one gets one now
    for index in _JSONB_INDEXES:
        if values[index]:
            values[index] = json.dumps(values[index], ensure_ascii=False)
        else:
            values[index] = None
    given = EVERY if complete else _given(tuple(found))
    return (position, *values, found.get("parent"), given)


@functools.lru_cache(maxsize=256)
def _given(keys: tuple[str, ...]) -> int:
    # The records of one file mostly carry the same keys: summed once per key set.
    return sum(BITS[key] for key in keys if key in BITS)


_JSONB_INDEXES = tuple(NAMES.index(name) for name in JSONB)


async def _apply(session: AsyncSession, user: User, command: str, staged: _Staged) -> Imported:
    connection = await session.connection()

    async def run(sql: str, **parameters: Any) -> Any:
        return await connection.execute(text(sql), parameters)

    # Each statement skipped when the staged rows say it would find nothing: on
    # 100,000 new tasks every one of them scans or joins all the rows (~0.1-0.5 s).
    matched = (await run(_MATCH)).rowcount
    updated = 0
    if matched:
        await run(
            f"UPDATE import_rows i SET changed = {_differs()} FROM tasks WHERE tasks.id = i.task_id"
        )
        updated = (await run(_COUNT_CHANGED)).scalar_one()
    if updated:
        await run(_JOURNAL_BEFORE)
        await run(_UPDATE)
        await run(_REPLACED_NOTES)
    first, created = (await run(_INSERT, user_id=user.id)).one()
    # Drawn only now: an import that changes nothing is no change to undo.
    journaled = {"user_id": user.id, "command": command}
    if created or updated:
        journaled["change_id"] = await journal.draw_change(session)
    if created:
        await run(_JOURNAL_CREATED, **journaled, first=first, last=first + created - 1)
    if staged.parents:
        await run(_LINK_TEMPLATES)
    if staged.notes:
        await run(_NOTES, user_id=user.id)
    if updated:
        await run(_JOURNAL_UPDATED, **journaled)
    if created or updated:
        note_change(session, "undoable")
    return Imported(created=created, updated=updated, unchanged=staged.rows - created - updated)


def _new(name: str) -> str:
    default = DEFAULTS.get(name)
    return f"coalesce(i.{name}, {default})" if default else f"i.{name}"


def _set(name: str) -> str:
    """The column's value after the update: the record's when it carried it."""
    kept = "tasks.created_at" if name == "created_at" else f"tasks.{name}"
    value = f"coalesce(i.{name}, {kept})" if name == "created_at" else _new(name)
    return f"CASE WHEN i.given & {BITS[name]} <> 0 THEN {value} ELSE {kept} END"


def _differs() -> str:
    columns = ", ".join(f"tasks.{name}" for name in COMPARED)
    values = ", ".join(_set(name) for name in COMPARED)
    notes_differ = f"""(i.given & {BITS["notes"]} <> 0 AND ARRAY(
        SELECT ROW(n.text, n.created_at)::text FROM task_notes n WHERE n.task_id = tasks.id
        ORDER BY n.id) IS DISTINCT FROM ARRAY(
        SELECT ROW(m.text, coalesce(m.created_at, now()))::text FROM import_notes m
        WHERE m.ord = i.ord ORDER BY m.ctid))"""
    parent_differs = f"""(i.given & {BITS["parent"]} <> 0 AND tasks.template_id IS DISTINCT FROM
        (SELECT p.id FROM tasks p WHERE p.uuid = i.parent))"""
    return f"(({columns}) IS DISTINCT FROM ({values}) OR {notes_differ} OR {parent_differs})"


# This account's tasks with the file's uuids (row-level security hides the others).
_MATCH = "UPDATE import_rows i SET task_id = t.id FROM tasks t WHERE t.uuid = i.uuid"
_COUNT_CHANGED = "SELECT count(*) FROM import_rows WHERE task_id IS NOT NULL AND changed"
_UPDATE = f"""
UPDATE tasks SET {", ".join(f"{name} = {_set(name)}" for name in COMPARED)},
  created_at = {_set("created_at")}, updated_at = coalesce(i.updated_at, now())
FROM import_rows i WHERE tasks.id = i.task_id AND i.changed
"""
_REPLACED_NOTES = f"""
DELETE FROM task_notes n USING import_rows i
WHERE n.task_id = i.task_id AND i.changed AND i.given & {BITS["notes"]} <> 0
"""
# The new tasks in file order, numbered in the same statement: the user's counter
# moves once, under its row lock (as next_number does for one task), so the new
# numbers are one unbroken run: the journal names them by its first and last.
_INSERT = f"""
WITH fresh AS (SELECT count(*) AS n FROM import_rows WHERE task_id IS NULL),
     bump AS (UPDATE users SET last_task_number = last_task_number + fresh.n,
                               updated_at = users.updated_at
              FROM fresh WHERE users.id = :user_id AND fresh.n > 0
              RETURNING last_task_number - fresh.n AS base),
     inserted AS (
       INSERT INTO tasks (user_id, number, {", ".join(NAMES)})
       SELECT :user_id, bump.base + row_number() OVER (ORDER BY i.ord),
              {", ".join(_new(name) for name in NAMES)}
       FROM import_rows i, bump WHERE i.task_id IS NULL ORDER BY i.ord
       RETURNING number)
SELECT min(number), count(*) FROM inserted
"""
# After every task of the file is in, so a template may come after its instances.
_LINK_TEMPLATES = f"""
UPDATE tasks SET template_id = p.id
FROM import_rows i JOIN tasks p ON p.uuid = i.parent
WHERE tasks.uuid = i.uuid AND i.changed AND i.given & {BITS["parent"]} <> 0
  AND tasks.template_id IS DISTINCT FROM p.id
"""
_NOTES = f"""
INSERT INTO task_notes (task_id, user_id, text, created_at)
SELECT tasks.id, :user_id, n.text, coalesce(n.created_at, now())
FROM import_notes n JOIN import_rows i ON i.ord = n.ord JOIN tasks ON tasks.uuid = i.uuid
WHERE i.changed AND i.given & {BITS["notes"]} <> 0
ORDER BY n.ord, n.ctid
"""
# The new tasks are journaled as one entry naming their numbers (a snapshot per
# task cost more than the import itself); `todo undo` removes them by number.
# Updated tasks get the usual snapshots, the JSON contract's document as
# `todo list --json` writes it (TASK_JSON, held to TaskRead by tests/test_listing.py),
# so undo compares and restores them as any other.
_JOURNAL_CREATED = """
INSERT INTO task_journal (user_id, change_id, task_id, task_number, command, before, after)
VALUES (:user_id, :change_id, NULL, 0, :command, NULL,
        jsonb_build_object('imported', jsonb_build_object(
          'first', CAST(:first AS integer), 'last', CAST(:last AS integer))))
"""
_JOURNAL_BEFORE = f"""
CREATE TEMPORARY TABLE import_before ON COMMIT DROP AS
SELECT tasks.id, {TASK_JSON}::jsonb AS state
FROM import_rows i JOIN tasks ON tasks.id = i.task_id WHERE i.changed
"""
_JOURNAL_UPDATED = f"""
INSERT INTO task_journal (user_id, change_id, task_id, task_number, command, before, after)
SELECT :user_id, :change_id, tasks.id, tasks.number, :command, b.state, {TASK_JSON}::jsonb
FROM import_before b JOIN tasks ON tasks.id = b.id ORDER BY tasks.number
"""


async def known_uuids(session: AsyncSession, uuids: Collection[str]) -> set[str]:
    """Which of ``uuids`` name tasks this account has (row-level security hides the rest)."""
    connection = await session.connection()  # SQLModel's execute() is deprecated
    found = await connection.execute(
        text("SELECT uuid::text FROM tasks WHERE uuid = ANY(CAST(:uuids AS uuid[]))"),
        {"uuids": list(uuids)},
    )
    return set(found.scalars())


def _conflict(error: IntegrityError) -> str:
    detail = str(error.orig).splitlines()[0] if error.orig is not None else str(error)
    if "uq_tasks_uuid" in detail:
        return "a task in the file has the uuid of a task another account owns; nothing imported"
    if "template_id" in detail or "occurrence" in detail:
        return (
            "an instance in the file takes the place of another instance of its series;"
            " nothing imported"
        )
    return f"the import conflicts with the tasks already there ({detail}); nothing imported"
