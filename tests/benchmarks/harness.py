"""What the benchmark scripts share: the isolated environment, timed runs, seeding.

Imported by bench_cli.py and bench_speed.py as a sibling module (the scripts
run as files, so their own folder is on sys.path). Not a test module: pytest
collects only ``test_*.py``.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

PYTHON = sys.executable
TODO = str(Path(sys.executable).parent / "todo")
TIMEOUT = 600  # seconds for one measured command
TIMED_CHILD = Path(__file__).with_name("timed_child.py")
# What any command that reaches the database must import: the list, with
# SQLAlchemy's asyncpg dialect (SQLAlchemy async speaks to asyncpg through it).
IMPORT_FLOOR = (
    "import typer, sqlalchemy.ext.asyncio, sqlalchemy.dialects.postgresql.asyncpg,"
    " sqlmodel, asyncpg, pydantic_settings"
)
MIB = 1024 * 1024
PRIORITIES = ("low", "medium", "high", None)
TAG_SETS: tuple[tuple[str, ...], ...] = ((), ("errand", "home"), ("work",))
PROJECTS = (None, "home.garden", "work", "home", "work.reports")


def compile_package() -> None:
    """Bytecode for todo_cli, as `pip install` writes it for a wheel.

    An editable checkout run under PYTHONDONTWRITEBYTECODE=1 (CI, containers)
    would otherwise compile every module it imports on every command, the
    client included, and the figures would not be an installed todo's.
    """
    import compileall

    import todo_cli

    compileall.compile_dir(Path(todo_cli.__file__).parent, quiet=1)


def isolated_env(root: Path) -> dict[str, str]:
    """Our environment minus TODO_*, with home, config, data and runtime dirs under ``root``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODO_")}
    root.chmod(0o755)  # as root, the server account must get through it; todo will not widen it
    home = root / "home"
    home.mkdir()
    runtime = root / "run"
    runtime.mkdir(mode=0o700)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_RUNTIME_DIR=str(runtime),
        TODO_DATA_DIR=str(root / "data"),
    )
    return env


@contextmanager
def environ(env: dict[str, str]) -> Iterator[None]:
    """This process runs with ``env`` for a while (the product reads its settings there)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class CommandError(RuntimeError):
    def __init__(self, argv: Sequence[str], code: int, stderr: str) -> None:
        super().__init__(f"{' '.join(argv)} exited {code}: {stderr.strip()[-500:]}")


@dataclass(frozen=True)
class Sample:
    seconds: float
    max_rss: int  # bytes, of the child process alone (os.wait4)
    lines: int  # on stdout: shows both tools printed every task


def run_measured(argv: Sequence[str], env: dict[str, str]) -> Sample:
    """Wall time and peak RSS of one command, its stdout a pipe drained (like ``| cat``).

    A small interpreter forks it (timed_child.py says why), so the size of
    this process does not leak into the child's peak RSS.
    """
    spawner = [PYTHON, "-I", "-S", str(TIMED_CHILD), *argv]
    try:
        result = subprocess.run(spawner, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        # Also what a process that keeps our stdout open (a leaked pipe) looks like.
        raise CommandError(argv, -1, f"no end of output after {TIMEOUT} s") from exc
    if result.returncode != 0 or not result.stdout:
        raise CommandError(argv, result.returncode, result.stderr)
    elapsed, max_rss_kib, lines, code = result.stdout.split()
    if int(code) != 0:
        raise CommandError(argv, int(code), result.stderr)
    return Sample(float(elapsed), int(max_rss_kib) * 1024, int(lines))


def seconds(argv: Sequence[str], env: dict[str, str]) -> float:
    return run_measured(argv, env).seconds


def median(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


@dataclass(frozen=True)
class SeedTask:
    """One generated pending task; ``number`` is its short id in both tools."""

    number: int
    uuid: uuid.UUID
    title: str
    priority: str | None
    due: datetime | None
    tags: tuple[str, ...]
    project: str | None
    created: datetime


def generate_tasks(count: int, now: datetime) -> list[SeedTask]:
    """The same ``count`` tasks every time for the same ``now``: a mix of due and not,
    overdue and future (in no particular order), tagged and not, in projects and not."""
    return [_generated(number, now) for number in range(1, count + 1)]


def _generated(n: int, now: datetime) -> SeedTask:
    hours = (n * 7919) % 24_000 - 2_400  # about 100 days overdue to 900 days ahead
    return SeedTask(
        number=n,
        uuid=uuid.UUID(int=n),
        title=f"Benchmark task {n} with a few words",
        priority=PRIORITIES[n % 4],
        due=None if n % 3 == 0 else now + timedelta(hours=hours),
        tags=TAG_SETS[n % 3],
        project=PROJECTS[n % 5],
        created=now - timedelta(days=30),
    )


def database_url(data_dir: Path, env: dict[str, str]) -> str:
    """How to reach the embedded server, as the product finds it (an asyncpg DSN)."""
    from todo_cli.embedded import ensure_running

    with environ(env):
        url: str = ensure_running(data_dir).url
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def seed_todo(data_dir: Path, env: dict[str, str], tasks: Sequence[SeedTask]) -> str:
    """Replace the local user's tasks by ``tasks`` (numbers 1..N); the server's version.

    The schema and the local user must exist (run one ``todo add`` first).
    """
    return asyncio.run(_seed(database_url(data_dir, env), tasks))


SEED_COLUMNS = (
    "user_id",
    "number",
    "uuid",
    "title",
    "priority",
    "due",
    "tags",
    "project",
    "created_at",
    "updated_at",
)


async def _seed(dsn: str, tasks: Sequence[SeedTask]) -> str:
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            user_id = await connection.fetchval("SELECT id FROM users ORDER BY id LIMIT 1")
            await connection.execute("DELETE FROM tasks WHERE user_id = $1", user_id)
            records = [_record(user_id, task) for task in tasks]
            await connection.copy_records_to_table("tasks", records=records, columns=SEED_COLUMNS)
            await connection.execute(
                "UPDATE users SET last_task_number = $2 WHERE id = $1", user_id, len(tasks)
            )
        # Fresh statistics and visibility map now, not an autovacuum mid-measurement.
        await connection.execute("VACUUM ANALYZE tasks")
        version: str = await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
    return version


def _record(user_id: int, task: SeedTask) -> tuple[object, ...]:
    fields = (task.number, task.uuid, task.title, task.priority, task.due, list(task.tags))
    return (user_id, *fields, task.project, task.created, task.created)
