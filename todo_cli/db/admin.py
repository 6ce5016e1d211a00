"""Administering the schema for `todo db`: revisions, migrations, status, downgrade plans.

Where a database stands is decided by looking its revision up among the
migrations this todo carries (a linear history, base first), never by
parsing Alembic's messages: a revision this todo does not know means the
database is newer (exit 7, upgrade todo); a step past either end is a
usage error.
"""

from __future__ import annotations

import logging
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from todo_cli.db import migrations
from todo_cli.db.database import backup_before_migration, database_revision, describe_mismatch
from todo_cli.errors import ConflictError, SchemaOutdatedError, UsageError

if TYPE_CHECKING:
    from todo_cli.db.database import Database, Location
    from todo_cli.settings import Settings

EMPTY = "base (empty: no todo schema yet)"
RELATIVE = re.compile(r"[+-]\d+")
RANGE_SEPARATOR = ":"  # FROM:TO, Alembic's spelling of an offline range
# Migrations may rewrite whole tables: no statement limit while they run
# (the lock timeout stays, so a migration never queues behind users for long).
MIGRATION_SETTINGS = {"statement_timeout": 0}


@dataclass(frozen=True)
class Ladder:
    """This todo's revisions, oldest first, with base (None) at the bottom."""

    steps: tuple[str | None, ...]

    @classmethod
    def load(cls) -> Ladder:
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(migrations.alembic_config())
        newest_first = [revision.revision for revision in script.walk_revisions()]
        return cls((None, *reversed(newest_first)))

    @property
    def head(self) -> str | None:
        return self.steps[-1]

    def position(self, revision: str | None) -> int:
        """Where ``revision`` stands; a revision this todo lacks is a newer database."""
        if revision not in self.steps:
            raise SchemaOutdatedError(
                f"the database schema ({revision}) is newer than this todo; upgrade todo"
            )
        return self.steps.index(revision)

    def resolve(self, target: str, current: str | None) -> str | None:
        """The revision ``target`` names: head, base, +N/-N from ``current``, or an id (prefix)."""
        refuse_range(target)
        if target in ("head", "base"):
            return self.head if target == "head" else None
        if RELATIVE.fullmatch(target):
            return self._step(current, int(target))
        matches = [step for step in self.steps[1:] if step and step.startswith(target)]
        if len(matches) != 1:
            raise UsageError(f"unknown revision {target!r}; see `todo db history`")
        return matches[0]

    def _step(self, current: str | None, offset: int) -> str | None:
        index = self.position(current) + offset
        if not 0 <= index < len(self.steps):
            end = "base" if index < 0 else f"head ({self.head})"
            raise UsageError(f"{offset:+d} from {current or 'base'} goes past {end}")
        return self.steps[index]


def refuse_range(target: str) -> None:
    """A FROM:TO range says where a database is, which only an offline script may assume."""
    if RANGE_SEPARATOR in target:
        raise UsageError(f"a FROM:TO range ({target}) is only for --sql")


async def current_revision(database: Database) -> str | None:
    """The database's revision, refused (exit 7) when it is newer than this todo."""
    revision = await database_revision(database)
    Ladder.load().position(revision)
    return revision


async def describe_current(database: Database) -> str:
    """Alembic style: ``0001 (head)``, ``0001``, or that the database is empty."""
    revision = await current_revision(database)
    if revision is None:
        return EMPTY
    return f"{revision} (head)" if revision == Ladder.load().head else revision


def history(stdout: TextIO) -> None:
    """Alembic's listing of the migrations this todo carries, newest first, to ``stdout``."""
    from alembic import command

    command.history(migrations.alembic_config(stdout))


def describe_revision(revision: str | None) -> str:
    return revision or "base (empty)"


async def upgrade(database: Database, target: str, settings: Settings) -> str | None:
    """Migrate up to ``target``; the revision the database is at afterwards.

    The embedded database is backed up first (unless it is empty).
    """
    ladder = Ladder.load()
    current = await current_revision(database)
    goal = ladder.resolve(target, current)
    if ladder.position(goal) < ladder.position(current):
        raise UsageError(
            f"{target} is below the current revision {current}; use `todo db downgrade`"
        )
    if goal != current:
        if current is not None:
            backup_before_migration(database, settings)
        with migration_progress():
            await migrations.upgrade(database.engine, str(goal))
    return await database_revision(database)


def write_sql(steps: str, *, down: bool, stdout: TextIO) -> None:
    """`todo db upgrade|downgrade --sql`: the migration's SQL for review, never run.

    ``steps`` is ``[FROM:]TO``. Nothing is asked of any database, so FROM is
    assumed: base going up, head going down (a relative TO counts from it).
    """
    ladder = Ladder.load()
    start_text, _, goal_text = steps.rpartition(RANGE_SEPARATOR)
    start_default = "head" if down else "base"
    start = ladder.resolve(start_text or start_default, None)
    goal = ladder.resolve(goal_text, start)
    rising = ladder.position(goal) - ladder.position(start)
    if (rising > 0 and down) or (rising < 0 and not down):
        verb, other = ("down", "upgrade") if down else ("up", "downgrade")
        raise UsageError(
            f"{steps} does not go {verb} (from {describe_revision(start)}); use `todo db {other}`"
        )
    migrations.write_sql(start, goal, down=down, stdout=stdout)


@dataclass(frozen=True)
class DowngradePlan:
    """What `todo db downgrade` would do, read before anyone is asked."""

    current: str | None
    target: str | None
    tasks: int | None = None  # counted when the downgrade drops the tables
    users: int | None = None

    @property
    def nothing_to_do(self) -> bool:
        return self.current == self.target

    @property
    def consequence(self) -> str:
        if self.tasks is None:
            return "data kept by the undone migrations may be lost"
        return f"this drops {self.tasks} tasks of {self.users} users"

    @property
    def question(self) -> str:
        return f"Downgrade the database schema to {describe_revision(self.target)}? " + (
            self.consequence[0].upper() + self.consequence[1:] + "."
        )

    @property
    def unchanged(self) -> str:
        return f"already at {self.current or 'base'}; nothing to downgrade"


async def plan_downgrade(database: Database, target: str) -> DowngradePlan:
    ladder = Ladder.load()
    current = await current_revision(database)
    if current is None:
        return DowngradePlan(current=None, target=None)
    goal = ladder.resolve(target, current)
    if ladder.position(goal) > ladder.position(current):
        raise UsageError(f"{target} is above the current revision {current}; use `todo db upgrade`")
    if goal is not None:
        return DowngradePlan(current=current, target=goal)
    tasks, users = await _count_tasks_and_users(database)
    return DowngradePlan(current=current, target=None, tasks=tasks, users=users)


async def _count_tasks_and_users(database: Database) -> tuple[int, int]:
    from sqlalchemy import text

    async with database.engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT (SELECT count(*) FROM tasks), (SELECT count(*) FROM users)")
            )
        ).one()
    return int(row[0]), int(row[1])


async def downgrade(database: Database, plan: DowngradePlan, settings: Settings) -> str | None:
    """Carry out ``plan`` (the embedded database backed up first); the revision reached."""
    backup_before_migration(database, settings)
    with migration_progress():
        await migrations.downgrade(database.engine, plan.target or "base")
    return await database_revision(database)


async def check(database: Database) -> None:
    """Exit 4 with a one-line summary when the models and the migrations disagree."""
    from alembic import command
    from alembic.util.exc import AutogenerateDiffsDetected
    from sqlalchemy.exc import SAWarning

    current = await current_revision(database)
    if current != Ladder.load().head:
        raise SchemaOutdatedError(describe_mismatch(current, Ladder.load().head))
    try:
        with warnings.catch_warnings():
            # SQLAlchemy 2.1 reflects a NOT VALID check (migration 0005's) with an
            # option it then warns it cannot validate; the comparison is unaffected.
            warnings.filterwarnings(
                "ignore", message="Can't validate argument 'dialect_options'", category=SAWarning
            )
            await migrations.run_alembic(database.engine, command.check)
    except AutogenerateDiffsDetected as exc:
        summary = "; ".join(describe_diff(diff) for diff in exc.diffs)
        raise ConflictError(f"models and migrations disagree: {summary}") from exc


def describe_diff(diff: Any) -> str:
    """One of Alembic's autogenerate diffs (a tuple, or a list of column changes), in words."""
    if isinstance(diff, list):
        return "; ".join(describe_diff(change) for change in diff)
    operation, *details = diff
    words = operation.replace("_", " ").replace(" fk", " foreign key")
    if operation.startswith("modify_"):  # (op, schema, table, column, existing, old, new)
        return f"{words} of {details[1]}.{details[2]}: {details[-2]!r} -> {details[-1]!r}"
    if operation.endswith("_column"):  # (op, schema, table, column)
        return f"{words} {details[1]}.{details[2].name}"
    return f"{words} {_object_name(details[-1])}"


def _object_name(item: Any) -> str:
    name = getattr(item, "name", None) or type(item).__name__
    table = getattr(getattr(item, "table", None), "name", None)
    return f"{table}.{name}" if table and table != name else str(name)


def status_without_asking(settings: Settings) -> dict[str, Any] | None:
    """`todo db status` of a stopped embedded server, told without starting it;
    None when there is a server to ask (a URL, or the embedded one running)."""
    from todo_cli import embedded
    from todo_cli.db.database import Location

    if settings.database_url or embedded.running_pid(settings.data_dir) is not None:
        return None
    pgdata = str(embedded.pgdata_path(settings.data_dir))
    stopped = Location("embedded", pgdata, server_pid=None, running=False)
    return status_report(stopped, settings, None, known=False)


async def status(database: Database, settings: Settings) -> dict[str, Any]:
    """`todo db status`, asking the server for the revision (never migrating first)."""
    return status_report(database.location, settings, await database_revision(database))


def status_report(
    location: Location, settings: Settings, revision: str | None, *, known: bool = True
) -> dict[str, Any]:
    """`todo db status`; with ``known`` False (server not asked) revision and currency are null."""
    head = Ladder.load().head
    return {
        "mode": location.mode,
        "data_dir" if location.mode == "embedded" else "url": location.address,
        "server_running": location.running,
        "server_pid": location.server_pid,
        "revision": revision,
        "head": head,
        "up_to_date": (revision == head) if known else None,
        "pool_size": settings.pool_size,
        "max_overflow": settings.max_overflow,
        "pool_pre_ping": settings.pool_pre_ping,
        "pool_recycle": settings.pool_recycle,
        "connect_timeout": settings.connect_timeout,
        "statement_timeout": settings.statement_timeout,
        "lock_timeout": settings.lock_timeout,
        "transaction_pooling": settings.transaction_pooling,
    }


@contextmanager
def migration_progress() -> Iterator[None]:
    """Alembic's 'Running upgrade a -> b' lines on stderr while migrating."""
    logger = logging.getLogger("alembic.runtime.migration")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(lambda record: record.getMessage().startswith("Running "))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
