"""Every task of the user, as a document per row, streamed.

PostgreSQL writes each task's document (Taskwarrior's JSON, todo's JSON contract)
and sends them as one COPY stream (service.copying), so Python only copies bytes
to the output and memory stays flat at any number of tasks. A format whose lines
Python writes (todo.txt) reads ``RECORD_COLUMNS`` from a server-side cursor,
``listing.BATCH_ROWS`` at a time, and gets Records.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Select, String, literal_column, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.interchange import taskwarrior
from todo_cli.interchange.records import Record
from todo_cli.models import Task, User
from todo_cli.service import copying
from todo_cli.service.listing import BATCH_ROWS, TASK_JSON


def _taskwarrior_date(column: str) -> str:
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"')"""


def _member(key: str, value: str) -> str:
    """``,"key":value`` (``value``: SQL writing JSON), or NULL when the value is NULL:
    concat leaves it out."""
    return f"""',"{key}":' || {value}"""


def _plain_member(key: str, text: str) -> str:
    """A member whose string needs no escaping (a date, a uuid, a letter)."""
    return _member(key, f"""'"' || {text} || '"'""")


def _date_member(key: str, column: str) -> str:
    return _plain_member(key, _taskwarrior_date(column))


_ANNOTATIONS = f"""'[' || (SELECT string_agg(concat(
    '{{"entry":"', {_taskwarrior_date("note.created_at")}, '","description":', to_json(note.text),
    '}}'), ',' ORDER BY note.id) FROM task_notes AS note WHERE note.task_id = tasks.id) || ']'"""
_PARENT = "(SELECT template.uuid FROM tasks AS template WHERE template.id = tasks.template_id)"
_PRIORITY = (
    "CASE tasks.priority WHEN 'high' THEN 'H' WHEN 'medium' THEN 'M' WHEN 'low' THEN 'L' END"
)

# A task as `task export` 2.6 writes it: its fields, its UDAs and whatever its own
# import carried that todo does not act on (extra.taskwarrior), absent keys left out;
# todo's description under a key of its own (interchange.taskwarrior says why).
# Written as text, member by member, compact (as json_strip_nulls writes; to_json
# escapes a string as json_build_object does): twice as fast on the server as
# building a json value and stripping its nulls. jsonb (to merge UDAs and extras)
# is only paid for by the tasks that have some.
TASKWARRIOR_JSON = literal_column(
    f"""(SELECT CASE WHEN tasks.udas = '{{}}' AND NOT tasks.extra ? 'taskwarrior' THEN doc
    ELSE (doc::jsonb || tasks.udas || coalesce(tasks.extra -> 'taskwarrior', '{{}}'))::text END
    FROM (SELECT concat(
    '{{"uuid":"', tasks.uuid, '","description":', to_json(tasks.title),
    {_member(taskwarrior.DESCRIPTION, "to_json(tasks.description)")},
    ',"status":"', CASE tasks.status WHEN 'done' THEN 'completed' ELSE tasks.status END, '"',
    {_date_member("entry", "tasks.created_at")}, {_date_member("modified", "tasks.updated_at")},
    {_date_member("end", "tasks.completed_at")}, {_date_member("start", "tasks.started_at")},
    {_date_member("due", "tasks.due")}, {_date_member("wait", "tasks.wait")},
    {_date_member("scheduled", "tasks.scheduled")}, {_date_member("until", "tasks.until")},
    {_plain_member("priority", _PRIORITY)}, {_member("project", "to_json(tasks.project)")},
    CASE WHEN cardinality(tasks.tags) > 0 THEN {_member("tags", "array_to_json(tasks.tags)")} END,
    CASE WHEN cardinality(tasks.depends) > 0
         THEN {_member("depends", "array_to_json(tasks.depends)")} END,
    {_member("annotations", _ANNOTATIONS)},
    {_member("recur", "to_json(tasks.recur)")}, {_member("rtype", "to_json(tasks.rtype)")},
    CASE WHEN tasks.template_id IS NOT NULL THEN {_plain_member("parent", _PARENT)} END,
    CASE WHEN tasks.template_id IS NOT NULL THEN {_member("imask", "tasks.occurrence")} END,
    '}}') AS doc) AS built)""",
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
    statement = _every_task(user, *columns)
    result = await session.stream(statement.execution_options(yield_per=BATCH_ROWS))
    async for batch in result.partitions():
        yield batch


async def copy_documents(
    session: AsyncSession, *, user: User, column: Any, sink: copying.Sink
) -> None:
    """All of the user's tasks, any status, by short id: ``column`` (a document) as lines."""
    await copying.copy_lines(session, _every_task(user, column), sink)


def _every_task(user: User, *columns: Any) -> Select[Any]:
    """What an export reads: every task of the user, any status, by short id."""
    return select(*columns).where(col(Task.user_id) == user.id).order_by(col(Task.number))


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
