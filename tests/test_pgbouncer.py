"""A real PgBouncer in transaction mode in front of the test server.

Transaction pooling hands one server connection to many clients between
transactions, so a prepared statement a client left behind (asyncpg names
them __asyncpg_stmt_N__ and caches them) is visible to the next client.
TODO_TRANSACTION_POOLING is what makes todo safe there; these tests show the
failure without it and the working path with it. Skipped where the Debian
package is not installed (.ci/run installs it when it can).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

from todo_cli.errors import ExitCode

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
pytestmark = pytest.mark.skipif(
    not Path(PGBOUNCER).exists(), reason="pgbouncer is not installed (apt-get install pgbouncer)"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def upstream(server: URL) -> str:
    """PgBouncer's connect string for the test server (TCP, or the embedded socket dir)."""
    host = server.host or server.query.get("host")
    login = f"host={host} port={server.port or 5432} user={server.username or 'postgres'}"
    return f"{login} password={server.password}" if server.password else login


def bouncer_config(directory: Path, server: URL, port: int, pool_size: int = 1) -> Path:
    """By default one server connection for everyone: clients share it, as on a busy bouncer."""
    config = directory / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = {upstream(server)}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = any\npool_mode = transaction\n"
        f"default_pool_size = {pool_size}\nmax_client_conn = 50\n"
    )
    return config


def run_as() -> list[str]:
    """PgBouncer refuses root; as root, use the user the embedded server already runs as."""
    if os.geteuid() != 0:
        return []
    user = "pgserver" if _user_exists("pgserver") else "nobody"
    return ["-u", user]


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("pgbouncer exited (its log is in the captured stderr)")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("pgbouncer did not start listening")


@contextmanager
def bouncer(server_url: str, database_url: str, pool_size: int = 1) -> Iterator[str]:
    """``database_url``'s database, reached through PgBouncer in transaction mode."""
    directory = Path(tempfile.mkdtemp(prefix="todo-pgbouncer-"))
    directory.chmod(0o755)  # readable by the user PgBouncer runs as; it logs to stderr
    port = free_port()
    config = bouncer_config(directory, make_url(server_url), port, pool_size)
    process = subprocess.Popen([PGBOUNCER, *run_as(), str(config)])
    try:
        wait_for(port, process)
        database = make_url(database_url).database
        yield f"postgresql://postgres@127.0.0.1:{port}/{database}"
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def bouncer_url(server_url: str, database_url: str) -> Iterator[str]:
    """The per-test database, reached through PgBouncer in transaction mode."""
    with bouncer(server_url, database_url) as url:
        yield url


def list_twice(url: str, **env: str) -> list[subprocess.CompletedProcess[str]]:
    """Two `todo list` processes, one after the other, through the same server connection.

    PgBouncer does not reset a server connection between transaction-mode
    clients, so statements the first process prepared are still there, under
    the names the second process's asyncpg will pick first.
    """
    environment = {**os.environ, "TODO_DATABASE_URL": url, **env}
    command = [sys.executable, "-m", "todo_cli", "list", "--json"]
    return [
        subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)
        for _ in range(2)
    ]


def test_without_transaction_pooling_processes_collide_on_statement_names(bouncer_url):
    first, second = list_twice(bouncer_url)
    assert first.returncode == ExitCode.OK, first.stderr
    assert second.returncode == ExitCode.CONFIG
    assert second.stderr.count("\n") == 1
    assert "TODO_TRANSACTION_POOLING=1" in second.stderr


def test_transaction_pooling_lets_processes_share_the_server_connection(bouncer_url):
    runs = list_twice(bouncer_url, TODO_TRANSACTION_POOLING="1")
    assert [run.returncode for run in runs] == [ExitCode.OK, ExitCode.OK], runs[1].stderr
    assert [run.stdout for run in runs] == ["[]\n", "[]\n"]


def test_the_cli_works_through_pgbouncer(cli, bouncer_url, monkeypatch):
    monkeypatch.setenv("TODO_DATABASE_URL", bouncer_url)
    monkeypatch.setenv("TODO_TRANSACTION_POOLING", "1")
    for title in ("one", "two", "three"):
        assert cli("add", title).exit_code == ExitCode.OK
    assert cli("done", "2").exit_code == ExitCode.OK
    listed = cli("list", "--json")
    assert listed.exit_code == ExitCode.OK, listed.stderr
    assert '"title":"one"' in listed.stdout
    assert '"title":"two"' not in listed.stdout


def test_an_admin_migrates_through_pgbouncer(cli, server_url, empty_database_url, monkeypatch):
    """The migration lock is a transaction's (one kept open by a second connection):
    behind a transaction pooler it holds for the whole run, CONCURRENTLY index builds
    included, and leaves nothing behind. The run needs two server connections."""
    with bouncer(server_url, empty_database_url, pool_size=2) as url:
        monkeypatch.setenv("TODO_DATABASE_URL", url)
        monkeypatch.setenv("TODO_TRANSACTION_POOLING", "1")
        for command in (["upgrade"], ["downgrade", "0004", "--yes"], ["upgrade"], ["check"]):
            run = cli("db", *command)
            assert run.exit_code == ExitCode.OK, (command, run.stderr)
        assert cli("add", "after the migration").exit_code == ExitCode.OK
