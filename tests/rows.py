"""Rows written straight into the test database with SQL, as another client would.

A shared database has other writers: these tests put there what `todo` itself
would refuse, to check that output survives it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url


def sql(database_url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    """Run one statement on the test database; its rows."""

    async def run() -> list[asyncpg.Record]:
        dsn = make_url(database_url).set(drivername="postgresql")
        connection = await asyncpg.connect(dsn.render_as_string(hide_password=False))
        try:
            return await connection.fetch(query, *args)
        finally:
            await connection.close()

    return asyncio.run(run())


INSERT_TASK = """
WITH owner AS (
    UPDATE users SET last_task_number = last_task_number + 1
    WHERE id = (SELECT local_user_id FROM todo_auth)
    RETURNING id, last_task_number
)
INSERT INTO tasks (user_id, number, title, description, tags, project, status)
SELECT id, last_task_number, $1, $2, $3, $4, $5 FROM owner
RETURNING number
"""


def insert_task(
    database_url: str,
    title: str,
    *,
    description: str | None = None,
    tags: Sequence[str] = (),
    project: str | None = None,
    status: str = "pending",
) -> int:
    """A task of the local user, as another client wrote it; its short number."""
    args = (title, description, list(tags), project, status)
    [row] = sql(database_url, INSERT_TASK, *args)
    return int(row["number"])


def snapshot(database_url: str) -> list[tuple[Any, ...]]:
    """Every task row, every column, in a stable order."""
    return [tuple(row) for row in sql(database_url, "SELECT * FROM tasks ORDER BY id")]


INSERT_DATED_TASK = """
WITH owner AS (
    UPDATE users SET last_task_number = last_task_number + 1
    WHERE id = (SELECT local_user_id FROM todo_auth)
    RETURNING id, last_task_number
)
INSERT INTO tasks (user_id, number, title, status, project, due, created_at, updated_at,
                   completed_at, started_at)
SELECT id, last_task_number, $1, $2, $3, $4, $5::timestamptz,
       coalesce($6::timestamptz, $5::timestamptz), $7, $8
  FROM owner
RETURNING number
"""


def insert_dated_task(
    database_url: str,
    title: str,
    *,
    created: datetime,
    status: str = "pending",
    project: str | None = None,
    due: datetime | None = None,
    updated: datetime | None = None,
    completed: datetime | None = None,
    started: datetime | None = None,
) -> int:
    """A task of the local user with the timestamps given (the reports count by them)."""
    args = (title, status, project, due, created, updated, completed, started)
    [row] = sql(database_url, INSERT_DATED_TASK, *args)
    return int(row["number"])
