"""Streamed lists (service.listing, cli.stream) against the one-task forms they replace.

`todo list` piped or as JSON is written by PostgreSQL-formatted rows; the same
tasks read as ORM objects and written by render.plain_line and TaskRead must
give the same bytes, for hostile text, notes, and every way a timestamp can look.
"""

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.support import examples
from todo_cli.cli import render, stream
from todo_cli.models import Priority, TaskCreate
from todo_cli.service import listing
from todo_cli.service.filters import Sort, StatusFilter, TaskFilter
from todo_cli.service.notes import add_note
from todo_cli.service.tasks import add_task, complete_tasks, list_tasks
from todo_cli.text import json_safe

EVERYTHING = TaskFilter(status=StatusFilter.ALL, sort=Sort.ID)
HOSTILE = '\x1b]0;owned\x07 \x9b2J \u2028 tab\there\nline \x7f "quoted" \\ é 🦀'


async def streamed(session, user, where, *, json: bool) -> bytes:
    out = io.BytesIO()
    if json:
        await stream.write_json_array(
            lambda sink: listing.copy_documents(
                session, user=user, where=where, column=listing.TASK_JSON, sink=sink
            ),
            out,
        )
    else:
        rows = listing.stream_rows(session, user=user, where=where, columns=listing.PLAIN_COLUMNS)
        await stream.write_plain_lines(rows, out)
    return out.getvalue()


async def rendered(session, user, where, *, json: bool) -> bytes:
    session.expunge_all()  # read back what the database holds, as a new command would
    tasks = await list_tasks(session, user=user, where=where)
    if json:
        return json_safe(render.tasks_as_json(tasks)) + b"\n"
    return "".join(render.plain_line(task) + "\n" for task in tasks).encode()


async def assert_same(session, user, where=EVERYTHING) -> None:
    for json in (True, False):
        assert await streamed(session, user, where, json=json) == await rendered(
            session, user, where, json=json
        )


async def sql(session, statement: str, **params):
    """Raw SQL on the session's connection, as any other client could send it."""
    return await (await session.connection()).execute(text(statement), params)


async def write_as_another_client(session, number: int, **columns) -> None:
    """What todo's own validation would refuse, written by SQL as any client can."""
    assignments = ", ".join(f"{name} = :{name}" for name in columns)
    await sql(
        session, f"UPDATE tasks SET {assignments} WHERE number = :number", **columns, number=number
    )


async def test_an_empty_list_is_an_empty_array_and_no_lines(session, user):
    assert await streamed(session, user, EVERYTHING, json=True) == b"[]\n"
    assert await streamed(session, user, EVERYTHING, json=False) == b""


async def test_every_field_matches_the_one_task_forms(session, user):
    due = datetime(2026, 12, 1, 17, 30, 5, 120000, tzinfo=timezone(timedelta(hours=-5)))
    full = await add_task(
        session,
        user=user,
        task=TaskCreate(
            title="Call the bank",
            description="ask about\nthe fee",
            priority=Priority.HIGH,
            due=due,
            tags=["phone", "money"],
            project="home.finance",
        ),
    )
    await add_task(session, user=user, task=TaskCreate(title="Bare"))
    await add_note(session, user=user, number=full.number, text="first note")
    await add_note(session, user=user, number=full.number, text="second note")
    await complete_tasks(session, user=user, numbers=[2])
    await assert_same(session, user)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),  # no fraction at all
        datetime(2026, 1, 2, 3, 4, 5, 500000, tzinfo=UTC),  # trailing zeros
        datetime(2026, 1, 2, 3, 4, 5, 1, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=13))),
        datetime(2, 1, 1, 0, 0, tzinfo=UTC),  # a four-digit year with leading zeros
    ],
)
async def test_timestamps_are_written_as_taskread_writes_them(session, user, moment):
    await add_task(session, user=user, task=TaskCreate(title="When"))
    await write_as_another_client(
        session, 1, due=moment, created_at=moment, updated_at=moment, started_at=moment
    )
    await assert_same(session, user)


async def test_hostile_text_from_another_client_is_escaped_the_same_way(session, user):
    task = await add_task(session, user=user, task=TaskCreate(title="Plain", tags=["a"]))
    await add_note(session, user=user, number=task.number, text="note")
    await write_as_another_client(
        session, 1, title=HOSTILE, description=HOSTILE, project=HOSTILE, tags=[HOSTILE, "b"]
    )
    await sql(session, "UPDATE task_notes SET text = :text", text=HOSTILE)
    await assert_same(session, user)
    lines = await streamed(session, user, EVERYTHING, json=False)
    assert lines.count(b"\n") == 1
    assert not set(lines.decode()[:-1]) & {"\x1b", "\x07", "\x9b", "\u2028", "\x7f", "\n"}


async def test_many_batches_make_one_document_in_order(session, user, monkeypatch):
    monkeypatch.setattr(listing, "BATCH_ROWS", 3)
    for number in range(1, 11):
        await add_task(session, user=user, task=TaskCreate(title=f"Task {number}"))
    await assert_same(session, user)
    where = TaskFilter(sort=Sort.ID, limit=7)
    await assert_same(session, user, where)
    lines = (await streamed(session, user, where, json=False)).decode().splitlines()
    assert [line.split("\t")[0] for line in lines] == [str(n) for n in range(1, 8)]


# Any text PostgreSQL can store (no NUL; no lone surrogate, which UTF-8 cannot hold).
STORABLE = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)))


@settings(
    max_examples=examples(20),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(title=STORABLE.filter(bool), project=STORABLE, tag=STORABLE.filter(bool))
async def test_any_stored_text_streams_as_the_one_task_forms(session, user, title, project, tag):
    await sql(session, "DELETE FROM tasks")
    await add_task(session, user=user, task=TaskCreate(title="placeholder"))
    number = (await sql(session, "SELECT max(number) FROM tasks")).scalar_one()
    await write_as_another_client(
        session, number, title=title, description=title, project=project or None, tags=[tag]
    )
    await assert_same(session, user)


async def test_series_fields_match_the_one_task_forms(session, user):
    from todo_cli.models import RecurrenceType
    from todo_cli.service.housekeeping import catch_up
    from todo_cli.settings import Settings

    due = datetime(2027, 1, 31, 9, tzinfo=UTC)
    series = TaskCreate(title="Pay rent", due=due, recur="monthly")
    await add_task(session, user=user, task=series, rtype=RecurrenceType.CHAINED)
    await catch_up(session, user=user, settings=Settings(recurrence_limit=1))
    await assert_same(session, user)
    document = await streamed(session, user, EVERYTHING, json=True)
    assert b'"rtype":"chained","template":null}' in document
    assert b'"rtype":null,"template":1}' in document
