"""Alembic environment: async, metadata from the SQLModel models.

`todo db ...` hands in a live connection (``config.attributes["connection"]``)
from inside the CLI's event loop. Run by the `alembic` command instead, the
env builds the same engine the CLI would, from todo's settings; the URL never
passes through alembic.ini.
"""

import asyncio
import logging.config

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import todo_cli.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from todo_cli.db import migration_lock
from todo_cli.db.migration_lock import TAKE_LOCK, VERSION_GUARD

config = context.config
target_metadata = SQLModel.metadata


def do_run_migrations(connection: Connection) -> None:
    """The run, on a connection outside any transaction (Alembic begins and commits:
    a migration may need statements outside one, see migration_lock.outside_transaction).

    The caller holds the migration lock for the whole run (migration_lock.held).
    """
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """The SQL a migration runs, printed for review (`todo db upgrade --sql`); no connection.

    Named bind parameters, because with the default (psycopg2's pyformat) every
    ``%`` in a statement would be printed doubled, and the script would then
    do something else than the online migration.
    """
    context.configure(
        url="postgresql://",
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        # The same queue the online migration joins (migration_lock.held); a script
        # from a revision other than base first checks the database is at it.
        context.execute(TAKE_LOCK)
        start = starting_revision()
        if start is not None:
            context.execute(VERSION_GUARD.format(revision=start))
        context.run_migrations()


def starting_revision() -> str | None:
    """The revision an offline range starts from (``FROM`` of ``FROM:TO``); None for base."""
    start = context.get_starting_revision_argument()
    if not isinstance(start, str) or start == "base":
        return None
    revision = context.script.get_revision(start)
    return revision.revision if revision is not None else None


async def run_migrations_from_settings() -> None:
    from todo_cli.db.database import open_database
    from todo_cli.settings import load_settings

    async with (
        open_database(load_settings(), check_schema=False) as database,
        migration_lock.held(database.engine),
        database.engine.connect() as connection,
    ):
        await connection.run_sync(do_run_migrations)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
        return
    if config.config_file_name is not None:
        logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)
    asyncio.run(run_migrations_from_settings())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
