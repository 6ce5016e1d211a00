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
    from sqlalchemy.ext.asyncio import AsyncEngine

    from todo_cli.settings import Settings

Mode = Literal["embedded", "external"]
UPGRADE_HINT = "run `todo db upgrade`"


@dataclass(frozen=True)
class Database:
    engine: AsyncEngine
    mode: Mode
    location: str  # the masked URL, or the embedded data directory
    host: str
    server_pid: int | None = None


def connect_target(settings: Settings, *, debug: bool = False) -> tuple[urls.ConnectTarget, Mode]:
    """Where this invocation's database is; starts the embedded server if needed."""
    if settings.database_url:
        from todo_cli.db.secrets import with_password

        url = with_password(urls.parse_url(settings.database_url))
        mode: Mode = "external"
    else:
        embedded.quiet_library(debug)
        server = embedded.ensure_running(settings.data_dir)
        url = urls.parse_url(server.url)
        mode = "embedded"
    target = urls.translate(
        url, connect_timeout=settings.connect_timeout, application_name=settings.application_name
    )
    return target, mode


@asynccontextmanager
async def open_database(
    settings: Settings, *, check_schema: bool = True, debug: bool = False
) -> AsyncIterator[Database]:
    """An engine for this invocation, disposed before the event loop closes.

    With ``check_schema``, the embedded database is brought to head and an
    external one behind head is refused (exit 7): admins migrate shared ones.
    """
    target, mode = connect_target(settings, debug=debug)
    engine = build_engine(target, settings)
    try:
        database = _describe(engine, mode, target, settings)
        if check_schema:
            await ensure_schema(database)
        yield database
    finally:
        await engine.dispose()


def _describe(
    engine: AsyncEngine, mode: Mode, target: urls.ConnectTarget, settings: Settings
) -> Database:
    if mode == "embedded":
        pgdata = str(embedded.pgdata_path(settings.data_dir))
        pid = embedded.running_pid(settings.data_dir)
        return Database(engine, mode, pgdata, target.host, pid)
    return Database(engine, mode, target.masked, target.host)


async def database_revision(database: Database) -> str | None:
    with connection_errors(database.host):
        async with database.engine.connect() as connection:
            return await migrations.current_revision(connection)


async def ensure_schema(database: Database) -> None:
    current = await database_revision(database)
    head = migrations.HEAD_REVISION
    if current == head:
        return
    if database.mode == "embedded" and (current is None or current in migrations.known_revisions()):
        await migrations.upgrade(database.engine, "head")
        return
    raise SchemaOutdatedError(describe_mismatch(current, head))


def describe_mismatch(current: str | None, head: str | None) -> str:
    if current is None:
        return f"the database has no todo schema yet; {UPGRADE_HINT}"
    if current not in migrations.known_revisions():
        return f"the database schema ({current}) is newer than this todo knows; upgrade todo"
    return f"the database schema ({current}) is behind this todo ({head}); {UPGRADE_HINT}"
