"""`todo db ...`: migrations and the embedded server, for admins and the curious."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from todo_cli.cli import render
from todo_cli.cli.environment import invocation
from todo_cli.cli.options import JsonOption, YesOption
from todo_cli.cli.runner import run_with_database
from todo_cli.cli.tasks import confirm, needs_confirmation

if TYPE_CHECKING:
    from todo_cli.db.database import Database
    from todo_cli.settings import Settings

T = TypeVar("T")

app = typer.Typer(
    help="Migrate the schema and manage the embedded server.", invoke_without_command=True
)


@app.callback()
def group(ctx: typer.Context) -> None:
    """Migrate the schema and manage the embedded server."""
    from todo_cli.cli.workflow import help_when_bare

    help_when_bare(ctx)


RevisionArgument = Annotated[str, typer.Argument(help="Target revision.")]


@app.command()
def upgrade(revision: RevisionArgument = "head") -> None:
    """Migrate the schema up to REVISION (default: head)."""
    from todo_cli.db import admin

    reached = _run(lambda database: admin.upgrade(database, revision), migrating=True)
    render.message(f"database schema now at {admin.describe_revision(reached)}")


@app.command()
def downgrade(revision: RevisionArgument = "-1", yes: YesOption = False) -> None:
    """Migrate the schema down to REVISION (default: one step); asks first unless --yes."""
    from todo_cli.db import admin

    asking = needs_confirmation(yes)
    plan = _run(lambda database: admin.plan_downgrade(database, revision))
    if plan.nothing_to_do:
        render.message(plan.unchanged)
        return
    if asking:
        confirm(plan.question)
    reached = _run(lambda database: admin.downgrade(database, plan), migrating=True)
    render.message(f"{plan.consequence}; database schema now at {admin.describe_revision(reached)}")


@app.command()
def history() -> None:
    """List the migrations this todo carries, newest first."""
    from todo_cli.db import admin

    admin.history(invocation().stdout)


@app.command()
def current() -> None:
    """Print the database's schema revision, Alembic style (e.g. `0001 (head)`)."""
    from todo_cli.db import admin

    render.print_lines([_run(admin.describe_current)])


@app.command()
def check() -> None:
    """Fail (exit 4) when the models and the migrations disagree."""
    from todo_cli.db import admin

    _run(admin.check)


@app.command()
def status(json: JsonOption = False) -> None:
    """Where the database is, whether its schema is current, and the pool settings.

    A stopped embedded server is reported as stopped, not started to be asked;
    its revision and whether it is up to date are then unknown (null).
    """
    from todo_cli.cli.plain import plain_value
    from todo_cli.db import admin

    report = admin.status_without_asking(invocation().settings())
    if report is None:
        report = run_with_database(admin.status, check_schema=False)
    render.print_data(report, (f"{key:<20}{plain_value(value)}" for key, value in report.items()))


@app.command()
def stop() -> None:
    """Stop the embedded PostgreSQL server (it starts again on the next command that needs it).

    Only todo's own server: a database that TODO_DATABASE_URL (or the config)
    names is never touched, and the message says so.
    """
    from todo_cli import embedded
    from todo_cli.db.urls import mask_url_text

    settings = invocation().settings()
    pid = embedded.stop(settings.data_dir)
    if pid is None:
        done = f"the embedded server in {settings.data_dir} is not running"
    else:
        done = f"stopped the embedded server (pid {pid})"
    if settings.database_url:
        configured = mask_url_text(settings.database_url)
        done += f"; the configured database ({configured}) is not todo's to stop: left running"
    render.message(done)


def _run(step: Callable[[Database], Awaitable[T]], *, migrating: bool = False) -> T:
    """One admin step on the database as it is (never migrated first)."""
    from todo_cli.db.admin import MIGRATION_SETTINGS

    async def run(database: Database, settings: Settings) -> T:
        return await step(database)

    overrides = MIGRATION_SETTINGS if migrating else None
    return run_with_database(run, check_schema=False, overrides=overrides)
