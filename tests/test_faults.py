"""Faults end in a documented exit code and one line: timeouts, locks, Ctrl-C, closed pipes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.network import FreezingProxy
from tests.support import TODO as INSTALLED_TODO
from tests.support import assert_fails
from tests.test_pgbouncer import PGBOUNCER, bouncer_url  # noqa: F401  (a fixture)
from todo_cli.errors import ExitCode

TODO = str(INSTALLED_TODO)


def dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def run_todo(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [TODO, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout
    )


async def fetch(url: str, sql: str) -> list:
    connection = await asyncpg.connect(dsn(url))
    try:
        return [tuple(row) for row in await connection.fetch(sql)]
    finally:
        await connection.close()


async def execute(url: str, sql: str) -> None:
    connection = await asyncpg.connect(dsn(url))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def seed_tasks(cli, url: str, count: int) -> None:
    """``count`` tasks of the local user: one through the CLI, the rest in one INSERT."""
    assert cli("add", "task 1").exit_code == ExitCode.OK
    asyncio.run(
        execute(
            url,
            "INSERT INTO tasks (number, user_id, title) "
            "SELECT n, (SELECT user_id FROM tasks), 'task ' || n "
            f"FROM generate_series(2, {count}) n;"
            f"UPDATE users SET last_task_number = {count}",
        )
    )


def statuses(url: str) -> dict[int, str]:
    return dict(asyncio.run(fetch(url, "SELECT number, status FROM tasks ORDER BY number")))


@pytest.fixture
def three_tasks(cli, todo_env) -> str:
    for title in ("one", "two", "three"):
        assert cli("add", title).exit_code == ExitCode.OK
    return todo_env


class RowLock:
    """A second, real session holding ``SELECT ... FOR UPDATE`` on one task."""

    def __init__(self, url: str, number: int) -> None:
        self.url, self.number = url, number
        self.loop = asyncio.new_event_loop()

    def __enter__(self) -> RowLock:
        self.connection = self.loop.run_until_complete(asyncpg.connect(dsn(self.url)))
        self.loop.run_until_complete(self.connection.execute("BEGIN"))
        self.loop.run_until_complete(
            self.connection.execute(f"SELECT 1 FROM tasks WHERE number = {self.number} FOR UPDATE")
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.run_until_complete(self.connection.close())
        self.loop.close()


def test_a_locked_task_is_a_conflict_after_the_lock_timeout(cli, three_tasks, monkeypatch):
    monkeypatch.setenv("TODO_LOCK_TIMEOUT", "0.5")
    with RowLock(three_tasks, 2):
        started = time.monotonic()
        message = assert_fails(cli("done", "2"), ExitCode.CONFLICT)
        assert time.monotonic() - started < 10
    assert "another session" in message
    assert statuses(three_tasks)[2] == "pending"


def test_a_slow_statement_ends_at_the_statement_timeout(cli, three_tasks, monkeypatch):
    # The lock wait counts against the statement's time when no lock timeout is set.
    monkeypatch.setenv("TODO_LOCK_TIMEOUT", "0")
    monkeypatch.setenv("TODO_STATEMENT_TIMEOUT", "0.5")
    with RowLock(three_tasks, 1):
        message = assert_fails(cli("done", "1"), ExitCode.UNREACHABLE)
    assert "statement timeout" in message
    assert statuses(three_tasks)[1] == "pending"


def test_timeouts_are_settings_with_interactive_defaults(cli, todo_env):
    status = json.loads(cli("db", "status", "--json").stdout)
    assert (status["statement_timeout"], status["lock_timeout"]) == (30.0, 10.0)


@pytest.fixture
def frozen_server(server_url: str, database_url: str) -> Iterator[str]:
    """The test database behind a proxy that goes silent once the task query is sent."""
    proxy = FreezingProxy(server_url, trigger=b"FROM tasks")
    yield (
        make_url(database_url)
        .set(host="127.0.0.1", port=proxy.port, query={})
        .render_as_string(hide_password=False)
    )
    proxy.close()


@pytest.mark.installed
def test_a_server_that_stops_answering_is_unreachable_in_bounded_time(frozen_server):
    env = {
        "TODO_DATABASE_URL": frozen_server,
        "TODO_STATEMENT_TIMEOUT": "1",
        "TODO_CONNECT_TIMEOUT": "1",
    }
    done = run_todo("list", env=env, timeout=30)
    assert done.returncode == ExitCode.UNREACHABLE, done.stderr
    assert done.stderr.count("\n") == 1
    assert f"127.0.0.1:{make_url(frozen_server).port}" in done.stderr
    assert done.stdout == ""


def test_the_sql_log_goes_to_stderr_and_json_stays_clean(cli, todo_env, monkeypatch):
    monkeypatch.setenv("TODO_ECHO", "1")
    run = cli("list", "--json")
    assert run.exit_code == ExitCode.OK
    assert json.loads(run.stdout) == []
    assert "SELECT" in run.stderr


@pytest.mark.installed
def test_a_closed_pipe_ends_quietly(cli, todo_env):
    seed_tasks(cli, todo_env, 20000)
    shell = f"'{TODO}' list | head -1; echo \"exit=${{PIPESTATUS[0]}}\" >&2"
    env = {**os.environ, "TODO_DATABASE_URL": todo_env}
    done = subprocess.run(
        ["bash", "-c", shell], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.count("\n") == 1
    assert done.stderr == "exit=0\n"  # no "Exception ignored", no error line


def interrupt_when(process: subprocess.Popen, ready) -> subprocess.CompletedProcess:
    deadline = time.monotonic() + 60
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def start(*args: str, url: str) -> subprocess.Popen:
    env = {**os.environ, "TODO_DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "todo_cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_interrupted(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == ExitCode.INTERRUPTED, done.stderr
    assert done.stderr == "todo: error: interrupted; nothing was changed\n"


def waiting_on_a_lock(url: str) -> bool:
    sql = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    return asyncio.run(fetch(url, sql))[0][0] > 0


def test_ctrl_c_inside_a_transaction_changes_nothing(three_tasks):
    with RowLock(three_tasks, 3):
        process = start("done", "1", "3", url=three_tasks)
        assert_interrupted(interrupt_when(process, lambda: waiting_on_a_lock(three_tasks)))
    assert statuses(three_tasks) == {1: "pending", 2: "pending", 3: "pending"}


def connected(url: str) -> bool:
    sql = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE application_name = 'todo-cli' AND datname = current_database()"
    )
    return asyncio.run(fetch(url, sql))[0][0] > 0


@pytest.mark.parametrize("delay", [0.0, 0.3, 0.6, 0.9])
def test_ctrl_c_during_a_long_json_list_is_130_with_one_line(cli, todo_env, delay):
    """From the first query on: before that, Python is still importing (its own default)."""
    seed_tasks(cli, todo_env, 20000)
    process = start("list", "--json", url=todo_env)
    moments: list[float] = []

    def ready() -> bool:
        if not moments and connected(todo_env):
            moments.append(time.monotonic())
        return bool(moments) and time.monotonic() - moments[0] >= delay

    done = interrupt_when(process, ready)
    if done.returncode == ExitCode.OK:  # it finished first: nothing to interrupt
        return
    assert_interrupted(done)


@pytest.mark.skipif(not Path(PGBOUNCER).exists(), reason="pgbouncer is not installed")
def test_the_lock_timeout_works_through_pgbouncer_transaction_pooling(
    cli, request, database_url, monkeypatch
):
    """PgBouncer refuses timeouts as startup parameters; each transaction sets them instead."""
    monkeypatch.setenv("TODO_DATABASE_URL", request.getfixturevalue("bouncer_url"))
    monkeypatch.setenv("TODO_TRANSACTION_POOLING", "1")
    monkeypatch.setenv("TODO_LOCK_TIMEOUT", "0.5")
    assert cli("add", "one").exit_code == ExitCode.OK
    with RowLock(database_url, 1):
        assert_fails(cli("done", "1"), ExitCode.CONFLICT)
    assert cli("done", "1").exit_code == ExitCode.OK


SAVED = "todo: error: interrupted after the change was saved"
MANY = 1000  # tasks whose notes (~160 bytes each) overfill a pipe (64 KiB on Linux)


def stuck_writing_after_commit(url: str, *args: str) -> subprocess.CompletedProcess:
    """The installed todo, its output pipes unread until the change is committed.

    What it writes after the commit overfills a pipe, so it blocks in a
    write: the Ctrl-C sent then lands after the commit, every time (the
    issue's reproduction, made deterministic).
    """
    before = statuses(url)
    process = subprocess.Popen(
        [TODO, *args],
        env={**os.environ, "TODO_DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return interrupt_when(process, lambda: statuses(url) != before)


@pytest.fixture
def many_long_tasks(cli, todo_env) -> str:
    seed_tasks(cli, todo_env, MANY)
    asyncio.run(execute(todo_env, "UPDATE tasks SET title = repeat('x', 150) || number"))
    return todo_env


@pytest.mark.installed
def test_ctrl_c_after_the_commit_says_the_change_was_saved(many_long_tasks):
    """Told "nothing was changed", a user would do it again (a duplicate `add`)."""
    done = stuck_writing_after_commit(many_long_tasks, "done", f"1-{MANY}", "--yes")
    assert done.returncode == ExitCode.INTERRUPTED
    assert done.stderr.endswith(f"{SAVED}; `todo undo` reverts it\n"), done.stderr[-300:]
    assert set(statuses(many_long_tasks).values()) == {"done"}


@pytest.mark.installed
def test_ctrl_c_after_an_undo_commits_offers_no_second_undo(cli, many_long_tasks):
    """An undo is not journaled: `todo undo` again would revert an older command."""
    assert cli("done", f"1-{MANY}", "--yes").exit_code == ExitCode.OK
    done = stuck_writing_after_commit(many_long_tasks, "undo", "--json")
    assert done.returncode == ExitCode.INTERRUPTED
    assert done.stderr.endswith(f"{SAVED}\n"), done.stderr[-300:]
    assert set(statuses(many_long_tasks).values()) == {"pending"}
