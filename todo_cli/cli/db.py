"""`todo db ...`: migrations and the embedded server, for admins and the curious."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from todo_cli.cli import render
from todo_cli.cli.options import JsonOption, YesOption
from todo_cli.cli.runner import run_with_database
from todo_cli.cli.tasks import confirm_or_refuse
from todo_cli.errors import ConflictError, SchemaOutdatedError, UsageError

if TYPE_CHECKING:
    from todo_cli.db.database import Database, Location
    from todo_cli.settings import Settings

app = typer.Typer(
    help="Migrate the schema and manage the embedded server.", invoke_without_command=True
)


@app.callback()
def group(ctx: typer.Context) -> None:
    """Migrate the schema and manage the embedded server."""
    from todo_cli.cli.app import help_when_bare

    help_when_bare(ctx)


RevisionArgument = Annotated[str, typer.Argument(help="Target revision.")]


@app.command()
def upgrade(revision: RevisionArgument = "head") -> None:
    """Migrate the schema up to REVISION (default: head)."""
    from todo_cli.db import migrations

    _migrate(lambda database: migrations.upgrade(database.engine, revision))


@app.command()
def downgrade(revision: RevisionArgument = "-1", yes: YesOption = False) -> None:
    """Migrate the schema down to REVISION (default: one step); asks first unless --yes."""
    from todo_cli.db import migrations

    confirm_or_refuse(yes, f"Downgrade the database schema to {revision}? Data may be lost.")
    _migrate(lambda database: migrations.downgrade(database.engine, revision))


@app.command()
def history() -> None:
    """List the migrations this todo carries, newest first."""
    from alembic import command

    from todo_cli.db.migrations import alembic_config

    with alembic_errors():
        command.history(alembic_config())


@app.command()
def current() -> None:
    """Print the database's schema revision, Alembic style (e.g. `1a2b3c4d (head)`)."""
    from alembic import command

    _alembic_on_database(command.current)


@app.command()
def check() -> None:
    """Fail (exit 4) when the models and the migrations disagree."""
    from alembic import command

    _alembic_on_database(command.check)


@app.command()
def status(json: JsonOption = False) -> None:
    """Where the database is, whether its schema is current, and the pool settings.

    A stopped embedded server is reported as stopped, not started to be asked.
    """
    from todo_cli.db import embedded
    from todo_cli.db.database import Location, database_revision
    from todo_cli.db.migrations import head_revision
    from todo_cli.settings import load_settings

    async def describe(database: Database, settings: Settings) -> dict[str, Any]:
        revision = await database_revision(database)
        return _status_report(database.location, settings, revision, head_revision())

    settings = load_settings()
    if settings.database_url or embedded.running_pid(settings.data_dir) is not None:
        report = run_with_database(describe, check_schema=False)
    else:
        pgdata = str(embedded.pgdata_path(settings.data_dir))
        stopped = Location("embedded", pgdata, server_pid=None, running=False)
        report = _status_report(stopped, settings, None, head_revision())
    if json:
        render.print_json(report)
    else:
        sys.stdout.writelines(f"{key:<20}{_plain(value)}\n" for key, value in report.items())


@app.command()
def stop() -> None:
    """Stop the embedded PostgreSQL server (it starts again on the next command)."""
    from todo_cli.db import embedded
    from todo_cli.settings import load_settings

    settings = load_settings()
    pid = embedded.stop(settings.data_dir)
    if pid is None:
        render.message(f"the embedded server in {settings.data_dir} is not running")
    else:
        render.message(f"stopped the embedded server (pid {pid})")


def _status_report(
    location: Location, settings: Settings, revision: str | None, head: str | None
) -> dict[str, Any]:
    return {
        "mode": location.mode,
        "data_dir" if location.mode == "embedded" else "url": location.address,
        "server_running": location.running,
        "server_pid": location.server_pid,
        "revision": revision,
        "head": head,
        "up_to_date": revision == head,
        "pool_size": settings.pool_size,
        "max_overflow": settings.max_overflow,
        "pool_pre_ping": settings.pool_pre_ping,
        "pool_recycle": settings.pool_recycle,
        "connect_timeout": settings.connect_timeout,
        "transaction_pooling": settings.transaction_pooling,
    }


def _plain(value: Any) -> str:
    return "-" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _migrate(step: Callable[[Database], Any]) -> None:
    from todo_cli.db.database import database_revision
    from todo_cli.db.errors import connection_errors

    async def migrate(database: Database, settings: Settings) -> str | None:
        with connection_errors(database.host), alembic_errors(), migration_progress():
            await step(database)
        return await database_revision(database)

    revision = run_with_database(migrate, check_schema=False)
    render.message(f"database schema now at {revision or 'base (empty)'}")


def _alembic_on_database(command: Callable[..., Any]) -> None:
    from todo_cli.db.errors import connection_errors
    from todo_cli.db.migrations import run_alembic

    async def run(database: Database, settings: Settings) -> None:
        with connection_errors(database.host), alembic_errors():
            await run_alembic(database.engine, command)

    run_with_database(run, check_schema=False)


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


@contextmanager
def alembic_errors() -> Iterator[None]:
    from alembic.util.exc import AutogenerateDiffsDetected, CommandError

    try:
        yield
    except AutogenerateDiffsDetected as exc:
        raise ConflictError(f"models and migrations disagree: {exc}") from exc
    except CommandError as exc:
        if "not up to date" in str(exc):
            raise SchemaOutdatedError(f"{exc} Run `todo db upgrade`.") from exc
        raise UsageError(str(exc)) from exc
