"""Driving Alembic from inside the CLI's event loop.

The migrations ship inside the wheel as ``todo_cli/migrations`` (mapped from
the repository's top-level ``alembic/`` at build time); a source checkout
uses ``alembic/`` directly.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy import text

import todo_cli
from todo_cli.errors import ConfigError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


# The newest revision this package ships. Every task command compares the
# database against it, and reading it here instead of loading Alembic saves
# about 0.3 s per command; a test fails when a revision is added without
# updating it.
HEAD_REVISION = "0007"


def migrations_dir() -> Path:
    package = Path(todo_cli.__file__).parent
    for candidate in (package / "migrations", package.parent / "alembic"):
        if (candidate / "env.py").is_file():
            return candidate
    raise ConfigError(f"the migrations are missing from {package}; reinstall todo")


def alembic_config(stdout: TextIO | None = None) -> Config:
    from alembic.config import Config

    config = Config(stdout=stdout or sys.stdout)
    # ConfigParser interpolates '%', so a path holding one must be escaped.
    config.set_main_option("script_location", str(migrations_dir()).replace("%", "%%"))
    return config


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    head: str | None = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {revision.revision for revision in script.walk_revisions()}


async def current_revision(connection: AsyncConnection) -> str | None:
    """The database's revision; None for a database Alembic never touched."""
    if await connection.scalar(text("SELECT to_regclass('alembic_version')")) is None:
        return None
    revision: str | None = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    return revision


async def run_alembic(
    engine: AsyncEngine, command: Callable[..., Any], *args: Any, stdout: TextIO | None = None
) -> None:
    """Run an ``alembic.command`` function on one of our connections, under the migration lock.

    The connection is handed over outside any transaction: Alembic begins one for
    the run and commits it, and once more around statements that must run outside
    one (migration_lock.outside_transaction).
    """
    from todo_cli.db import migration_lock

    config = alembic_config(stdout)
    async with migration_lock.held(engine), engine.connect() as connection:
        await connection.run_sync(_on_connection, config, command, args)


def _on_connection(
    connection: Connection, config: Config, command: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    config.attributes["connection"] = connection
    command(config, *args)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    from alembic import command

    await run_alembic(engine, command.upgrade, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    from alembic import command

    await run_alembic(engine, command.downgrade, revision)


def write_sql(start: str | None, goal: str | None, *, down: bool, stdout: TextIO) -> None:
    """The SQL that takes a database from ``start`` to ``goal`` (None: base), written to
    ``stdout`` by Alembic's offline mode: nothing connects to any database."""
    from alembic import command

    config = alembic_config(stdout)
    config.output_buffer = stdout
    steps = f"{start or 'base'}:{goal or 'base'}"
    (command.downgrade if down else command.upgrade)(config, steps, sql=True)
