"""Alembic environment: async, metadata from the SQLModel models.

`todo db ...` hands in a live connection (``config.attributes["connection"]``)
from inside the CLI's event loop. Run by the `alembic` command instead, the
env builds the same engine the CLI would, from todo's settings; the URL never
passes through alembic.ini.
"""

import asyncio
import logging.config

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import todo_cli.models  # noqa: F401  (registers the tables on SQLModel.metadata)

# One key for every todo process: concurrent upgrades queue on it and each
# re-reads the version table once it holds the lock.
MIGRATION_LOCK_KEY = 0x746F646F

config = context.config
target_metadata = SQLModel.metadata

# An offline script from a revision other than base first checks that the
# database is there: run against another one it would stop before any change.
VERSION_GUARD = """
DO $guard$
BEGIN
    IF to_regclass('alembic_version') IS NULL THEN
        RAISE EXCEPTION 'this script migrates a database at revision {revision}; this one has none';
    END IF;
    IF (SELECT max(version_num) FROM alembic_version) IS DISTINCT FROM '{revision}' THEN
        RAISE EXCEPTION 'this script migrates a database at revision {revision}; this one is not';
    END IF;
END $guard$
"""


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
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
        # The same queue the online migration joins (do_run_migrations).
        context.execute(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
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
        database.engine.begin() as connection,
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
