"""Tables and database-set timestamps (todo_cli/models.py) on a real server."""

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from todo_cli.db.engine import session_scope
from todo_cli.models import Task, User


async def insert_task(session) -> Task:
    user = User(email="owner@example.com")
    session.add(user)
    await session.flush()
    task = Task(user_id=user.id, number=1, title="Water the plants")
    session.add(task)
    await session.flush()
    return task


async def new_task(engine) -> Task:
    """A task committed in a transaction of its own (``now()`` differs in the next one)."""
    async with session_scope(engine) as session:
        return await insert_task(session)


async def read_timestamps(session, task_id: int):
    row = await session.exec(select(Task.created_at, Task.updated_at).where(Task.id == task_id))
    return row.one()


async def stored_timestamps(engine, task_id: int):
    async with session_scope(engine) as session:
        return await read_timestamps(session, task_id)


async def test_created_at_is_set_on_insert(session):
    task = await insert_task(session)
    assert task.created_at is not None
    assert task.created_at.tzinfo is not None


async def test_created_and_updated_match_after_insert(session):
    task = await insert_task(session)
    assert task.updated_at == task.created_at
    assert await read_timestamps(session, task.id) == (task.created_at, task.created_at)


async def test_orm_update_moves_updated_at(engine):
    task = await new_task(engine)
    async with session_scope(engine) as session:
        loaded = await session.get(Task, task.id)
        loaded.title = "Water the garden"
    # Read outside the session: must not need a lazy load (MissingGreenlet).
    assert loaded.updated_at > task.created_at
    assert loaded.created_at == task.created_at
    assert await stored_timestamps(engine, task.id) == (task.created_at, loaded.updated_at)


async def test_core_update_moves_updated_at(engine):
    task = await new_task(engine)
    async with session_scope(engine) as session:
        await session.exec(update(Task).where(Task.id == task.id).values(title="Core"))
    created, updated = await stored_timestamps(engine, task.id)
    assert created == task.created_at
    assert updated > task.created_at


async def test_user_timestamps_are_set_on_insert(session):
    user = User(email="who@example.com")
    session.add(user)
    await session.flush()
    assert user.created_at is not None
    assert user.updated_at == user.created_at


TIMESTAMP_COLUMNS = {
    "tasks.created_at",
    "tasks.updated_at",
    "tasks.completed_at",
    "tasks.due",
    "users.created_at",
    "users.updated_at",
}


async def test_timestamps_are_timestamptz(session):
    query = text(
        "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name IN ('tasks', 'users')"
    )
    connection = await session.connection()
    types = dict((await connection.execute(query)).all())
    assert types["tasks.updated_at"] == "timestamp with time zone"
    assert {column: types[column] for column in TIMESTAMP_COLUMNS} == dict.fromkeys(
        TIMESTAMP_COLUMNS, "timestamp with time zone"
    )


async def add_user(session, email: str) -> None:
    session.add(User(email=email))
    await session.flush()


async def test_email_is_unique_ignoring_case(session):
    await add_user(session, "Alex@Example.com")
    with pytest.raises(IntegrityError, match="ux_users_email_lower"):
        await add_user(session, "alex@example.COM")
