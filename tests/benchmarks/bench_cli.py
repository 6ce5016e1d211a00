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
import io
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

from harness import (  # a sibling module: this file runs as a script
    IMPORT_FLOOR,
    PYTHON,
    TODO,
    generate_tasks,
    isolated_env,
    median,
    seconds,
    seed_todo,
)


def seed_tasks(data_dir: Path, env: dict[str, str], count: int) -> None:
    """Replace the local user's tasks (created by an earlier add) by ``count`` generated ones."""
    seed_todo(data_dir, env, generate_tasks(count, datetime.now(UTC)))


def render_in_process(data_dir: Path, env: dict[str, str]) -> dict[str, float]:
    """Renderer cost alone: the terminal table (what a pipe cannot show) and JSON."""
    os.environ.update(env)
    from rich.console import Console

    from todo_cli import clock
    from todo_cli.cli import render
    from todo_cli.cli.environment import Environment
    from todo_cli.cli.runner import run_for_user
    from todo_cli.cli.table import task_table
    from todo_cli.service.tasks import TaskFilter, list_tasks

    now = clock.now()
    tasks = run_for_user(
        lambda session, user: list_tasks(session, user=user, where=TaskFilter()),
        Environment.from_process(),
    )
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
    seed_tasks(root / "data", env, count)
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
