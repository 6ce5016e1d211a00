"""`application_name` names the CLI's connections in pg_stat_activity, as configured."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time

import pytest

from tests.test_faults import TODO, RowLock, fetch
from todo_cli.cli.environment import Environment
from todo_cli.cli.runner import run_for_user
from todo_cli.errors import ExitCode

OWN_ROW = "SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()"
WAITING = (
    "SELECT application_name FROM pg_stat_activity "
    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
)


async def name_the_server_sees(session, user) -> str:
    connection = await session.connection()
    return (await connection.exec_driver_sql(OWN_ROW)).scalar_one()


@pytest.mark.parametrize(
    ("environment", "config_file", "expected"),
    [
        ({}, "", "todo-cli"),
        ({"TODO_APPLICATION_NAME": "from-env"}, "", "from-env"),
        ({}, 'application_name = "from-file"\n', "from-file"),
    ],
)
def test_the_clis_engine_names_its_connection(
    todo_env, isolated_home, monkeypatch, environment, config_file, expected
):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    if config_file:
        (isolated_home / "config" / "todo").mkdir()
        (isolated_home / "config" / "todo" / "config.toml").write_text(config_file)
    assert run_for_user(name_the_server_sees, Environment.from_process()) == expected


@pytest.mark.parametrize(("configured", "expected"), [(None, "todo-cli"), ("watched", "watched")])
@pytest.mark.installed
def test_a_running_todo_shows_in_pg_stat_activity_under_its_name(
    cli, todo_env, configured, expected
):
    """Seen from another connection while the installed `todo` waits on a row lock."""
    assert cli("add", "locked").exit_code == ExitCode.OK
    env = {**os.environ, "TODO_DATABASE_URL": todo_env, "TODO_LOCK_TIMEOUT": "0"}
    if configured:
        env["TODO_APPLICATION_NAME"] = configured
    seen: list[tuple] = []
    with RowLock(todo_env, 1):
        process = subprocess.Popen([TODO, "done", "1"], env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not seen and time.monotonic() < deadline and process.poll() is None:
            seen = asyncio.run(fetch(todo_env, WAITING))
            time.sleep(0.05)
    _, stderr = process.communicate(timeout=60)
    assert seen == [(expected,)]
    assert process.returncode == ExitCode.OK, stderr
