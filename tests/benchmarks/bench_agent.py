"""Agent warm vs in-process (TODO_AGENT=0): medians of alternating runs.

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


def alternate(runs: int, argv: list[str], on: dict[str, str], off: dict[str, str]) -> tuple:
    warm, cold = [], []
    for _ in range(runs):
        warm.append(seconds(argv, on))
        cold.append(seconds(argv, off))
    return statistics.median(warm) * 1000, statistics.median(cold) * 1000


def report(runs: int, count: int, root: Path, on: dict[str, str]) -> None:
    off = dict(on, TODO_AGENT="0")
    floor = statistics.median(seconds([PYTHON, "-I", "-S", "-c", "pass"], on) for _ in range(runs))
    floor *= 1000
    print(f"{'python -I -S -c pass':<28}{floor:8.1f} ms")
    subprocess.run([TODO, "add", "first"], env=on, check=True, capture_output=True)
    wait_for_agent(on)
    print(f"{'command':<28}{'agent warm':>12}{'TODO_AGENT=0':>14}{'x floor':>9}")
    cases = [["--version"], ["--help"], ["list", "--search", "matches-nothing"], ["add", "x"]]
    for argv in cases:
        warm, cold = alternate(runs, [TODO, *argv], on, off)
        print(f"todo {' '.join(argv):<23}{warm:9.1f} ms{cold:11.1f} ms{warm / floor:8.1f}x")
    seed_tasks(root / "data", on, count)
    for argv in (["add", "x"], ["list"]):
        warm, cold = alternate(runs, [TODO, *argv], on, off)
        label = f"todo {' '.join(argv)} ({count} tasks)"
        print(f"{label:<28}{warm:9.1f} ms{cold:11.1f} ms{warm / floor:8.1f}x")


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
        subprocess.run([TODO, "agent", "stop"], env=env, capture_output=True)
        subprocess.run([TODO, "db", "stop"], env=env, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    os.umask(0o022)
    main()
