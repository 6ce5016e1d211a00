"""`todo db ...`: migrations and the embedded server, for admins and the curious."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from todo_cli.cli import prompts, render
from todo_cli.cli.environment import invocation
from todo_cli.cli.options import JsonOption, YesOption
from todo_cli.cli.runner import run_with_database
from todo_cli.errors import UsageError

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
    reached = _migrate(lambda database, settings: admin.upgrade(database, revision, settings), env)
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
    reached = _migrate(lambda database, settings: admin.downgrade(database, plan, settings), env)
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


def _run(step: Callable[[Database], Awaitable[T]], env: Environment) -> T:
    """One admin step on the database as it is (never migrated first)."""

    async def run(database: Database, settings: Settings) -> T:
        return await step(database)

    return run_with_database(run, env, check_schema=False)


def _migrate(step: Callable[[Database, Settings], Awaitable[T]], env: Environment) -> T:
    """A migration on the database as it is, with no statement timeout."""
    from todo_cli.db.admin import MIGRATION_SETTINGS

    return run_with_database(step, env, check_schema=False, overrides=MIGRATION_SETTINGS)


FileArgument = Annotated[Path, typer.Argument(help="The archive (pg_dump custom format).")]


@app.command()
def backup(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Where to write it (default: the data dir's backups/).")
    ] = None,
) -> None:
    """Back up the database with pg_dump (custom format, written 0600).

    The embedded server's programs back it up; a server that TODO_DATABASE_URL
    names needs its admin and a pg_dump on PATH at least as new as the server.
    """
    from todo_cli.backups import operations

    env = invocation(ctx)
    target = None if file is None else file.absolute()
    _progress(f"backing up the database to {target or 'the backups dir'}...", env)
    written = _with_settings(
        lambda database, settings: operations.backup(database, settings, file=target), env
    )
    render.message(f"backed up the database to {written}", env)


@app.command()
def restore(ctx: typer.Context, file: FileArgument, yes: YesOption = False) -> None:
    """Restore FILE (from `todo db backup`) in one transaction: all of it or nothing.

    Into an empty database, or a new data dir; a database that holds data is
    replaced only after asking, or with --yes.
    """
    from todo_cli.backups import operations

    env = invocation(ctx)
    source = file.absolute()
    if not source.is_file():
        raise UsageError(f"no backup file at {source}")
    occupied = _run(operations.holds_data, env)
    if occupied and prompts.needs_confirmation(yes, env):
        prompts.confirm("The database holds data. Replace it with the backup?", env)
    _progress(f"restoring {source}...", env)
    restored = _with_settings(
        lambda database, settings: operations.restore(
            database, settings, source=source, replace=occupied
        ),
        env,
    )
    replaced = "replacing its data" if restored.replaced else "into the empty database"
    render.message(f"restored {restored.source} ({replaced})", env)


@app.command()
def backups(ctx: typer.Context, json: JsonOption = False) -> None:
    """List the embedded server's backups (automatic and `todo db backup` ones), oldest first."""
    from todo_cli.backups import operations
    from todo_cli.cli.render_workflow import print_columns

    env = invocation(ctx)
    found = operations.listing(env.settings())
    if json:
        render.print_json([backup.as_json() for backup in found], env)
        return
    rows = [
        (b.taken_at.astimezone().strftime("%Y-%m-%d %H:%M"), b.kind, str(b.size), str(b.path))
        for b in found
    ]
    print_columns(("Taken", "Kind", "Bytes", "File"), rows, env)


@app.command("upgrade-server")
def upgrade_server(ctx: typer.Context) -> None:
    """Bring the embedded server's data to this todo's PostgreSQL major (backup, pg_upgrade).

    Any command does this when it finds an older major; this one does only that.
    """
    from todo_cli import embedded

    env = invocation(ctx)
    settings = env.settings()
    if settings.database_url:
        raise UsageError(
            "todo db upgrade-server upgrades only todo's embedded server; "
            "upgrade the server that TODO_DATABASE_URL names with its own tools"
        )
    done = embedded.upgrade_server(settings.data_dir)
    render.message(done, env)


def _with_settings(step: Callable[[Database, Settings], Awaitable[T]], env: Environment) -> T:
    return run_with_database(step, env, check_schema=False)


def _progress(text: str, env: Environment) -> None:
    """A progress line for a person: only when stderr is a terminal."""
    try:
        terminal = env.stderr.isatty()
    except (AttributeError, ValueError):
        terminal = False
    if terminal:
        render.message(text, env)
