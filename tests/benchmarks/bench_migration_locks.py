"""Which locks each migration takes on a big database, and how long it holds ACCESS EXCLUSIVE.

    python tests/benchmarks/bench_migration_locks.py [--tasks 1000000]
        [--server postgresql://postgres@127.0.0.1:5432/postgres | --embedded]

On the server given (a superuser maintenance URL; loopback only; default the
machine's PostgreSQL) or on an embedded server of its own (``--embedded``, in
a temporary directory), it makes a scratch database, migrates it to head,
seeds it by COPY (tests/populated.py: N tasks of three users, a note for every
fourth task, two journal rows per task, accounts and sessions) and then, from
the head down, takes every revision off and puts it back on (down, up, and
down again to reach the next), through the real Alembic env, one revision at a
time as `todo db upgrade REV` runs it. The revisions are read from the
migrations this todo carries.

How locks are seen: while a migration runs, a second connection (a thread of
its own) reads pg_locks every ``--interval`` seconds for the client backends
on the scratch database (the migration is the only other one) and notes when
each lock on a relation that existed before the migration began was first
seen and when it was gone (relations the migration creates are invisible to
everybody else until it commits, so their locks block no one). A run may
commit more than once (an index built CONCURRENTLY runs outside any
transaction): a lock's hold is from the sample that first saw it to the first
sample that no longer does, or to the run's end when it lasted that long. The
figure is off by at most one interval plus one sample's round trip either way.
A lock the migration waited for (not granted) is reported as a wait. "of those
kept" is the longest hold on a relation still there after the commit: a lock
on one the migration drops blocks only the clients of what is going away. The
scratch database is dropped at the end.
Figures only; the target (no ACCESS EXCLUSIVE held more than 1 s) is marked
ok/MISSED per row.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this file runs as a script: the repository's tests package

from tests.conftest import admin_dsn, engine_for, test_url_for  # noqa: E402
from tests.populated import seed  # noqa: E402
from todo_cli.db import migrations  # noqa: E402
from todo_cli.db.admin import MIGRATION_SETTINGS, Ladder  # noqa: E402

TARGET_SECONDS = 1.0
DATABASE = f"bench_locks_{os.getpid()}"
LOCKS_SQL = """
SELECT c.relname, c.relkind = 'r' AS is_table, l.mode, l.granted
  FROM pg_locks l
  JOIN pg_stat_activity a ON a.pid = l.pid
  JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
   AND a.datname = current_database() AND l.locktype = 'relation'
   AND c.relnamespace = current_schema()::regnamespace
"""


@dataclass
class Observation:
    """Locks one migration took: (relation, mode) -> the spans it was seen held; its waits."""

    started: float = field(default_factory=time.monotonic)
    spans: dict[tuple[str, str], list[list[float]]] = field(default_factory=dict)
    tables: set[str] = field(default_factory=set)
    waits: set[tuple[str, str]] = field(default_factory=set)
    finished: float = 0.0
    surviving: set[str] = field(default_factory=set)  # relations there after the commit

    def note(self, rows: list[asyncpg.Record], at: float) -> None:
        held = set()
        for row in rows:
            key = (row["relname"], row["mode"])
            if row["is_table"]:
                self.tables.add(row["relname"])
            if not row["granted"]:
                self.waits.add(key)
                continue
            held.add(key)
        for key, spans in self.spans.items():
            if spans[-1][1] < 0 and key not in held:
                spans[-1][1] = at  # gone by this sample: released at a commit before it
        for key in held:
            spans = self.spans.setdefault(key, [])
            if not spans or spans[-1][1] >= 0:
                spans.append([at, -1.0])  # -1: still held

    def held(self, mode: str) -> dict[str, float]:
        """Relation -> the longest time ``mode`` was held on it at a stretch (a span still
        open at the end lasted to the run's last commit)."""
        longest: dict[str, float] = {}
        for (relation, held_mode), spans in self.spans.items():
            if held_mode == mode:
                ends = [(end if end >= 0 else self.finished) - start for start, end in spans]
                longest[relation] = max(ends)
        return longest


class Watcher:
    """Samples pg_locks for the migrating backend from a second connection, in a thread."""

    def __init__(self, dsn: str, interval: float) -> None:
        self.dsn, self.interval = dsn, interval
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.observation = Observation()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._watch()), daemon=True)

    async def _watch(self) -> None:
        connection = await asyncpg.connect(self.dsn)
        try:
            statement = await connection.prepare(LOCKS_SQL)
            self.ready.set()
            while not self.stop.is_set():
                at = time.monotonic()
                self.observation.note(await statement.fetch(), at)
                await asyncio.sleep(self.interval)
        finally:
            self.ready.set()
            await connection.close()


@contextmanager
def watching(dsn: str, interval: float) -> Iterator[Observation]:
    watcher = Watcher(dsn, interval)
    watcher.thread.start()
    watcher.ready.wait()
    try:
        yield watcher.observation
    finally:
        watcher.observation.finished = watcher.observation.finished or time.monotonic()
        watcher.stop.set()
        watcher.thread.join()


async def migrate(url: str, revision: str | None, *, down: bool, interval: float) -> Observation:
    """One revision up or down, as `todo db upgrade|downgrade` runs it, watched."""
    engine = engine_for(url, **MIGRATION_SETTINGS)
    try:
        async with engine.connect():  # connected before the watch starts
            pass
        step = migrations.downgrade if down else migrations.upgrade
        with watching(admin_dsn(url), interval) as observation:
            await step(engine, revision or "base")
            observation.finished = time.monotonic()
        observation.surviving = await relations(url)
    finally:
        await engine.dispose()
    return observation


async def relations(url: str) -> set[str]:
    connection = await asyncpg.connect(admin_dsn(url))
    try:
        rows = await connection.fetch(
            "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
        )
    finally:
        await connection.close()
    return {row["relname"] for row in rows}


@dataclass(frozen=True)
class Row:
    step: str
    observation: Observation

    def cells(self) -> list[str]:
        seen = self.observation
        exclusive = seen.held("AccessExclusiveLock")
        longest = max(exclusive.items(), key=lambda item: item[1], default=None)
        kept = {name: held for name, held in exclusive.items() if name in seen.surviving}
        longest_kept = max(kept.items(), key=lambda item: item[1], default=None)
        modes = sorted({mode.removesuffix("Lock") for _, mode in seen.spans})
        verdict = "ok" if longest is None or longest[1] <= TARGET_SECONDS else "MISSED"
        return [
            self.step,
            f"{seen.finished - seen.started:.2f}",
            self.exclusive_tables(exclusive),
            f"{longest[1]:.3f} ({longest[0]})" if longest else "-",
            f"{longest_kept[1]:.3f} ({longest_kept[0]})" if longest_kept else "-",
            ", ".join(modes) or "-",
            ", ".join(f"{mode} on {rel}" for rel, mode in sorted(seen.waits)) or "-",
            verdict,
        ]

    def exclusive_tables(self, exclusive: dict[str, float]) -> str:
        """The tables by name; their indexes and sequences (locked with them) counted."""
        tables = sorted(self.observation.tables & exclusive.keys())
        others = len(exclusive) - len(tables)
        return ", ".join(tables) + (f" (+{others} indexes/sequences)" if others else "") or "-"


HEADINGS = [
    "step",
    "total s",
    "ACCESS EXCLUSIVE on",
    "longest ACCESS EXCLUSIVE s",
    "of those kept s",
    "modes taken",
    "waited",
    "<= 1 s",
]


def print_table(rows: list[Row]) -> None:
    table = [HEADINGS, *(row.cells() for row in rows)]
    widths = [max(len(line[column]) for line in table) for column in range(len(HEADINGS))]
    for line in table:
        print(" | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


async def admin(server: str, statement: str) -> None:
    connection = await asyncpg.connect(admin_dsn(server))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def populate(url: str, tasks: int) -> str:
    engine = engine_for(url)
    try:
        await migrations.upgrade(engine, "head")
    finally:
        await engine.dispose()
    connection = await asyncpg.connect(admin_dsn(url))
    try:
        started = time.monotonic()
        await seed(connection, tasks)
        await connection.execute("VACUUM ANALYZE")
        counts = await connection.fetchrow(
            "SELECT (SELECT count(*) FROM tasks) AS tasks, (SELECT count(*) FROM task_notes) "
            "AS notes, (SELECT count(*) FROM task_journal) AS journal, version() AS server"
        )
    finally:
        await connection.close()
    return (
        f"seeded {counts['tasks']} tasks, {counts['notes']} notes, {counts['journal']} "
        f"journal rows in {time.monotonic() - started:.0f} s on {counts['server']}"
    )


async def walk(url: str, interval: float) -> list[Row]:
    rows = []
    steps = Ladder.load().steps
    for below, revision in reversed(list(pairwise(steps))):
        down = await migrate(url, below, down=True, interval=interval)
        rows.append(Row(f"{revision} -> {below or 'base'}", down))
        up = await migrate(url, revision, down=False, interval=interval)
        rows.append(Row(f"{below or 'base'} -> {revision}", up))
        await migrate(url, below, down=True, interval=interval)
    return rows


def run(server: str, tasks: int, interval: float) -> None:
    asyncio.run(admin(server, f"CREATE DATABASE {DATABASE}"))
    try:
        url = test_url_for(server, DATABASE)
        print(asyncio.run(populate(url, tasks)), flush=True)
        rows = asyncio.run(walk(url, interval))
    finally:
        asyncio.run(admin(server, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
    print(f"locks sampled every {interval * 1000:.0f} ms from a second connection")
    print_table(rows)


@contextmanager
def embedded_server() -> Iterator[str]:
    from todo_cli import embedded

    embedded.quiet_library(debug=False)
    base = Path(tempfile.mkdtemp(prefix="todo-bench-locks-"))
    base.chmod(0o755)  # as root the server account must get through it (tests/conftest.py)
    try:
        yield embedded.ensure_running(base / "data").url
    finally:
        embedded.stop(base / "data")
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--embedded", action="store_true", help="a server of its own instead")
    parser.add_argument("--interval", type=float, default=0.005, help="seconds between samples")
    args = parser.parse_args()
    if args.embedded:
        with embedded_server() as server:
            run(server, args.tasks, args.interval)
    else:
        run(args.server, args.tasks, args.interval)


if __name__ == "__main__":
    main()
