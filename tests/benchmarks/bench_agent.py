"""Agent warm vs a fresh worker per command vs in-process (TODO_AGENT=0): alternating medians.

The middle column is the design the agent did not take, a fork per request
(Mercurial's chg): every command on a worker of its own, with a new
connection and cold statement caches.

    python tests/benchmarks/bench_agent.py [--runs 20] [--tasks 1000]

Runs the installed `todo` (next to this Python) on a fresh embedded server and
a private runtime directory in a temporary directory, so nothing of yours is
touched; the agent it starts is stopped at the end. Not a test: figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_cli import seed_tasks
from harness import PYTHON, TODO, compile_package, isolated_env


def seconds(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def wait_for_agent(env: dict[str, str]) -> None:
    for _ in range(300):
        done = subprocess.run([TODO, "agent", "status", "--json"], env=env, capture_output=True)
        if json.loads(done.stdout)["running"]:
            return
        time.sleep(0.1)
    raise SystemExit("the agent never came up")


def alternate(runs: int, argv: list[str], *envs: dict[str, str]) -> list[float]:
    """Median ms of ``argv`` under each of ``envs``, run in turn so drift hits all alike."""
    samples: list[list[float]] = [[] for _ in envs]
    for _ in range(runs):
        for series, env in zip(samples, envs, strict=True):
            series.append(seconds(argv, env))
    return [statistics.median(series) * 1000 for series in samples]


def fresh_worker_env(root: Path, on: dict[str, str]) -> dict[str, str]:
    """A second agent whose every worker retires after one command, as a fork per request.

    What Mercurial's chg model costs, less the fork itself (the pool forks the
    next worker ahead of time): each command gets a new event loop and engine,
    so it connects, authenticates and compiles its statements afresh. Its own
    runtime dir keeps it from sharing workers with the warm agent.
    """
    runtime = root / "run-fresh"
    runtime.mkdir(mode=0o700)
    return dict(on, XDG_RUNTIME_DIR=str(runtime), TODO_AGENT_MEMORY_LIMIT="0.000001")


def report(runs: int, count: int, root: Path, on: dict[str, str]) -> None:
    off = dict(on, TODO_AGENT="0")
    fresh = fresh_worker_env(root, on)
    floor = statistics.median(seconds([PYTHON, "-I", "-S", "-c", "pass"], on) for _ in range(runs))
    floor *= 1000
    print(f"{'python -I -S -c pass':<36}{floor:8.1f} ms")
    subprocess.run([TODO, "add", "first"], env=on, check=True, capture_output=True)
    for env in (on, fresh):
        subprocess.run([TODO, "--version"], env=env, check=True, capture_output=True)
        wait_for_agent(env)
    header = ("agent warm", "fresh worker", "TODO_AGENT=0", "warm x floor")
    print(f"{'command':<36}" + "".join(f"{name:>14}" for name in header))
    cases = [["--version"], ["--help"], ["list", "--search", "matches-nothing"], ["add", "x"]]
    for argv in cases:
        print_row(f"todo {' '.join(argv)}", alternate(runs, [TODO, *argv], on, fresh, off), floor)
    seed_tasks(root / "data", on, count)
    for argv in (["add", "x"], ["list"]):
        label = f"todo {' '.join(argv)} ({count} tasks)"
        print_row(label, alternate(runs, [TODO, *argv], on, fresh, off), floor)


def print_row(label: str, medians: list[float], floor: float) -> None:
    cells = "".join(f"{value:11.1f} ms" for value in medians)
    print(f"{label:<36}{cells}{medians[0] / floor:13.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=1000)
    args = parser.parse_args()
    compile_package()
    root = Path(tempfile.mkdtemp(prefix="todo-bench-"))
    env = isolated_env(root)
    env.update(TODO_AGENT="1")
    try:
        report(args.runs, args.tasks, root, env)
    finally:
        for runtime in (env, dict(env, XDG_RUNTIME_DIR=str(root / "run-fresh"))):
            subprocess.run([TODO, "agent", "stop"], env=runtime, capture_output=True)
        subprocess.run([TODO, "db", "stop"], env=env, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    os.umask(0o022)
    main()
