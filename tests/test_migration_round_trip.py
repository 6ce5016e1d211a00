"""Every revision comes off and back on over a populated database, every row unchanged.

Seeded at head (tests/populated.py: 10,000 tasks of three users, notes, journal
rows, accounts and sessions), then, from the head down: checksums of every
table column and sequence, one step down, one step up, checksums again, and
one step down to the next revision. What a revision itself made (its tables,
columns, sequences) goes with its downgrade, by design (`todo db downgrade`
says data may be lost); everything the revision below also holds must come
back exactly, and so must the set of tables, columns and sequences.
"""

from __future__ import annotations

from itertools import pairwise

import asyncpg

from tests.conftest import admin_dsn, engine_for
from tests.populated import checksums, seed
from todo_cli.db import migrations
from todo_cli.db.admin import Ladder

TASKS = 10_000


def shared(content: dict[str, str], kept: dict[str, str]) -> dict[str, str]:
    """``content`` restricted to what the revision below holds too."""
    return {name: value for name, value in content.items() if name in kept}


async def test_every_revision_round_trips_over_ten_thousand_tasks(empty_database_url):
    engine = engine_for(empty_database_url)
    connection = await asyncpg.connect(admin_dsn(empty_database_url))
    try:
        await migrations.upgrade(engine, "head")
        await seed(connection, TASKS)
        assert await connection.fetchval("SELECT count(*) FROM tasks") == TASKS
        steps = Ladder.load().steps
        for below, revision in reversed(list(pairwise(steps))):
            before = await checksums(connection)
            await migrations.downgrade(engine, below or "base")
            lowered = await checksums(connection)
            await migrations.upgrade(engine, str(revision))
            after = await checksums(connection)
            assert after.keys() == before.keys(), revision
            assert shared(before, lowered) == lowered, revision
            assert shared(after, lowered) == lowered, revision
            await migrations.downgrade(engine, below or "base")
    finally:
        await connection.close()
        await engine.dispose()


async def test_the_seed_fills_every_table_it_names(empty_database_url):
    """The round trip would prove little over empty tables: the seed's tables hold rows."""
    engine = engine_for(empty_database_url)
    connection = await asyncpg.connect(admin_dsn(empty_database_url))
    try:
        await migrations.upgrade(engine, "head")
        await seed(connection, 100)
        content = await checksums(connection)
    finally:
        await connection.close()
        await engine.dispose()
    counts = {name: int(value) for name, value in content.items() if name.endswith(" rows")}
    filled = {"users", "tasks", "task_notes", "task_journal", "user_credentials", "user_sessions"}
    assert all(counts[f"{table} rows"] > 0 for table in filled), counts
    assert counts["tasks rows"] == 100
    assert counts["task_journal rows"] == 200
