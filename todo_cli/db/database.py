"""Opening the database for one invocation: which server, which engine, which schema.

A one-shot process builds an engine per invocation and disposes of it at the
end. A long-lived one (the agent's worker) passes a ``Databases`` cache: the
engine, its pool and its compiled-statement cache then outlive the
invocation, and the embedded server is found once per data dir.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from todo_cli import embedded
from todo_cli.db import migrations, urls
from todo_cli.db.engine import build_engine, log_sql_to_stderr
from todo_cli.db.errors import connection_errors
from todo_cli.errors import CredentialsError, DatabaseUnreachableError, SchemaOutdatedError

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
    created: bool = False  # the embedded server was initialised for this invocation
    upgraded: str | None = None  # what bringing its data to a new PostgreSQL major did


@dataclass(frozen=True)
class Database:
    engine: AsyncEngine
    location: Location
    host: str


def locate(settings: Settings) -> tuple[Location, urls.ConnectTarget]:
    """Where this invocation's database is; starts the embedded server if needed."""
    if settings.database_url:
        return _external(settings, external_url(settings))
    return _embedded(settings, embedded.ensure_running(settings.data_dir))


def external_url(settings: Settings) -> URL:
    """The configured URL, with the keyring's password when it names none."""
    from todo_cli.db.secrets import with_password

    return with_password(urls.parse_url(settings.database_url or ""))


def _external(settings: Settings, url: URL) -> tuple[Location, urls.ConnectTarget]:
    target = _translate(url, settings)
    return Location("external", target.masked), target


def _embedded(
    settings: Settings, server: embedded.EmbeddedServer
) -> tuple[Location, urls.ConnectTarget]:
    target = _translate(urls.parse_url(server.url), settings)
    location = Location(
        "embedded", str(server.pgdata), server.pid, created=server.created, upgraded=server.upgraded
    )
    return location, target


def _translate(url: URL, settings: Settings) -> urls.ConnectTarget:
    return urls.translate(
        url, connect_timeout=settings.connect_timeout, application_name=settings.application_name
    )


@asynccontextmanager
async def open_database(
    settings: Settings, *, check_schema: bool = True, cache: Databases | None = None
) -> AsyncIterator[Database]:
    """An engine for this invocation: disposed before the event loop closes, or kept in ``cache``.

    With ``check_schema``, the embedded database is brought to head and an
    external one behind head is refused (exit 7): admins migrate shared ones.
    """
    if cache is not None:
        yield await cache.connected(settings, check_schema=check_schema)
        return
    location, target = locate(settings)
    database = Database(build_engine(target, settings), location, target.host)
    try:
        if check_schema:
            await ensure_schema(database, settings)
        yield database
    finally:
        await database.engine.dispose()


# Environment variables asyncpg reads when it connects (as libpq does): a
# pooled connection made under one request's PGPASSWORD must not serve another's.
LIBPQ_PREFIX = "PG"
LIBPQ_HOME = "HOME"  # ~/.pgpass, ~/.postgresql/root.crt


class Databases:
    """A long-lived process's engines, keyed by everything that shapes one, and servers found.

    An engine is reused only for exactly the same settings, URL (password
    included), libpq environment and TLS files. Whoever owns the cache
    disposes of its engines after an interrupted request (a connection left
    mid-statement) and before its event loop ends.
    The embedded server's address is remembered per data dir while its
    ``postmaster.pid`` stays the same file; a failed connect forgets it and
    tries once more.
    """

    def __init__(self) -> None:
        self.engines: dict[tuple[str, ...], AsyncEngine] = {}
        self.servers: dict[Path, tuple[embedded.EmbeddedServer, tuple[int, ...]]] = {}

    async def connected(self, settings: Settings, *, check_schema: bool) -> Database:
        database = self._database(settings)
        if not check_schema:
            return database
        try:
            await ensure_schema(database, settings)
        except (DatabaseUnreachableError, CredentialsError):
            if database.location.mode != "embedded":
                raise
            # Restarted elsewhere or with a new password: find it again, once.
            self.servers.pop(settings.data_dir, None)
            await self.discard(database.engine)
            database = self._database(settings)
            await ensure_schema(database, settings)
        return database

    def _database(self, settings: Settings) -> Database:
        if settings.database_url:
            url = external_url(settings)
            location, target = _external(settings, url)
        else:
            server = self._server(settings.data_dir)
            url = urls.parse_url(server.url)
            location, target = _embedded(settings, server)
        source = url.render_as_string(hide_password=False)
        key = (settings.model_dump_json(), source, *_libpq_environment(), *_tls_files(url))
        engine = self.engines.get(key)
        if engine is None:
            engine = self.engines[key] = build_engine(target, settings)
        elif settings.echo:
            log_sql_to_stderr()  # the handler went with the last request's logging state
        return Database(engine, location, target.host)

    def _server(self, data_dir: Path) -> embedded.EmbeddedServer:
        known = self.servers.get(data_dir)
        if known is not None and _pid_file_stamp(known[0].pgdata) == known[1]:
            return known[0]
        server = embedded.ensure_running(data_dir)
        stamp = _pid_file_stamp(server.pgdata)
        if stamp:  # created once: the next request on it did not create it
            self.servers[data_dir] = (replace(server, created=False, upgraded=None), stamp)
        return server

    async def discard(self, engine: AsyncEngine) -> None:
        for key in [key for key, known in self.engines.items() if known is engine]:
            del self.engines[key]
        await engine.dispose()

    async def dispose(self) -> None:
        """Every engine closed; call inside the event loop the engines were used in."""
        while self.engines:
            await self.discard(next(iter(self.engines.values())))


def _pid_file_stamp(pgdata: Path) -> tuple[int, ...]:
    """Identifies this postmaster.pid (a restarted server writes a new one); () when absent."""
    try:
        info = os.stat(pgdata / "postmaster.pid")
    except OSError:
        return ()
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def _libpq_environment() -> list[str]:
    names = sorted(name for name in os.environ if name.startswith(LIBPQ_PREFIX))
    return [f"{name}={os.environ[name]}" for name in [*names, LIBPQ_HOME] if name in os.environ]


def _tls_files(url: URL) -> list[str]:
    """The TLS files a URL names, with their modification times (a renewed certificate)."""
    stamps = []
    for name in urls.SSL_FILE_PARAMS:
        path = url.query.get(name)
        if isinstance(path, str):
            try:
                stamps.append(f"{path}:{os.stat(path).st_mtime_ns}")
            except OSError:
                stamps.append(path)
    return stamps


async def database_revision(database: Database) -> str | None:
    with connection_errors(database.host):
        async with database.engine.connect() as connection:
            return await migrations.current_revision(connection)


async def ensure_schema(database: Database, settings: Settings) -> None:
    current = await database_revision(database)
    head = migrations.HEAD_REVISION
    if current == head:
        return
    embedded_and_older = current is None or current in migrations.known_revisions()
    if database.location.mode == "embedded" and embedded_and_older:
        if current is not None:  # an empty database has nothing to lose
            backup_before_migration(database, settings)
        await migrations.upgrade(database.engine, "head")
        return
    raise SchemaOutdatedError(describe_mismatch(current, head))


def backup_before_migration(database: Database, settings: Settings) -> Path | None:
    """The embedded database backed up before a migration changes it (none for others)."""
    from todo_cli.backups import automatic

    if database.location.mode != "embedded":
        return None
    return automatic.before_migration(settings.data_dir, database.engine.url, settings.backup_keep)


def describe_mismatch(current: str | None, head: str | None) -> str:
    if current is None:
        return f"the database has no todo schema yet; {UPGRADE_HINT}"
    if current not in migrations.known_revisions():
        return f"the database schema ({current}) is newer than this todo knows; upgrade todo"
    return f"the database schema ({current}) is behind this todo ({head}); {UPGRADE_HINT}"
