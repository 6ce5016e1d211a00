"""`todo db upgrade|downgrade --sql`: the SQL for review, printed without any connection,
and complete: run as printed, every revision's script builds what the online migration
builds (pg_dump --schema-only of both compared, step by step, up and down)."""

from __future__ import annotations

import asyncio
import functools
import os
import re
import socket
import subprocess
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import admin_dsn, engine_for
from tests.support import SAFETY_TIMEOUT, assert_fails, run_sql_script, run_todo
from todo_cli.db import migrations
from todo_cli.db.admin import Ladder
from todo_cli.errors import ExitCode

STEPS = Ladder.load().steps  # base (None) first: whatever revisions this todo carries
# pg_dump 17.6+/18 fences its script with a random key; nothing else in it varies by run.
RESTRICT_LINE = re.compile(r"^\\(?:un)?restrict .*$", re.MULTILINE)


@pytest.fixture
def trap() -> Iterator[socket.socket]:
    """A listening socket of the test's own: anything that connects to it is caught."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        yield listener


def nobody_came(listener: socket.socket) -> bool:
    try:
        listener.accept()[0].close()
    except BlockingIOError:
        return True
    return False


def trap_url(listener: socket.socket) -> str:
    return f"postgresql://todo:secret@127.0.0.1:{listener.getsockname()[1]}/todo"


@pytest.mark.parametrize("command", [["upgrade"], ["downgrade"], ["downgrade", "base"]])
def test_sql_is_printed_without_connecting(cli, monkeypatch, trap, command):
    monkeypatch.setenv("TODO_DATABASE_URL", trap_url(trap))
    run = cli("db", *command, "--sql")
    assert run.exit_code == ExitCode.OK, run.stderr
    assert run.stdout.startswith("BEGIN;")
    assert run.stdout.rstrip().endswith("COMMIT;")
    assert nobody_came(trap)


def test_sql_without_a_url_starts_no_embedded_server(cli, isolated_home):
    run = cli("db", "upgrade", "--sql")
    assert run.exit_code == ExitCode.OK, run.stderr
    assert "CREATE TABLE tasks" in run.stdout
    assert "LIKE '%@localhost'" in run.stdout  # one per cent sign, as the online step runs it
    assert not (isolated_home / "data" / "todo").exists()


@pytest.mark.installed
def test_the_installed_todo_prints_sql_without_connecting(trap):
    env = {**os.environ, "TODO_DATABASE_URL": trap_url(trap)}
    run = run_todo(env, "db", "downgrade", f"{STEPS[-1]}:base", "--sql")
    assert run.returncode == ExitCode.OK, run.stderr
    assert "DROP TABLE tasks" in run.stdout
    assert nobody_came(trap)


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (["upgrade", f"{STEPS[-1]}:base"], "does not go up"),
        (["downgrade", f"base:{STEPS[-1]}"], "does not go down"),
        (["upgrade", "nosuchrev"], "unknown revision"),
        (["upgrade", "nosuchrev:head"], "unknown revision"),
        (["downgrade", "+1"], "goes past head"),
    ],
)
def test_a_range_going_the_wrong_way_or_nowhere_is_usage(cli, trap, monkeypatch, command, says):
    monkeypatch.setenv("TODO_DATABASE_URL", trap_url(trap))
    assert says in assert_fails(cli("db", *command, "--sql"), ExitCode.USAGE)
    assert nobody_came(trap)


@pytest.mark.parametrize("command", [["upgrade", "base:head"], ["downgrade", "head:base", "--yes"]])
def test_a_range_without_sql_is_refused_before_connecting(cli, trap, monkeypatch, command):
    monkeypatch.setenv("TODO_DATABASE_URL", trap_url(trap))
    assert "only for --sql" in assert_fails(cli("db", *command), ExitCode.USAGE)
    assert nobody_came(trap)


def schema(url: str) -> str:
    """pg_dump --schema-only of ``url``'s database, by the pg_dump of the server's own major.

    Only the server's own pg_dump knows what that server keeps to itself: the
    machine's PostgreSQL 15 (Debian's build) stamps every column's attoptions
    with a ``pg_attver`` of its own, which its pg_dump leaves out and the wheel's
    18 prints as ``ALTER COLUMN ... SET (pg_attver=...)``, a value that differs
    between two databases built by the same SQL. The same rule picks the
    programs of `todo db backup` (todo_cli/backups/programs.py).
    """
    dump = subprocess.run(
        [str(server_program(url, "pg_dump")), "--schema-only", "--dbname", admin_dsn(url)],
        capture_output=True,
        text=True,
        check=True,
        timeout=SAFETY_TIMEOUT,
    ).stdout
    return RESTRICT_LINE.sub("", dump)


@functools.cache  # asked once per database: it runs the candidates' --version
def server_program(url: str, name: str) -> Path:
    """``name`` of the server's major: the wheel's, else the nearest on PATH (programs.py)."""
    from todo_cli.backups import programs
    from todo_cli.embedded.account import binaries_dir

    async def major() -> int:
        connection = await asyncpg.connect(admin_dsn(url))
        try:
            return int(await connection.fetchval("SHOW server_version_num")) // 10000
        finally:
            await connection.close()

    server_major = asyncio.run(major())
    shipped = binaries_dir() / name
    if programs.program_major(shipped) == server_major:
        return shipped
    return programs.program_on_path(name, server_major, "the test server")


def apply(url: str, script: str) -> subprocess.CompletedProcess[str]:
    return run_sql_script(admin_dsn(url), script)


def applied(url: str, script: str) -> None:
    run = apply(url, script)
    assert run.returncode == 0, run.stderr


def migrate_online(url: str, revision: str | None, *, down: bool) -> None:
    async def run() -> None:
        engine = engine_for(url)
        try:
            step = migrations.downgrade if down else migrations.upgrade
            await step(engine, revision or "base")
        finally:
            await engine.dispose()

    asyncio.run(run())


def printed(cli, start: str | None, goal: str | None, *, down: bool) -> str:
    verb = "downgrade" if down else "upgrade"
    run = cli("db", verb, f"{start or 'base'}:{goal or 'base'}", "--sql")
    assert run.exit_code == ExitCode.OK, run.stderr
    return run.stdout


def test_every_revision_offline_builds_what_online_builds(cli, server_url, empty_database_url):
    """Two empty databases walk the ladder up and down again, one by the printed SQL
    applied as it is, the other by the online migration: the same schema at every rung."""
    from tests.conftest import create_database, drop_database, test_url_for

    name = create_database(server_url)
    offline, online = test_url_for(server_url, name), empty_database_url
    try:
        for start, goal in pairwise(STEPS):
            applied(offline, printed(cli, start, goal, down=False))
            migrate_online(online, goal, down=False)
            assert schema(offline) == schema(online), f"upgrade {start} -> {goal}"
        for start, goal in pairwise(reversed(STEPS)):
            applied(offline, printed(cli, start, goal, down=True))
            migrate_online(online, goal, down=True)
            assert schema(offline) == schema(online), f"downgrade {start} -> {goal}"
    finally:
        drop_database(server_url, name)


def test_the_dump_sees_what_a_migration_changes(empty_database_url):
    """The comparison above can fail: one statement more and the dumps differ."""
    migrate_online(empty_database_url, STEPS[1], down=False)
    before = schema(empty_database_url)
    applied(empty_database_url, "ALTER TABLE tasks ALTER COLUMN title DROP NOT NULL")
    assert schema(empty_database_url) != before


def test_a_script_from_a_revision_refuses_a_database_elsewhere(cli, empty_database_url):
    """`upgrade FROM:TO --sql` run on a database not at FROM stops before any change."""
    start, goal = STEPS[-2], STEPS[-1]
    script = printed(cli, start, goal, down=False)
    refused = apply(empty_database_url, script)
    assert refused.returncode != 0
    assert "has none" in refused.stderr
    migrate_online(empty_database_url, STEPS[1], down=False)
    before = schema(empty_database_url)
    if STEPS[1] != start:
        refused = apply(empty_database_url, script)
        assert refused.returncode != 0
        assert f"at revision {start}; this one is not" in refused.stderr
    assert schema(empty_database_url) == before
