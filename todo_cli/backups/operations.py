"""`todo db backup`, `todo db restore` and `todo db backups`: one call each for the commands.

The embedded server is backed up by its owner; a server that a URL names
only by its admin (a superuser, or a role with BYPASSRLS: row-level security
would hide other users' rows from anyone else): its users have `todo export`
for their own tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from todo_cli.backups import archive, dumps, programs
from todo_cli.db import maintenance
from todo_cli.errors import CredentialsError, UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from todo_cli.db.database import Database
    from todo_cli.settings import Settings

NOT_ADMIN = (
    "{what} needs the database's admin (a superuser or a BYPASSRLS role, which sees every "
    "user's rows); to keep your own tasks use `todo export`"
)


@dataclass(frozen=True)
class Restored:
    source: Path
    target: str  # the embedded data dir, or the masked URL
    replaced: bool  # the database held data, now replaced


async def backup(database: Database, settings: Settings, *, file: Path | None) -> Path:
    """A pg_dump archive (custom format, 0600): at ``file``, or in the data dir's backups/."""
    from todo_cli import clock

    url, program = await _server(database, settings, "pg_dump", what="a backup")
    if file is None:
        if database.location.mode != "embedded":
            raise UsageError("name the FILE to write: only the embedded server has a backups dir")
        file = archive.new_backup_path(settings.data_dir, "manual", clock.now())
    dumps.dump(program, url, file)
    return file


async def holds_data(database: Database) -> bool:
    """Whether a restore here would replace data (asked before --yes is needed)."""
    return await maintenance.holds_data(database.engine)


async def restore(
    database: Database, settings: Settings, *, source: Path, replace: bool
) -> Restored:
    """``source`` restored in one transaction; a database holding data only with ``replace``."""
    url, program = await _server(database, settings, "pg_restore", what="a restore")
    occupied = await maintenance.holds_data(database.engine)
    if occupied and not replace:
        raise UsageError(f"{database.location.address} holds data; --yes replaces it")
    await database.engine.dispose()  # our own connections must not hold locks pg_restore needs
    dumps.restore(program, url, source, clean=occupied)
    return Restored(source, database.location.address, occupied)


async def _server(
    database: Database, settings: Settings, name: str, *, what: str
) -> tuple[URL, Path]:
    """The libpq URL (password included) and the program that fits the server."""
    from todo_cli.db.database import external_url

    if database.location.mode == "embedded":
        return database.engine.url, programs.embedded_program(name)
    if not await maintenance.is_admin(database.engine):
        raise CredentialsError(NOT_ADMIN.format(what=what[0].upper() + what[1:]))
    major = await maintenance.server_major(database.engine)
    return external_url(settings), programs.program_on_path(name, major, database.host)


def listing(settings: Settings) -> list[archive.Backup]:
    return archive.list_backups(settings.data_dir)
