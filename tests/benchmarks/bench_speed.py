"""Issue 7's speed targets: `todo` (agent on and off) against Taskwarrior, at 1k/10k/100k tasks.

    python tests/benchmarks/bench_speed.py [--runs 7] [--sizes 1000,10000,100000] [--quick]
                                           [--only floor|help|sizes]

Everything lives in a temporary directory: the installed `todo` (next to this
Python) with its own home, config, data and runtime dirs and a fresh embedded
server; Taskwarrior (`task`, Debian package `taskwarrior`) with its own TASKRC
and TASKDATA. For each size both get the same generated pending tasks (titles,
tags, projects, due dates): `todo` through one `todo add` (schema and local
user) and then COPY straight into its database, Taskwarrior through
`task import`. Each measure alternates todo with the agent on (TODO_AGENT=1),
off (TODO_AGENT=0) and its baseline, after one throwaway run of each, and
prints medians, ratios and the target of the issue. Adds grow both databases
by one task per run. Not a test: pytest never collects this file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from harness import (  # a sibling module: this file runs as a script
    IMPORT_FLOOR,
    MIB,
    PYTHON,
    TODO,
    Sample,
    SeedTask,
    compile_package,
    generate_tasks,
    isolated_env,
    run_measured,
    seed_todo,
)

DEFAULT_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
DEFAULT_RUNS = 7
QUICK_RUNS = 3
TASK = "task"
# Taskwarrior as a script sees it: no prompts, no chatter, no hooks, no colour.
# Garbage collection stays on (its default): it renumbers after completions,
# and with only pending tasks it has nothing to move.
TASKRC = """\
data.location={data}
confirmation=off
verbose=nothing
hooks=off
color=off
gc=on
"""
TASK_PRIORITY = {"low": "L", "medium": "M", "high": "H"}
# Target ratios from the issue, keyed by (measure, size).
TARGETS = {
    ("add", 1_000): 3.0,
    ("add", 10_000): 0.6,
    ("list", 1_000): 2.0,
    ("list", 10_000): 0.5,
    ("list", 100_000): 0.3,
    ("json", 100_000): 0.6,
}
HELP_TARGET = 3.0
FLOOR_TARGET = 1.15
AGENT_MEMORY_TARGET_MIB = 100
ONLY = ("floor", "help", "sizes")
FROZEN_AT_EXIT = "; import atexit, gc; atexit.register(gc.freeze)"
START = time.monotonic()


def progress(message: str) -> None:
    sys.stderr.write(f"[{time.monotonic() - START:6.1f}s] {message}\n")
    sys.stderr.flush()


# ---------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Variant:
    label: str
    argv: list[str]
    env: dict[str, str]


@dataclass
class Series:
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(sample.seconds for sample in self.samples)

    @property
    def rss_mib(self) -> float:
        return statistics.median(sample.max_rss for sample in self.samples) / MIB

    def spread(self) -> str:
        times = [sample.seconds for sample in self.samples]
        return f"{ms(min(times))}-{ms(max(times))}"


def alternate(runs: int, variants: Sequence[Variant]) -> dict[str, Series]:
    """One throwaway run of each (warms the agent and caches), then ``runs`` rounds."""
    for variant in variants:
        run_measured(variant.argv, variant.env)
    series = {variant.label: Series() for variant in variants}
    for _ in range(runs):
        for variant in variants:
            series[variant.label].samples.append(run_measured(variant.argv, variant.env))
    return series


@dataclass
class Row:
    measure: str
    on: Series | None
    off: Series | None
    base: Series | None
    base_label: str
    target: float | None
    checked: str = "on"  # which todo column the target applies to
    # A row that is not a timing (the agent's memory): its cell, verdict and footnote.
    memory_cell: str = ""
    memory_verdict: str = ""
    note: str = ""

    def ratio(self, column: str) -> float | None:
        series = self.on if column == "on" else self.off
        if series is None or self.base is None:
            return None
        return series.median / self.base.median

    def verdict(self) -> str:
        ratio = self.ratio(self.checked)
        if self.target is None:
            return "—"
        if ratio is None:
            return "n/a"
        return "ok" if ratio <= self.target else "MISSED"


def ms(value: float) -> str:
    milliseconds = value * 1000
    return f"{milliseconds:.0f}" if milliseconds >= 100 else f"{milliseconds:.1f}"


# ---------------------------------------------------------------- the tools


@dataclass(frozen=True)
class Todo:
    env: dict[str, str]
    data_dir: Path

    def env_for(self, agent: bool) -> dict[str, str]:
        return {**self.env, "TODO_AGENT": "1" if agent else "0"}

    def variants(self, *args: str) -> list[Variant]:
        return [
            Variant("on", [TODO, *args], self.env_for(agent=True)),
            Variant("off", [TODO, *args], self.env_for(agent=False)),
        ]

    def seed(self, tasks: Sequence[SeedTask]) -> str:
        return seed_todo(self.data_dir, self.env, tasks)

    def run(self, *args: str, agent: bool = True) -> subprocess.CompletedProcess[str]:
        argv = [TODO, *args]
        env = self.env_for(agent)
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)

    def agent_pid(self) -> int | None:
        """The agent's pid from `todo agent status --json`; None without an agent."""
        result = self.run("agent", "status", "--json")
        try:
            return int(json.loads(result.stdout)["pid"]) if result.returncode == 0 else None
        except (ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class Taskwarrior:
    env: dict[str, str]
    data_dir: Path

    @classmethod
    def create(cls, root: Path, env: dict[str, str]) -> Taskwarrior:
        data = root / "taskdata"
        rc = root / "taskrc"
        rc.write_text(TASKRC.format(data=data))
        return cls({**env, "TASKRC": str(rc), "TASKDATA": str(data)}, data)

    def variant(self, *args: str) -> Variant:
        return Variant("base", [TASK, *args], self.env)

    def seed(self, tasks: Sequence[SeedTask]) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.data_dir.mkdir()
        exported = self.data_dir.parent / "import.json"
        exported.write_text(json.dumps([task_json(task) for task in tasks]))
        subprocess.run(
            [TASK, "import", str(exported)], env=self.env, check=True, capture_output=True
        )
        exported.unlink()

    def version(self) -> str:
        result = subprocess.run([TASK, "--version"], env=self.env, capture_output=True, text=True)
        return result.stdout.strip()


def task_json(task: SeedTask) -> dict[str, object]:
    """``task`` as Taskwarrior's import format has it."""
    item: dict[str, object] = {
        "uuid": str(task.uuid),
        "description": task.title,
        "status": "pending",
        "entry": task_date(task.created),
        "modified": task_date(task.created),
    }
    if task.priority:
        item["priority"] = TASK_PRIORITY[task.priority]
    if task.due:
        item["due"] = task_date(task.due)
    if task.tags:
        item["tags"] = list(task.tags)
    if task.project:
        item["project"] = task.project
    return item


def task_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def taskwarrior_missing_hint() -> str:
    command = "apt-get update && apt-get install -y taskwarrior"
    if os.geteuid() == 0 and shutil.which("apt-get"):
        return f"Taskwarrior (`task`) is not installed; install it with: {command}"
    return "Taskwarrior (`task`) is not installed (Debian/Ubuntu package `taskwarrior`, 2.6.x)"


# ---------------------------------------------------------------- the rows


def measure(
    runs: int, todo: Todo, base: Variant | None, label: str, target: float | None, *args: str
) -> Row:
    progress(f"measuring {label} ({runs} rounds)")
    variants = [*todo.variants(*args), *([base] if base else [])]
    series = alternate(runs, variants)
    base_label = shlex.join(base.argv) if base else "task (absent)"
    return Row(label, series["on"], series["off"], series.get("base"), base_label, target)


def rows_at(runs: int, size: int, todo: Todo, task: Taskwarrior | None, largest: int) -> list[Row]:
    def base(*args: str) -> Variant | None:
        return task.variant(*args) if task else None

    def target(kind: str) -> float | None:
        return TARGETS.get((kind, size))

    rows = [
        measure(
            runs,
            todo,
            base("add", "bench task"),
            f"todo add, {size:,}, agent warm",
            target("add"),
            "add",
            "bench task",
        ),
        measure(runs, todo, base("list"), f"todo list piped, {size:,}", target("list"), "list"),
    ]
    json_label = f"todo list --json, {size:,}"
    if size != largest:
        rows.append(
            measure(runs, todo, base("export"), json_label, target("json"), "list", "--json")
        )
        return rows
    pid = todo.agent_pid()
    before = agent_memory(pid)
    rows.append(measure(runs, todo, base("export"), json_label, target("json"), "list", "--json"))
    rows.append(agent_memory_row(size, pid, before, agent_memory(pid)))
    return rows


def agent_memory(pid: int | None) -> dict[str, int] | None:
    """The agent's memory in bytes: its process and its workers' (a forked pool).

    Pss, summed over the tree, counts each page the processes share once;
    VmHWM is the largest peak RSS of any of them since the last read (each
    process's peak is reset here, so the next read gives the peak since this one).
    """
    if pid is None:
        return None
    found = {"Pss": 0, "VmHWM": 0}
    for each in [pid, *_children(pid)]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
            rollup = Path(f"/proc/{each}/smaps_rollup").read_text()
            Path(f"/proc/{each}/clear_refs").write_text("5")
        except OSError:
            continue  # a worker that has just exited
        found["Pss"] += _kib_field(rollup, "Pss") * 1024
        found["VmHWM"] = max(found["VmHWM"], _kib_field(status, "VmHWM") * 1024)
    return found


def _children(pid: int) -> list[int]:
    try:
        return [int(each) for each in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _kib_field(text: str, name: str) -> int:
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return int(fields[name].split()[0])


def agent_memory_row(
    size: int, pid: int | None, before: dict[str, int] | None, after: dict[str, int] | None
) -> Row:
    target = AGENT_MEMORY_TARGET_MIB if size == 100_000 else None
    row = Row(f"agent memory growth, --json {size:,}", None, None, None, "", target)
    if before is None or after is None:
        row.memory_cell, row.memory_verdict = "n/a", "n/a"
        row.note = "agent memory: n/a, no agent pid from `todo agent status --json`"
        return row
    growth = (after["Pss"] - before["Pss"]) / MIB
    row.memory_cell = f"+{growth:.0f} MiB"
    row.memory_verdict = "—" if target is None else "ok" if growth <= target else "MISSED"
    row.note = (
        f"agent memory (pid {pid} and its workers) around the --json runs at {size:,}: "
        f"PSS {before['Pss'] / MIB:.0f} MiB before, {after['Pss'] / MIB:.0f} MiB after; "
        f"largest peak RSS of a process still running {after['VmHWM'] / MIB:.0f} MiB "
        "(a worker that grows by more than 100 MiB exits after its request); "
        "growth = PSS after - PSS before"
    )
    return row


def help_row(runs: int, todo: Todo) -> Row:
    progress("measuring todo --help")
    python = Variant("base", [PYTHON, "-I", "-S", "-c", "pass"], todo.env)
    series = alternate(runs, [*todo.variants("--help"), python])
    return Row(
        "todo --help",
        series["on"],
        series["off"],
        series["base"],
        "python -I -S -c pass",
        HELP_TARGET,
    )


def floor_row(runs: int, size: int, todo: Todo) -> Row:
    """Against the import floor; the note also gives the floor under todo's exit treatment.

    An in-process todo freezes the GC at exit (client.skip_collections_at_exit),
    which the plain floor does not: the second floor shows how much of the
    ratio is that, and how much is todo's own work.
    """
    progress("measuring agent-off todo add against the import floor")
    floor = Variant("base", [PYTHON, "-c", IMPORT_FLOOR], todo.env)
    frozen = Variant("frozen", [PYTHON, "-c", IMPORT_FLOOR + FROZEN_AT_EXIT], todo.env)
    off = todo.variants("add", "bench task")[1]
    series = alternate(runs, [off, floor, frozen])
    row = Row(
        f"agent off: todo add, {size:,}",
        None,
        series["off"],
        series["base"],
        "import floor",
        FLOOR_TARGET,
        checked="off",
    )
    row.note = (
        f"import floor with gc.freeze() at exit, as todo does in-process: "
        f"{ms(series['frozen'].median)} ms; agent-off todo add is "
        f"{series['off'].median / series['frozen'].median:.2f}x that"
    )
    return row


# ---------------------------------------------------------------- output


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def cell(series: Series | None) -> str:
    return ms(series.median) if series else "n/a"


def ratios(row: Row) -> str:
    parts = [
        f"{column} {value:.2f}x"
        for column in ("on", "off")
        if (value := row.ratio(column)) is not None
    ]
    return " · ".join(parts) if parts else "n/a"


def main_table(rows: Sequence[Row]) -> str:
    header = [
        "measure",
        "todo agent on (ms)",
        "todo agent off (ms)",
        "baseline (ms)",
        "baseline",
        "ratio to baseline",
        "target",
        "verdict",
    ]
    body = [header]
    for row in rows:
        if row.memory_cell:
            target = f"≤ {row.target} MiB" if row.target else "—"
            body.append([row.measure, row.memory_cell, "", "", "", "", target, row.memory_verdict])
            continue
        target = f"≤ {row.target}x ({row.checked})" if row.target else "—"
        body.append(
            [
                row.measure,
                cell(row.on),
                cell(row.off),
                cell(row.base),
                row.base_label,
                ratios(row),
                target,
                row.verdict(),
            ]
        )
    return table(body)


def detail_table(rows: Sequence[Row]) -> str:
    body = [["measure", "column", "median ms", "min-max ms", "peak RSS MiB", "stdout lines"]]
    for row in rows:
        for column, series in (("on", row.on), ("off", row.off), (row.base_label, row.base)):
            if series:
                body.append(
                    [
                        row.measure,
                        column,
                        ms(series.median),
                        series.spread(),
                        f"{series.rss_mib:.0f}",
                        str(series.samples[-1].lines),
                    ]
                )
    return table(body)


def machine(task: Taskwarrior | None, postgres: str, load_before: str) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    # Agent off: in this process's own environment it would start one that outlives the run.
    quiet = {**os.environ, "TODO_AGENT": "0"}
    version = subprocess.run([TODO, "--version"], env=quiet, capture_output=True, text=True)
    return "\n".join(
        [
            f"machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), {cpu}",
            f"python {platform.python_version()} ({sys.executable}); {version.stdout.strip()}; "
            f"embedded PostgreSQL {postgres}",
            f"taskwarrior: {task.version() if task else taskwarrior_missing_hint()}",
            f"load average before {load_before}, after {loadavg()}",
            f"peak RSS is per command; its floor (`true`, forked by timed_child.py) is "
            f"{run_measured(['true'], dict(os.environ)).max_rss / MIB:.1f} MiB",
        ]
    )


def loadavg() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# ---------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help=f"rounds per measure (default {DEFAULT_RUNS})")
    parser.add_argument("--sizes", help="comma-separated task counts (default 1000,10000,100000)")
    parser.add_argument("--quick", action="store_true", help="3 rounds at 1000,10000")
    parser.add_argument(
        "--only",
        choices=ONLY,
        help="measure just these rows: the import floor (at the first size), --help, "
        "or the per-size rows (default: all)",
    )
    args = parser.parse_args()
    quick = args.quick
    args.runs = args.runs or (QUICK_RUNS if quick else DEFAULT_RUNS)
    sizes = [int(size) for size in args.sizes.split(",")] if args.sizes else None
    args.sizes = sorted(sizes or (QUICK_SIZES if quick else DEFAULT_SIZES))
    return args


def main() -> None:
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")  # pgserver's import, harmless
    args = parse_args()
    compile_package()
    root = Path(tempfile.mkdtemp(prefix="todo-bench-"))
    env = isolated_env(root)
    todo = Todo(env, root / "data")
    try:
        run(args.runs, args.sizes, root, todo, args.only)
    finally:
        todo.run("agent", "stop")  # fails harmlessly where there is no agent command
        todo.run("db", "stop", agent=False)
        shutil.rmtree(root, ignore_errors=True)


def run(runs: int, sizes: Sequence[int], root: Path, todo: Todo, only: str | None) -> None:
    load_before = loadavg()
    task = Taskwarrior.create(root, todo.env) if shutil.which(TASK) else None
    if task is None:
        progress(taskwarrior_missing_hint() + "; its rows show n/a")
    progress("first todo add: creates the embedded server, the schema and the local user")
    first = todo.run("add", "seed")
    if first.returncode != 0:
        raise SystemExit(f"bench_speed: the first todo add failed: {first.stderr.strip()}")
    wait_for_agent(todo)
    rows = [help_row(runs, todo)] if only in (None, "help") else []
    postgres = ""
    for size in measured_sizes(sizes, only):
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        tasks = generate_tasks(size, now)
        progress(f"seeding {size:,} tasks into todo (COPY)")
        postgres = todo.seed(tasks)
        if only != "floor":
            if task:
                progress(f"seeding {size:,} tasks into Taskwarrior (task import)")
                task.seed(tasks)
            rows.extend(rows_at(runs, size, todo, task, largest=sizes[-1]))
        if size == sizes[0] and only in (None, "floor"):
            rows.append(floor_row(runs, size, todo))
    print(main_table(ordered(rows)))
    print()
    print(detail_table(ordered(rows)))
    print()
    for row in rows:
        if row.note:
            print(row.note)
    print(machine(task, postgres, load_before))
    print(f"{runs} rounds per measure, alternating; adds grow each database by one task per run.")


def measured_sizes(sizes: Sequence[int], only: str | None) -> Sequence[int]:
    """The floor is measured at the first size; --help needs no tasks at all."""
    return {"floor": sizes[:1], "help": []}.get(only or "", sizes)


def wait_for_agent(todo: Todo, timeout: float = 60) -> None:
    """The first add started the agent in the background: measure it once it serves."""
    deadline = time.monotonic() + timeout
    while todo.agent_pid() is None and time.monotonic() < deadline:
        time.sleep(0.2)


def ordered(rows: Sequence[Row]) -> list[Row]:
    """The issue's order: adds, piped lists, JSON, agent memory, --help, the import floor."""
    kinds = (
        "todo add",
        "todo list piped",
        "todo list --json",
        "agent memory",
        "todo --help",
        "agent off",
    )
    return sorted(
        rows, key=lambda row: next(i for i, k in enumerate(kinds) if row.measure.startswith(k))
    )


if __name__ == "__main__":
    main()
