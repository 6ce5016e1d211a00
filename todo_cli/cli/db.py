"""`todo db ...`: migrations and the embedded server, for admins and the curious."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from todo_cli.cli import prompts, render
from todo_cli.cli.environment import invocation
from todo_cli.cli.options import JsonOption, YesOption
from todo_cli.cli.runner import run_with_database

if TYPE_CHECKING:
    from todo_cli.cli.environment import Environment
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


RevisionArgument = Annotated[
    str, typer.Argument(help="Target revision; with --sql also FROM:TO.", metavar="REVISION")
]
SqlOption = Annotated[
    bool,
    typer.Option(
        "--sql",
        help="Print the migration's SQL for review instead of running it; connects to nothing.",
    ),
]


@app.command()
def upgrade(
    ctx: typer.Context, revision: RevisionArgument = "head", sql: SqlOption = False
) -> None:
    """Migrate the schema up to REVISION (default: head).

    With --sql nothing runs: the SQL is printed, from base (or FROM, given as
    FROM:REVISION), for an admin to review or apply with psql.
    """
    from todo_cli.db import admin

    env = invocation(ctx)
    if sql:
        admin.write_sql(revision, down=False, stdout=env.stdout)
        return
    admin.refuse_range(revision)
    reached = _run(lambda database: admin.upgrade(database, revision), env, migrating=True)
    render.message(f"database schema now at {admin.describe_revision(reached)}", env)


@app.command()
def downgrade(
    ctx: typer.Context,
    revision: RevisionArgument = "-1",
    yes: YesOption = False,
    sql: SqlOption = False,
) -> None:
    """Migrate the schema down to REVISION (default: one step); asks first unless --yes.

    With --sql nothing runs (and nothing is asked): the SQL is printed, from head
    (or FROM, given as FROM:REVISION), for an admin to review or apply with psql.
    """
    from todo_cli.db import admin

    env = invocation(ctx)
    if sql:
        admin.write_sql(revision, down=True, stdout=env.stdout)
        return
    admin.refuse_range(revision)
    asking = prompts.needs_confirmation(yes, env)
    plan = _run(lambda database: admin.plan_downgrade(database, revision), env)
    if plan.nothing_to_do:
        render.message(plan.unchanged, env)
        return
    if asking:
        prompts.confirm(plan.question, env)
    reached = _run(lambda database: admin.downgrade(database, plan), env, migrating=True)
    reached_text = admin.describe_revision(reached)
    render.message(f"{plan.consequence}; database schema now at {reached_text}", env)


@app.command()
def history(ctx: typer.Context) -> None:
    """List the migrations this todo carries, newest first."""
    from todo_cli.db import admin

    admin.history(invocation(ctx).stdout)


@app.command()
def current(ctx: typer.Context) -> None:
    """Print the database's schema revision, Alembic style (e.g. `0001 (head)`)."""
    from todo_cli.db import admin

    env = invocation(ctx)
    render.print_lines([_run(admin.describe_current, env)], env)


@app.command()
def check(ctx: typer.Context) -> None:
    """Fail (exit 4) when the models and the migrations disagree."""
    from todo_cli.db import admin

    _run(admin.check, invocation(ctx))


@app.command()
def status(ctx: typer.Context, json: JsonOption = False) -> None:
    """Where the database is, whether its schema is current, and the pool settings.

    A stopped embedded server is reported as stopped, not started to be asked;
    its revision and whether it is up to date are then unknown (null).
    """
    from todo_cli.cli.plain import plain_value
    from todo_cli.db import admin

    env = invocation(ctx)
    report = admin.status_without_asking(env.settings())
    if report is None:
        report = run_with_database(admin.status, env, check_schema=False)
    lines = (f"{key:<20}{plain_value(value)}" for key, value in report.items())
    render.print_data(report, lines, env)


@app.command()
def stop(ctx: typer.Context) -> None:
    """Stop the embedded PostgreSQL server (it starts again on the next command that needs it).

    Only todo's own server: a database that TODO_DATABASE_URL (or the config)
    names is never touched, and the message says so.
    """
    from todo_cli import embedded
    from todo_cli.db.urls import mask_url_text

    env = invocation(ctx)
    settings = env.settings()
    pid = embedded.stop(settings.data_dir)
    if pid is None:
        done = f"the embedded server in {settings.data_dir} is not running"
    else:
        done = f"stopped the embedded server (pid {pid})"
    if settings.database_url:
        configured = mask_url_text(settings.database_url)
        done += f"; the configured database ({configured}) is not todo's to stop: left running"
    render.message(done, env)


def _run(
    step: Callable[[Database], Awaitable[T]], env: Environment, *, migrating: bool = False
) -> T:
    """One admin step on the database as it is (never migrated first)."""
    from todo_cli.db.admin import MIGRATION_SETTINGS

    async def run(database: Database, settings: Settings) -> T:
        return await step(database)

    overrides = MIGRATION_SETTINGS if migrating else None
    return run_with_database(run, env, check_schema=False, overrides=overrides)
