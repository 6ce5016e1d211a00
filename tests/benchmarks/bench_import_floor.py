"""The floor under `todo import`: a plain COPY of the tasks straight into ``tasks``.

    python tests/benchmarks/bench_import_floor.py [--size 100000] [--runs 3]
                                                  [--server postgresql://postgres@127.0.0.1/postgres]

No import can be faster than writing its rows with COPY into the real table, with
its indexes, foreign keys, triggers and row-level security. This times that (each
way from BEGIN to COMMIT, see WAYS), taken apart: the wire alone (an unindexed
temporary table), the heap and its WAL (a logged copy of ``tasks`` without
indexes), the indexes (a copy with them), the foreign key (``tasks`` itself);
then the two-step path an import must take under row-level security (COPY is
refused there), as the app's connection role and as a plain login role granted
by `todo db grant`, and that path fed raw JSON mapped in SQL (issue 16's step 2).
Beside them, the real `task import` of the same tasks as a Taskwarrior file: if
the floor is above 0.1 x `task import`, issue 16's import target cannot be met by
this schema. Not a test: pytest never collects this file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from bench_interchange import NOW, admin, todo, write_taskwarrior_file
from bench_speed import TASK, TASKRC, task_json
from harness import (
    SEED_COLUMNS,
    TODO,
    _record,
    database_url,
    generate_tasks,
    isolated_env,
    run_measured,
)

ROLE = "todo_floor_users"
PASSWORD = "floor-pw"
DATABASE = "todo_bench_floor"


# What each way of writing the rows does, timed from BEGIN to COMMIT.
WAYS = {
    "temp": "COPY into an unindexed temporary table (the wire alone)",
    "bare": "COPY into a logged copy of tasks without indexes (the heap and its WAL)",
    "clone": "COPY into a logged copy of tasks with its indexes (no foreign key, no RLS)",
    "copy": "COPY into tasks itself (refused under row-level security)",
    "select": "COPY into the temporary table, then INSERT ... SELECT into tasks",
    "jsonb": "COPY the raw JSON (jsonb), then one INSERT ... SELECT mapping it into tasks",
}
# Issue 16's step 2 in its simplest form, for the generated tasks' keys: what mapping
# the records in SQL costs (casts, CASE maps, the tags array, unknown keys kept).
MAPPED = """
INSERT INTO tasks (user_id, number, uuid, title, status, priority, project, tags, due,
                   created_at, updated_at, extra)
SELECT $1, r.line - 1, (r.doc->>'uuid')::uuid, r.doc->>'description',
  CASE r.doc->>'status' WHEN 'pending' THEN 'pending' WHEN 'waiting' THEN 'pending'
    WHEN 'completed' THEN 'done' WHEN 'deleted' THEN 'deleted' END,
  CASE r.doc->>'priority' WHEN 'H' THEN 'high' WHEN 'M' THEN 'medium' WHEN 'L' THEN 'low' END,
  r.doc->>'project', ARRAY(SELECT jsonb_array_elements_text(r.doc->'tags')),
  (r.doc->>'due')::timestamptz, (r.doc->>'entry')::timestamptz,
  (r.doc->>'modified')::timestamptz,
  r.doc - '{uuid,description,status,priority,project,tags,due,entry,modified}'::text[]
FROM floor_raw r
"""


async def timed_copy(dsn: str, rows: list[tuple[Any, ...]], *, how: str) -> float:
    """Seconds to write ``rows`` (records, or (line, JSON text) for ``jsonb``) and commit,
    one of the WAYS; the tables it made are dropped and ``tasks`` emptied afterwards."""
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SET jit = off; SET timezone = 'UTC'")
        await connection.execute("DELETE FROM tasks")  # the warm-up's (and the last run's)
        user_id = await connection.fetchval("SELECT id FROM users ORDER BY id LIMIT 1")
        start = time.perf_counter()
        async with connection.transaction():
            await _write(connection, rows, how, user_id)
        seconds = time.perf_counter() - start
        await connection.execute("DELETE FROM tasks; DROP TABLE IF EXISTS floor_copy")
    finally:
        await connection.close()
    return seconds


async def _write(connection: Any, rows: list[tuple[Any, ...]], how: str, user_id: int) -> None:
    columns = ", ".join(SEED_COLUMNS)
    if how == "jsonb":
        await connection.execute(
            "CREATE TEMPORARY TABLE floor_raw (line integer, doc jsonb) ON COMMIT DROP"
        )
        await connection.copy_records_to_table("floor_raw", records=rows)
        await connection.execute(MAPPED, user_id)
        return
    target = {"copy": "tasks", "bare": "floor_copy", "clone": "floor_copy"}.get(how, "floor_rows")
    if how in ("bare", "clone"):
        included = "INCLUDING ALL" if how == "clone" else "INCLUDING IDENTITY INCLUDING DEFAULTS"
        await connection.execute(f"CREATE TABLE floor_copy (LIKE tasks {included})")
    elif how != "copy":
        await connection.execute(
            "CREATE TEMPORARY TABLE floor_rows ON COMMIT DROP AS SELECT * FROM tasks WITH NO DATA"
        )
    await connection.copy_records_to_table(target, records=rows, columns=SEED_COLUMNS)
    if how == "select":
        await connection.execute(f"INSERT INTO tasks ({columns}) SELECT {columns} FROM floor_rows")


async def local_user(dsn: str) -> int:
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        found: int = await connection.fetchval("SELECT id FROM users ORDER BY id LIMIT 1")
    finally:
        await connection.close()
    return found


def plain_role_dsn(owner_dsn: str) -> str:
    """A login role granted as todo's users are (row-level security applies to it)."""
    asyncio.run(admin(owner_dsn, f"DROP ROLE IF EXISTS {ROLE}"))
    asyncio.run(admin(owner_dsn, f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'"))
    head, tail = owner_dsn.split("://", 1)
    rest = tail.split("@", 1)[1]
    return f"{head}://{ROLE}:{PASSWORD}@{rest}"


def main() -> None:
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--server")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="todo-bench-floor-"))
    env = {**isolated_env(root), "TODO_AGENT": "0"}
    try:
        if args.server:
            asyncio.run(admin(args.server, f"DROP DATABASE IF EXISTS {DATABASE}"))
            asyncio.run(admin(args.server, f"CREATE DATABASE {DATABASE}"))
            owner = args.server.rsplit("/", 1)[0] + f"/{DATABASE}"
            env["TODO_DATABASE_URL"] = owner
            todo(env, "db", "upgrade")
        todo(env, "add", "warm up")  # the schema and the local user
        todo(env, "rm", "1", "--yes")
        if not args.server:
            owner = database_url(root / "data", env)
        plain = plain_role_dsn(owner)
        todo({**env, "TODO_DATABASE_URL": owner}, "db", "grant", ROLE)
        tasks = generate_tasks(args.size, NOW)
        user_id = asyncio.run(local_user(owner))
        records = [_record(user_id, task) for task in tasks]
        lines = [(line, json.dumps(task_json(task))) for line, task in enumerate(tasks, 2)]
        ways = [(how, "app's role", owner) for how in WAYS] + [
            (how, "plain role, RLS", plain) for how in ("select", "jsonb")
        ]
        figures: dict[tuple[str, str], list[float]] = {(how, role): [] for how, role, _ in ways}
        for _ in range(args.runs):
            for how, role, dsn in ways:
                rows = lines if how == "jsonb" else records
                figures[how, role].append(asyncio.run(timed_copy(dsn, rows, how=how)))
        source = root / "tasks.json"
        write_taskwarrior_file(source, args.size)
        (root / "taskdata").mkdir()
        (root / "taskrc").write_text(TASKRC.format(data=root / "taskdata"))
        task_env = {**env, "TASKRC": str(root / "taskrc"), "TASKDATA": str(root / "taskdata")}
        task_import = run_measured([TASK, "import", str(source)], task_env).seconds
        where = args.server or "the embedded server"
        print(f"# import floor, {args.size:,} tasks ({where}), median of {args.runs}")
        print(f"{task_import * 1000:8.0f} ms  ratio 1.000  task import (once)")
        for (how, role), samples in figures.items():
            seconds = statistics.median(samples)
            ratio = seconds / task_import
            print(f"{seconds * 1000:8.0f} ms  ratio {ratio:.3f}  {WAYS[how]} ({role})")
        print(f"{task_import * 100:8.0f} ms  ratio 0.100  the target for todo import")
    finally:
        if args.server:
            asyncio.run(admin(args.server, f"DROP DATABASE IF EXISTS {DATABASE}"))
            asyncio.run(admin(args.server, f"DROP ROLE IF EXISTS {ROLE}"))
        else:
            subprocess.run([TODO, "db", "stop"], env=env, capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
