"""Opening the database for one invocation: which server, which engine, which schema."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from todo_cli.db import embedded, migrations, urls
from todo_cli.db.engine import build_engine
from todo_cli.db.errors import connection_errors
from todo_cli.errors import SchemaOutdatedError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL
    from sqlalchemy.ext.asyncio import AsyncEngine

    from todo_cli.settings import Settings

Mode = Literal["embedded", "external"]
UPGRADE_HINT = "run `todo db upgrade`"


@dataclass(frozen=True)
class Location:
    """Where the database is, as `todo db status` reports it."""

    mode: Mode
    address: str  # the masked URL, or the embedded data directory
    server_pid: int | None = None
    running: bool = True


@dataclass(frozen=True)
class Database:
    engine: AsyncEngine
    location: Location
    host: str


def locate(settings: Settings) -> tuple[Location, urls.ConnectTarget]:
    """Where this invocation's database is; starts the embedded server if needed."""
    if settings.database_url:
        from todo_cli.db.secrets import with_password

        target = _translate(with_password(urls.parse_url(settings.database_url)), settings)
        return Location("external", target.masked), target
    server = embedded.ensure_running(settings.data_dir)
    target = _translate(urls.parse_url(server.url), settings)
    return Location("embedded", str(server.pgdata), server.pid), target


def _translate(url: URL, settings: Settings) -> urls.ConnectTarget:
    return urls.translate(
        url, connect_timeout=settings.connect_timeout, application_name=settings.application_name
    )


@asynccontextmanager
async def open_database(
    settings: Settings, *, check_schema: bool = True
) -> AsyncIterator[Database]:
    """An engine for this invocation, disposed before the event loop closes.

    With ``check_schema``, the embedded database is brought to head and an
    external one behind head is refused (exit 7): admins migrate shared ones.
    """
    location, target = locate(settings)
    database = Database(build_engine(target, settings), location, target.host)
    try:
        if check_schema:
            await ensure_schema(database)
        yield database
    finally:
        await database.engine.dispose()


async def database_revision(database: Database) -> str | None:
    with connection_errors(database.host):
        async with database.engine.connect() as connection:
            return await migrations.current_revision(connection)


async def ensure_schema(database: Database) -> None:
    current = await database_revision(database)
    head = migrations.HEAD_REVISION
    if current == head:
        return
    embedded_and_older = current is None or current in migrations.known_revisions()
    if database.location.mode == "embedded" and embedded_and_older:
        await migrations.upgrade(database.engine, "head")
        return
    raise SchemaOutdatedError(describe_mismatch(current, head))


def describe_mismatch(current: str | None, head: str | None) -> str:
    if current is None:
        return f"the database has no todo schema yet; {UPGRADE_HINT}"
    if current not in migrations.known_revisions():
        return f"the database schema ({current}) is newer than this todo knows; upgrade todo"
    return f"the database schema ({current}) is behind this todo ({head}); {UPGRADE_HINT}"
