"""Issue 16's speed targets: `todo import`/`export` against the real Taskwarrior 2.6.2.

    python tests/benchmarks/bench_interchange.py [--runs 3] [--quick] [--exports-only]
                                                 [--server postgresql://postgres@127.0.0.1/postgres]

For each size (10,000 and 100,000 generated pending tasks with tags, projects and
due dates; --quick: 10,000 only) both tools get the same Taskwarrior file. `task
import` is timed once per size (it is slow at 100,000); `todo import` of the same
file and of todo's own JSON Lines are timed ``--runs`` times, each into an empty
account (the previous import undone; --exports-only: not timed); `todo export
--format taskwarrior`, `todo list --json` (each with the agent on, as a user runs
them, and off) and `task export` alternate ``--runs`` times after a throwaway run,
with peak RSS. Prints medians and the ratios the issue asks for. Everything lives
in a temporary directory: the embedded server by default, or a new database on
``--server`` (dropped at the end). Not a test: pytest never collects this file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench_speed import TASK, TASKRC, task_json  # sibling modules: this file runs as a script
from harness import MIB, TODO, Sample, compile_package, generate_tasks, isolated_env, run_measured

NOW = datetime(2026, 12, 1, tzinfo=UTC)
TARGETS = {
    "todo import / task import": 0.1,
    "todo export / task export": 0.5,  # also `todo list --json` / task export
}
JSONL_TARGET = 50_000  # tasks/s
EXPORT_RSS_TARGET_MIB = 100
# Per run: two benchmarks on one shared server must not drop each other's database.
BENCH_DATABASE = f"todo_bench_interchange_{os.getpid()}"


def progress(message: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def todo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([TODO, *args], env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"todo {' '.join(args)}: {result.stderr.strip()[-400:]}")
    return result


def write_taskwarrior_file(path: Path, size: int) -> None:
    tasks = (task_json(task) for task in generate_tasks(size, NOW))
    path.write_text("[\n" + ",\n".join(json.dumps(task) for task in tasks) + "\n]\n")


def timed_import(env: dict[str, str], path: Path, runs: int) -> list[float]:
    """``runs`` imports of ``path`` into an empty account, each undone afterwards."""
    times = []
    for _ in range(runs):
        sample = run_measured([TODO, "import", str(path)], env)
        times.append(sample.seconds)
        todo(env, "undo")
    return times


def alternate(
    runs: int, commands: dict[str, tuple[list[str], dict[str, str]]]
) -> dict[str, list[Sample]]:
    for argv, env in commands.values():
        run_measured(argv, env)  # throwaway: caches warm for both
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (argv, env) in commands.items():
            samples[name].append(run_measured(argv, env))
    return samples


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def measure_size(
    size: int, args: argparse.Namespace, root: Path, env: dict[str, str], task_env: dict[str, str]
) -> list[str]:
    lines = [f"## {size:,} tasks"]
    source = root / f"tasks-{size}.json"
    write_taskwarrior_file(source, size)
    data = Path(task_env["TASKDATA"])
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir()
    progress(f"task import of {size:,} (once)")
    task_import = run_measured([TASK, "import", str(source)], task_env).seconds
    if not args.exports_only:
        lines += import_rows(size, args.runs, root, source, env, task_import)
    todo(env, "import", str(source))  # the tasks both exports write
    lines += export_rows(size, args.runs, env, task_env)
    todo(env, "undo")
    return lines


def import_rows(
    size: int, runs: int, root: Path, source: Path, env: dict[str, str], task_import: float
) -> list[str]:
    progress(f"todo import of {size:,} x{runs}")
    todo_imports = median(timed_import(env, source, runs))
    todo(env, "import", str(source))
    jsonl = root / f"tasks-{size}.jsonl"
    jsonl.write_text(todo(env, "export", "--format", "jsonl").stdout)
    todo(env, "undo")
    progress(f"todo import of {size:,} as JSON Lines x{runs}")
    jsonl_imports = median(timed_import(env, jsonl, runs))
    rate = size / jsonl_imports
    return [
        row("task import (once)", task_import),
        row("todo import (Taskwarrior JSON)", todo_imports, todo_imports / task_import,
            TARGETS["todo import / task import"]),
        row("todo import (JSON Lines)", jsonl_imports),
        f"{'JSON Lines import rate':44} {rate:9.0f} tasks/s  (target >= {JSONL_TARGET}:"
        f" {_verdict(rate >= JSONL_TARGET)})",
    ]  # fmt: skip


# What is timed against `task export`: the command a user runs (the agent on, as by
# default) and the same command in a process of its own (the agent off).
EXPORTS = {
    "todo export --format taskwarrior": ("export", "--format", "taskwarrior"),
    "todo list --json": ("list", "--json"),
}


def export_rows(size: int, runs: int, env: dict[str, str], task_env: dict[str, str]) -> list[str]:
    progress(f"exports of {size:,} x{runs}")
    commands = {"task export": ([TASK, "export"], task_env)}
    for name, args in EXPORTS.items():
        commands[f"{name}, agent on"] = ([TODO, *args], {**env, "TODO_AGENT": "1"})
        commands[f"{name}, agent off"] = ([TODO, *args], env)
    samples = alternate(runs, commands)
    task_export = median([sample.seconds for sample in samples.pop("task export")])
    lines = [row("task export", task_export)]
    for name, measured in samples.items():
        seconds = median([sample.seconds for sample in measured])
        lines.append(
            row(name, seconds, seconds / task_export, TARGETS["todo export / task export"])
        )
    rss = max(sample.max_rss for name, each in samples.items() if "agent off" in name
              for sample in each) / MIB  # fmt: skip
    lines.append(
        f"{'todo peak RSS (agent off)':44} {rss:9.1f} MiB      (target <= {EXPORT_RSS_TARGET_MIB}:"
        f" {_verdict(rss <= EXPORT_RSS_TARGET_MIB)})"
    )
    return lines


def row(name: str, seconds: float, ratio: float | None = None, target: float | None = None) -> str:
    verdict = "" if ratio is None else f"  ratio {ratio:.2f} (target <= {target}: "
    verdict += "" if ratio is None or target is None else f"{_verdict(ratio <= target)})"
    return f"{name:44} {seconds * 1000:9.0f} ms{verdict}"


def _verdict(met: bool) -> str:
    return "ok" if met else "MISSED"


async def admin(server: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(server)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def database_env(env: dict[str, str], server: str | None) -> dict[str, str]:
    if server is None:
        return {**env, "TODO_AGENT": "0"}
    asyncio.run(admin(server, f"DROP DATABASE IF EXISTS {BENCH_DATABASE}"))
    asyncio.run(admin(server, f"CREATE DATABASE {BENCH_DATABASE}"))
    url = server.rsplit("/", 1)[0] + f"/{BENCH_DATABASE}"
    bench = {**env, "TODO_AGENT": "0", "TODO_DATABASE_URL": url}
    todo(bench, "db", "upgrade")
    return bench


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10,000 tasks only")
    parser.add_argument(
        "--exports-only", action="store_true", help="time no todo import (task import once)"
    )
    parser.add_argument(
        "--server", help="a PostgreSQL server URL (asyncpg form); default: embedded"
    )
    return parser.parse_args()


def main() -> None:
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    args = parse_args()
    if shutil.which(TASK) is None:
        sys.exit("Taskwarrior (`task`) is not installed: apt-get install -y taskwarrior")
    compile_package()
    root = Path(tempfile.mkdtemp(prefix="todo-bench-interchange-"))
    env = database_env(isolated_env(root), args.server)
    (root / "taskdata").mkdir()
    (root / "taskrc").write_text(TASKRC.format(data=root / "taskdata"))
    task_env = {**env, "TASKRC": str(root / "taskrc"), "TASKDATA": str(root / "taskdata")}
    sizes = (10_000,) if args.quick else (10_000, 100_000)
    try:
        todo(env, "add", "warm up")  # the schema, the local user and, embedded, the server
        todo(env, "rm", "1", "--yes")
        where = args.server or "the embedded server"
        report = [f"# todo import/export vs {TASK} ({where}), median of {args.runs}"]
        for size in sizes:
            report += measure_size(size, args, root, env, task_env)
        print("\n".join(report))
    finally:
        subprocess.run([TODO, "agent", "stop"], env=env, capture_output=True, check=False)
        if args.server is None:
            subprocess.run([TODO, "db", "stop"], env=env, capture_output=True, check=False)
        else:
            asyncio.run(admin(args.server, f"DROP DATABASE IF EXISTS {BENCH_DATABASE}"))
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
