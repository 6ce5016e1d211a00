"""Lists that stream: plain columns from a server-side cursor, a batch at a time.

`todo list` piped or as JSON never builds ORM objects: PostgreSQL formats what
it can (the fixed columns of a plain line, the whole JSON document of a task)
and the rows arrive in batches of ``BATCH_ROWS``, so memory stays flat however
long the list is. The table on a terminal still reads ``Task`` objects: it has
to see every row to fit its columns anyway.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, func, literal_column
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.models import Task, User
from todo_cli.service import copying, term_filters
from todo_cli.service.filters import TaskFilter
from todo_cli.service.tasks import list_statement

# Large enough that round trips do not show, small enough that a batch is a few
# hundred KiB of JSON.
BATCH_ROWS = 2000


def _utc_iso(column: str, *, fraction: bool = True) -> str:
    """SQL writing a timestamptz as Python's ``astimezone(UTC).isoformat()`` does.

    Microseconds appear only when there are some; ``fraction=False`` cuts them as
    ``isoformat(timespec="seconds")`` does. NULL stays NULL.
    """
    pattern = 'YYYY-MM-DD"T"HH24:MI:SS.US+00:00' if fraction else 'YYYY-MM-DD"T"HH24:MI:SS+00:00'
    formatted = f"to_char({column} AT TIME ZONE 'UTC', '{pattern}')"
    return f"replace({formatted}, '.000000+', '+')" if fraction else formatted


# Each key of a task's JSON (models.TaskRead) and the SQL that writes its value as
# TaskRead does, in the contract's order.
TASK_KEYS_SQL: dict[str, str] = {
    "id": "tasks.number",
    "uuid": "tasks.uuid",
    "title": "tasks.title",
    "description": "tasks.description",
    "status": "tasks.status",
    "priority": "tasks.priority",
    "due": _utc_iso("tasks.due"),
    "tags": "tasks.tags",
    "project": "tasks.project",
    "created_at": _utc_iso("tasks.created_at"),
    "updated_at": _utc_iso("tasks.updated_at"),
    "completed_at": _utc_iso("tasks.completed_at"),
    "started_at": _utc_iso("tasks.started_at"),
    "notes": f"""array_to_json(ARRAY(
        SELECT row_to_json(note) FROM task_notes
        CROSS JOIN LATERAL (SELECT task_notes.text,
                            {_utc_iso("task_notes.created_at")} AS created_at) AS note
        WHERE task_notes.task_id = tasks.id ORDER BY task_notes.id
    ))""",
    "wait": _utc_iso("tasks.wait"),
    "scheduled": _utc_iso("tasks.scheduled"),
    "until": _utc_iso("tasks.until"),
    "recur": "tasks.recur",
    "udas": "json_strip_nulls(tasks.udas::json)",
    "depends": """CASE WHEN cardinality(tasks.depends) = 0 THEN '{}'::integer[]
    ELSE ARRAY(SELECT dependency.number FROM tasks AS dependency
               WHERE dependency.user_id = tasks.user_id AND dependency.uuid = ANY(tasks.depends)
               ORDER BY dependency.number) END""",
    "rtype": "tasks.rtype",
    "template": """(SELECT template.number FROM tasks AS template
    WHERE template.id = tasks.template_id)""",
}


def task_json(keys: Sequence[str] | None = None) -> ColumnElement[str]:
    """One task as the JSON contract writes it, byte for byte: ``keys`` in that order
    (every key, in the contract's order, by default), compact.

    row_to_json of a sub-select is the only compact JSON builder PostgreSQL has
    (json_build_object and json_agg add spaces; json_strip_nulls re-writes a jsonb
    compactly, and udas never hold a null). tests/test_listing.py holds this to
    TaskRead's own output.
    """
    chosen = TASK_KEYS_SQL if keys is None else keys
    columns = ", ".join(f'{TASK_KEYS_SQL[key]} AS "{key}"' for key in chosen)
    return literal_column(
        f"(SELECT row_to_json(task)::text FROM (SELECT {columns}) AS task)", String
    )


TASK_JSON = task_json()

# The columns of a plain line (render.plain_line) that hold no free text: an id,
# a status and a priority (both checked by the table), a due moment. PostgreSQL
# joins them; the free text (project, tags, title) comes apart, to be escaped.
PLAIN_PREFIX: ColumnElement[str] = literal_column(
    f"""concat_ws(E'\\t', tasks.number, tasks.status, coalesce(tasks.priority, '-'),
    coalesce({_utc_iso("tasks.due", fraction=False)}, '-'))""",
    String,
)
PLAIN_COLUMNS: tuple[Any, ...] = (  # SQLModel types its columns as Mapped, not ColumnElement
    PLAIN_PREFIX,
    col(Task.project),
    func.array_to_string(col(Task.tags), ","),
    col(Task.title),
)


async def copy_documents(
    session: AsyncSession, *, user: User, where: TaskFilter, column: Any, sink: copying.Sink
) -> None:
    """The tasks `list_tasks` would find, in its order: ``column`` (a document) as lines."""
    await term_filters.check_patterns(session, where)
    await copying.copy_lines(session, list_statement(user, where, column), sink)


async def stream_rows(
    session: AsyncSession,
    *,
    user: User,
    where: TaskFilter,
    columns: Sequence[Any],
) -> AsyncIterator[Sequence[Any]]:
    """The rows `list_tasks` would find, as ``columns``, in batches from a server-side cursor."""
    await term_filters.check_patterns(session, where)
    statement = list_statement(user, where, *columns)
    result = await session.stream(statement.execution_options(yield_per=BATCH_ROWS))
    async for batch in result.partitions():
        yield batch
