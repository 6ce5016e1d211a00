"""Every task of the user, as a document per row, from a server-side cursor.

PostgreSQL writes each task's document (Taskwarrior's JSON, todo's JSON contract)
so Python only copies bytes to the output; rows come ``listing.BATCH_ROWS`` at a
time, so memory stays flat at any number of tasks. A format whose lines Python
writes (todo.txt) reads ``RECORD_COLUMNS`` and gets Records.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import String, literal_column, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.interchange.records import Record
from todo_cli.models import Task, User
from todo_cli.service.listing import BATCH_ROWS, TASK_JSON


def _taskwarrior_date(column: str) -> str:
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"')"""


# A task as `task export` 2.6 writes it: its fields, its UDAs and whatever its own
# import carried that todo does not act on (extra.taskwarrior), absent keys left out.
# json_strip_nulls writes compact JSON; jsonb (to merge UDAs and extras) is only
# paid for by the tasks that have some.
TASKWARRIOR_JSON = literal_column(
    f"""(SELECT CASE WHEN tasks.udas = '{{}}' AND NOT tasks.extra ? 'taskwarrior' THEN doc::text
    ELSE (doc::jsonb || tasks.udas || coalesce(tasks.extra -> 'taskwarrior', '{{}}'))::text END
    FROM (SELECT json_strip_nulls(json_build_object(
    'uuid', tasks.uuid, 'description', tasks.title,
    'status', CASE tasks.status WHEN 'done' THEN 'completed' ELSE tasks.status END,
    'entry', {_taskwarrior_date("tasks.created_at")},
    'modified', {_taskwarrior_date("tasks.updated_at")},
    'end', {_taskwarrior_date("tasks.completed_at")},
    'start', {_taskwarrior_date("tasks.started_at")},
    'due', {_taskwarrior_date("tasks.due")}, 'wait', {_taskwarrior_date("tasks.wait")},
    'scheduled', {_taskwarrior_date("tasks.scheduled")},
    'until', {_taskwarrior_date("tasks.until")},
    'priority', CASE tasks.priority WHEN 'high' THEN 'H' WHEN 'medium' THEN 'M'
                WHEN 'low' THEN 'L' END,
    'project', tasks.project,
    'tags', CASE WHEN cardinality(tasks.tags) > 0 THEN tasks.tags END,
    'depends', CASE WHEN cardinality(tasks.depends) > 0 THEN tasks.depends END,
    'annotations', (SELECT json_agg(json_build_object(
                      'entry', {_taskwarrior_date("note.created_at")},
                      'description', note.text) ORDER BY note.id)
                    FROM task_notes AS note WHERE note.task_id = tasks.id),
    'recur', tasks.recur, 'rtype', tasks.rtype,
    'parent', CASE WHEN tasks.template_id IS NOT NULL THEN
              (SELECT template.uuid FROM tasks AS template WHERE template.id = tasks.template_id)
              END,
    'imask', CASE WHEN tasks.template_id IS NOT NULL THEN tasks.occurrence END
    )) AS doc) AS built)""",
    String,
)
# The JSON contract's document and what only an import needs to give the task back
# whole: its place in a series and what another tool's import carried.
TODO_JSON = literal_column(
    f"""concat(left({TASK_JSON}, -1), ',"occurrence":', coalesce(tasks.occurrence::text, 'null'),
    ',"extra":', tasks.extra::text, '}}')""",
    String,
)
RECORD_COLUMNS: tuple[Any, ...] = (
    col(Task.number),
    col(Task.uuid),
    col(Task.title),
    col(Task.description),
    col(Task.status),
    col(Task.priority),
    col(Task.project),
    col(Task.tags),
    col(Task.due),
    col(Task.wait),
    col(Task.scheduled),
    col(Task.until),
    col(Task.created_at),
    col(Task.updated_at),
    col(Task.completed_at),
    col(Task.started_at),
    col(Task.recur),
    col(Task.rtype),
    literal_column(
        "(SELECT template.uuid FROM tasks AS template WHERE template.id = tasks.template_id)"
    ),
    col(Task.occurrence),
    col(Task.depends),
    col(Task.udas),
    literal_column(
        "(SELECT coalesce(jsonb_agg(jsonb_build_object('text', note.text, 'created_at',"
        " note.created_at) ORDER BY note.id), '[]') FROM task_notes AS note"
        " WHERE note.task_id = tasks.id)"
    ),
    col(Task.extra),
)
RECORD_KEYS = (
    "number", "uuid", "title", "description", "status", "priority", "project", "tags", "due",
    "wait", "scheduled", "until", "created_at", "updated_at", "completed_at", "started_at",
    "recur", "rtype", "parent", "occurrence", "depends", "udas", "notes", "extra",
)  # fmt: skip


async def stream_documents(
    session: AsyncSession, *, user: User, columns: Sequence[Any]
) -> AsyncIterator[Sequence[Any]]:
    """All of the user's tasks, any status, by short id, as ``columns``, in batches."""
    statement = select(*columns).where(col(Task.user_id) == user.id).order_by(col(Task.number))
    result = await session.stream(statement.execution_options(yield_per=BATCH_ROWS))
    async for batch in result.partitions():
        yield batch


async def stream_records(session: AsyncSession, *, user: User) -> AsyncIterator[list[Record]]:
    """The tasks as Records (every key), for the formats Python writes."""
    from datetime import datetime

    async for batch in stream_documents(session, user=user, columns=RECORD_COLUMNS):
        records: list[Record] = []
        for row in batch:
            record: dict[str, Any] = dict(zip(RECORD_KEYS, row, strict=True))
            record["uuid"] = str(record["uuid"])
            record["parent"] = None if record["parent"] is None else str(record["parent"])
            record["depends"] = [str(uuid) for uuid in record["depends"]]
            record["notes"] = [
                {"text": note["text"], "created_at": datetime.fromisoformat(note["created_at"])}
                for note in record["notes"]
            ]
            records.append(record)  # type: ignore[arg-type]
        yield records
