"""A database full of rows for migration tests and benchmarks, and checksums of its content.

``seed`` fills a database at head: three users (the local one and two accounts
with credentials and sessions), ``tasks`` tasks loaded by COPY (awkward text:
quotes, backslashes, ``%``, newlines, non-ASCII; every status and priority,
tags, projects, due and start times), a note for every fourth task and two
journal rows for each. Only columns that 0001 and 0002 made are written, so a
later revision's columns take their defaults.

``checksums`` reads every table and column of the current schema (whatever the
revisions made: nothing here lists them), and every sequence's position.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import asyncpg

from todo_cli.db.policies import quote

TASK_COLUMNS = (
    "user_id",
    "number",
    "title",
    "description",
    "status",
    "priority",
    "due",
    "tags",
    "project",
    "created_at",
    "updated_at",
    "completed_at",
    "started_at",
)
STATUSES = ("pending", "pending", "done", "deleted")
PRIORITIES = ("low", "medium", "high", None)
PROJECTS = (None, "home.garden", "work", "100%.done")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
ACCOUNTS = ("ann@example.com", "bob@example.com")

ACCOUNTS_SQL = """
INSERT INTO users (email) SELECT unnest($1::text[]);
"""
CREDENTIALS_SQL = """
INSERT INTO user_credentials (user_id, email, salt, time_cost, memory_kib, parallelism, verifier)
SELECT id, lower(email), sha256(convert_to(email, 'UTF8')), 2, 19456, 1,
       sha256(convert_to('verifier ' || email, 'UTF8'))
  FROM users WHERE email = ANY($1::text[])
"""
SESSIONS_SQL = """
INSERT INTO user_sessions (user_id, token_hash, expires_at, revoked_at)
SELECT u.id, sha256(convert_to(u.email || n, 'UTF8')), $2::timestamptz + n * interval '1 day',
       CASE WHEN n = 1 THEN $2::timestamptz END
  FROM users u CROSS JOIN generate_series(1, 2) AS n
 WHERE u.email = ANY($1::text[])
"""
NOTES_SQL = """
INSERT INTO task_notes (task_id, user_id, text, created_at)
SELECT id, user_id, E'note on ' || number || E':\\n100% \\\\ ''sure''', created_at
  FROM tasks WHERE number % 4 = 0
"""
JOURNAL_SQL = """
INSERT INTO task_journal (user_id, change_id, task_id, task_number, command, before, after,
                          changed_at, undone_at)
SELECT t.user_id, nextval('task_journal_change_id_seq'), t.id, t.number, kind.command,
       CASE WHEN kind.command = 'edit' THEN jsonb_build_object('title', 'old ' || t.title) END,
       jsonb_build_object('title', t.title, 'tags', to_jsonb(t.tags), 'status', t.status),
       t.created_at + kind.later, CASE WHEN t.number % 10 = 0 THEN t.updated_at END
  FROM tasks t
 CROSS JOIN (VALUES ('add', interval '0'), ('edit', interval '1 hour')) AS kind(command, later)
 ORDER BY t.id, kind.later
"""
COUNTERS_SQL = """
UPDATE users u SET last_task_number = counted.last
  FROM (SELECT user_id, max(number) AS last FROM tasks GROUP BY user_id) counted
 WHERE counted.user_id = u.id
"""


async def seed(connection: asyncpg.Connection, tasks: int) -> None:
    """Fill a database at head (see the module's docstring); one transaction."""
    async with connection.transaction():
        await connection.execute(ACCOUNTS_SQL, list(ACCOUNTS))
        await connection.execute(CREDENTIALS_SQL, list(ACCOUNTS))
        await connection.execute(SESSIONS_SQL, list(ACCOUNTS), EPOCH)
        owners = await connection.fetch("SELECT id FROM users ORDER BY id")
        records = task_records([owner["id"] for owner in owners], tasks)
        await connection.copy_records_to_table("tasks", records=records, columns=TASK_COLUMNS)
        for statement in (NOTES_SQL, JOURNAL_SQL, COUNTERS_SQL):
            await connection.execute(statement)


def task_records(owners: list[int], count: int) -> Iterator[tuple[object, ...]]:
    """``count`` tasks dealt round the ``owners``, numbered 1.. per owner."""
    for index in range(count):
        owner, number = owners[index % len(owners)], index // len(owners) + 1
        yield (owner, number, *task_content(index))


def task_content(n: int) -> tuple[object, ...]:
    created = EPOCH + timedelta(minutes=n)
    status = STATUSES[n % len(STATUSES)]
    return (
        f"Task {n}: it's 100% \\done\\ — café ✓",
        None if n % 3 else f"line one of {n}\nline two\twith a tab",
        status,
        PRIORITIES[n % len(PRIORITIES)],
        None if n % 2 else created + timedelta(days=n % 40 - 10),
        ["errand", f"t{n % 7}"] if n % 5 else [],
        PROJECTS[n % len(PROJECTS)],
        created,
        created + timedelta(seconds=n % 90),
        created + timedelta(hours=1) if status == "done" else None,
        created + timedelta(minutes=5) if n % 11 == 0 else None,
    )


COLUMNS_SQL = """
SELECT c.relname AS table_name, a.attname AS column_name,
       (SELECT array_agg(k.attname ORDER BY k.attnum) FROM pg_index i
          JOIN pg_attribute k ON k.attrelid = i.indrelid AND k.attnum = ANY(i.indkey)
         WHERE i.indrelid = c.oid AND i.indisprimary) AS key
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
   AND c.relname <> 'alembic_version'
 ORDER BY c.relname, a.attnum
"""
SEQUENCES_SQL = """
SELECT c.relname FROM pg_class c
 WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'S'
"""


async def checksums(connection: asyncpg.Connection) -> dict[str, str]:
    """An md5 per ``table.column`` of every value in key order, and per sequence its
    position: equal dictionaries mean equal content, whatever the revision."""
    found: dict[str, str] = {}
    columns = await connection.fetch(COLUMNS_SQL)
    for table in dict.fromkeys(row["table_name"] for row in columns):
        mine = [row for row in columns if row["table_name"] == table]
        found.update(await _table_checksums(connection, table, mine))
    for row in await connection.fetch(SEQUENCES_SQL):
        position = await connection.fetchrow(
            f"SELECT last_value, is_called FROM {quote(row['relname'])}"
        )
        found[f"sequence {row['relname']}"] = f"{position['last_value']} {position['is_called']}"
    return found


async def _table_checksums(
    connection: asyncpg.Connection, table: str, columns: list[asyncpg.Record]
) -> dict[str, str]:
    # Key order; a table without a primary key in the order of its rows' text.
    order = ", ".join(quote(key) for key in columns[0]["key"] or ()) or "t_row::text"
    sums = ", ".join(
        f"md5(string_agg(quote_nullable({quote(row['column_name'])}::text), ',' ORDER BY {order}))"
        for row in columns
    )
    values = await connection.fetchrow(f"SELECT count(*), {sums} FROM {quote(table)} t_row")
    found = {f"{table} rows": str(values[0])}
    for row, value in zip(columns, values[1:], strict=True):
        found[f"{table}.{row['column_name']}"] = str(value)
    return found
