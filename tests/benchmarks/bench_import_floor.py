"""The floor under `todo import`: a plain COPY of the tasks straight into ``tasks``.

    python tests/benchmarks/bench_import_floor.py [--size 100000] [--runs 3]
                                                  [--server postgresql://postgres@127.0.0.1/postgres]

No import can be faster than writing its rows with COPY into the real table, with
its indexes, foreign keys, triggers and row-level security. This times that,
committed, as the role the app connects with and as a plain login role granted
by `todo db grant` (row-level security applies to it, not to a superuser), beside
a COPY of the same rows into an unindexed temporary table (the wire and the
parsing alone) and the real `task import` of the same tasks as a Taskwarrior file:
if the floor is above 0.1 x `task import`, issue 16's import target cannot be met by
this schema. Not a test: pytest never collects this file.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from bench_interchange import NOW, admin, todo, write_taskwarrior_file
from bench_speed import TASK, TASKRC
from harness import (
    SEED_COLUMNS,
    _record,
    database_url,
    generate_tasks,
    isolated_env,
    run_measured,
)

ROLE = "todo_floor_users"
PASSWORD = "floor-pw"
DATABASE = "todo_bench_floor"


async def timed_copy(dsn: str, records: list[tuple[Any, ...]], *, how: str) -> float:
    """Seconds to write ``records`` and commit, ``how``: ``temp`` (COPY into an unindexed
    temporary table only), ``copy`` (COPY into ``tasks``; refused under row-level
    security) or ``select`` (COPY into the temporary table, then INSERT ... SELECT)."""
    import asyncpg

    columns = ", ".join(SEED_COLUMNS)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SET jit = off")
        await connection.execute("DELETE FROM tasks")  # the warm-up's (and the last run's)
        start = time.perf_counter()
        async with connection.transaction():
            if how == "copy":
                await connection.copy_records_to_table(
                    "tasks", records=records, columns=SEED_COLUMNS
                )
            else:
                await connection.execute(
                    "CREATE TEMPORARY TABLE floor_rows ON COMMIT DROP"
                    " AS SELECT * FROM tasks WITH NO DATA"
                )
                await connection.copy_records_to_table(
                    "floor_rows", records=records, columns=SEED_COLUMNS
                )
            if how == "select":
                await connection.execute(
                    f"INSERT INTO tasks ({columns}) SELECT {columns} FROM floor_rows"
                )
        seconds = time.perf_counter() - start
        await connection.execute("DELETE FROM tasks")
    finally:
        await connection.close()
    return seconds


def plain_role_dsn(owner_dsn: str) -> str:
    """A login role granted as todo's users are (row-level security applies to it)."""
    for statement in (
        f"DROP ROLE IF EXISTS {ROLE}",
        f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'",
    ):
        try:
            asyncio.run(admin(owner_dsn, statement))
        except Exception as error:  # the role holds grants in another database: keep it
            print(f"({statement}: {error})", file=sys.stderr)
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
        user_id = 1
        records = [_record(user_id, task) for task in tasks]
        ways = {
            "COPY into an unindexed temp table": (owner, "temp"),
            "COPY into tasks (app's role)": (owner, "copy"),
            "COPY temp + INSERT SELECT (app's role)": (owner, "select"),
            "COPY temp + INSERT SELECT (plain, RLS)": (plain, "select"),
        }
        figures: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(args.runs):
            for name, (dsn, how) in ways.items():
                figures[name].append(asyncio.run(timed_copy(dsn, records, how=how)))
        source = root / "tasks.json"
        write_taskwarrior_file(source, args.size)
        (root / "taskdata").mkdir()
        (root / "taskrc").write_text(TASKRC.format(data=root / "taskdata"))
        task_env = {**env, "TASKRC": str(root / "taskrc"), "TASKDATA": str(root / "taskdata")}
        task_import = run_measured([TASK, "import", str(source)], task_env).seconds
        where = args.server or "the embedded server"
        print(f"# import floor, {args.size:,} tasks ({where}), median of {args.runs}")
        print(f"{'task import (once)':40} {task_import * 1000:8.0f} ms")
        for name, samples in figures.items():
            seconds = statistics.median(samples)
            print(f"{name:40} {seconds * 1000:8.0f} ms  ratio {seconds / task_import:.3f}")
        print(f"{'target: 0.1 x task import':40} {task_import * 100:8.0f} ms")
    finally:
        if args.server:
            subprocess_safe_drop(args.server)
        else:
            todo_stop(env)
        shutil.rmtree(root, ignore_errors=True)


def subprocess_safe_drop(server: str) -> None:
    asyncio.run(admin(server, f"DROP DATABASE IF EXISTS {DATABASE}"))
    asyncio.run(admin(server, f"DROP ROLE IF EXISTS {ROLE}"))


def todo_stop(env: dict[str, str]) -> None:
    import subprocess

    from harness import TODO

    subprocess.run([TODO, "db", "stop"], env=env, capture_output=True, check=False)


if __name__ == "__main__":
    main()
