"""The migration lock outlives the commits inside one run (todo_cli/db/migration_lock.py).

Migration 0005 commits its ALTER, builds indexes CONCURRENTLY outside any
transaction, then commits the rest with the version. A second run that came in
between would read the old revision and migrate again; it must instead wait for
the whole first run and find nothing to do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg

from tests.conftest import admin_dsn, engine_for
from todo_cli.db import migrations

BEFORE_INDEXES = "0004"  # the revision below the one that builds indexes concurrently
# CREATE INDEX CONCURRENTLY waiting for an older snapshot's transaction to end.
BUILD_WAITING = "SELECT count(*) FROM pg_locks WHERE locktype = 'virtualxid' AND NOT granted"
# Backends that have tried the migration lock (the holder's last statement is its
# try; a refused waiter's is the try or its ROLLBACK).
TRIED = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid()"
    " AND (query LIKE '%pg_try_advisory_xact_lock%' OR query = 'ROLLBACK')"
)


async def until(connection: asyncpg.Connection, count_sql: str, at_least: int) -> None:
    """Poll a count (no fixed sleep) until it reaches ``at_least``; bounded by the test's
    own timeout."""
    async with asyncio.timeout(60):
        while await connection.fetchval(count_sql) < at_least:
            await asyncio.sleep(0.02)


def upgrade_to_head(url: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        engine = engine_for(url)
        try:
            await migrations.upgrade(engine, "head")
        finally:
            await engine.dispose()

    return run


async def revision(connection: asyncpg.Connection) -> str:
    return str(await connection.fetchval("SELECT version_num FROM alembic_version"))


async def test_a_second_run_waits_for_the_first_across_its_commits(empty_database_url):
    engine = engine_for(empty_database_url)
    try:
        await migrations.upgrade(engine, BEFORE_INDEXES)
    finally:
        await engine.dispose()
    watcher = await asyncpg.connect(admin_dsn(empty_database_url))
    blocker = await asyncpg.connect(admin_dsn(empty_database_url))
    try:
        # An older snapshot: the first run's index build waits for it, with its ALTER
        # already committed and the version still at 0004.
        await blocker.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1")
        first = asyncio.create_task(upgrade_to_head(empty_database_url)())
        await until(watcher, BUILD_WAITING, 1)
        assert await revision(watcher) == BEFORE_INDEXES
        second = asyncio.create_task(upgrade_to_head(empty_database_url)())
        await until(watcher, TRIED, 2)  # the first run's holder, and the second trying
        await blocker.execute("COMMIT")
        # Had the second one got in, it would have found 0004 and altered tasks again,
        # waiting behind the index build until its lock_timeout failed it.
        await asyncio.gather(first, second)
        assert await revision(watcher) == migrations.HEAD_REVISION
        assert await watcher.fetchval("SELECT count(*) FROM pg_index WHERE NOT indisvalid") == 0
    finally:
        await blocker.close()
        await watcher.close()
