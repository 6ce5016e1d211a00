"""What stays resident, and who says so: the agent and the embedded server over a day of use.

Real agents, a real embedded cluster, the installed ``todo``.
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.support import SAFETY_TIMEOUT, TODO, run_todo
from tests.test_agent import AGENT_WAIT, agent_log, env, runtime_dir, wait_gone, warm_agent, workers
from tests.test_embedded import open_temp_dir
from todo_cli import embedded, notices
from todo_cli.errors import ExitCode
from todo_cli.rendezvous import control, runtime

__all__ = ["env", "runtime_dir"]  # fixtures
pytestmark = pytest.mark.agent_pinned  # each test switches the agent itself

IDLE_SECONDS = "2"  # the agent's idle timeout where a test waits for it to idle out


def agent_files(env: dict[str, str]) -> list[str]:
    return sorted(path.name for path in (Path(env["XDG_RUNTIME_DIR"]) / "todo").glob("agent-*"))


@pytest.mark.installed
@pytest.mark.parametrize("command", [["db", "stop"], ["agent", "stop"], ["agent", "status"]])
def test_a_command_that_stops_things_never_starts_an_agent(env, command):
    """`todo agent stop; todo db stop` left a fresh agent running."""
    assert run_todo(env, "agent", "stop").returncode == ExitCode.OK
    done = run_todo(env, *command)
    assert done.returncode == ExitCode.OK, done.stderr
    assert agent_files(env) == []  # starting one opens its log before anything else


@pytest.mark.installed
def test_a_client_that_falls_back_leaves_the_live_agents_log_alone(env):
    """A stopped agent does not answer, so the client runs the command itself."""
    agent = warm_agent(env)["pid"]
    assert "serving" in agent_log(env)
    os.kill(agent, signal.SIGSTOP)
    try:
        # Its request (and our pipes, sent with it) wait unread in the stopped agent's backlog.
        fallback = subprocess.Popen([TODO, "--version"], env=env, stdout=subprocess.DEVNULL)
        assert fallback.wait(timeout=SAFETY_TIMEOUT) == ExitCode.OK
    finally:
        os.kill(agent, signal.SIGCONT)
    assert "serving" in agent_log(env)


@pytest.mark.installed
def test_stopping_the_agent_writes_no_traceback_into_its_log(env):
    """The worker serving `todo agent stop` found its channel closed when it reported back."""
    agent = warm_agent(env)["pid"]
    pids = [agent, *workers(env)]
    assert run_todo(env, "agent", "stop").returncode == ExitCode.OK
    assert all(wait_gone(pid) for pid in pids)
    log = agent_log(env)
    assert "stopped after" in log
    assert "Traceback" not in log, log


def test_db_stop_says_it_left_the_configured_database_alone(cli, todo_env):
    """With a URL configured there is no embedded server of the user's to stop."""
    done = cli("db", "stop")
    assert done.exit_code == ExitCode.OK
    assert done.stdout == ""
    line = done.stderr.strip()
    assert "embedded server" in line
    assert "is not running" in line
    assert "the configured database (postgresql://postgres" in line
    assert "is not todo's to stop: left running" in line
    assert cli("list").exit_code == ExitCode.OK  # and it was


# --- the embedded server's day


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data dir the embedded server's account can reach; its server stopped at the end."""
    base = open_temp_dir("todo-life-")
    yield base / "data"
    embedded.stop(base / "data")
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def laptop(env, data_dir) -> Iterator[dict[str, str]]:
    """A newcomer's machine: the embedded server, the agent on with a short idle time."""
    environment = {key: value for key, value in env.items() if key != "TODO_DATABASE_URL"}
    environment.update(TODO_DATA_DIR=str(data_dir), TODO_AGENT_IDLE_TIMEOUT=IDLE_SECONDS)
    yield environment
    control.stop_all(str(Path(env["XDG_RUNTIME_DIR"]) / "todo"))


def without_agent(env: dict[str, str]) -> dict[str, str]:
    return {**env, "TODO_AGENT": "0"}


def wait_for_agent_to_exit(env: dict[str, str]) -> None:
    """Until the agent a command started has come up (its pid in the lock) and gone again."""
    paths = runtime.paths(env)
    assert paths is not None
    deadline = time.monotonic() + AGENT_WAIT
    while True:
        try:
            pid = Path(paths.lock).read_text().strip()
        except FileNotFoundError:
            pid = ""
        if pid:
            assert wait_gone(int(pid), timeout=AGENT_WAIT), "the agent never idled out"
            return
        assert time.monotonic() < deadline, "no agent came up"
        time.sleep(0.05)


@pytest.mark.installed
def test_the_newcomer_is_told_once_what_now_runs(laptop):
    first = run_todo(without_agent(laptop), "add", "first task")
    assert first.returncode == ExitCode.OK, first.stderr
    created = "todo: created an embedded PostgreSQL server in "
    assert created in first.stderr
    assert "until `todo db stop`" in first.stderr  # no agent will stop it: TODO_AGENT=0

    piped = run_todo(laptop, "list", "--json")  # a script starts the agent: no chatter
    assert piped.returncode == ExitCode.OK, piped.stderr
    assert piped.stderr == ""
    wait_for_agent_to_exit(laptop)

    stdout, stderr = at_a_terminal(laptop, "list", "--json")  # a person starts it
    assert [task["title"] for task in json.loads(stdout)] == ["first task"]
    assert stderr == notices.AGENT_STARTED + "\r\n"  # the terminal's line ending
    wait_for_agent_to_exit(laptop)

    _, stderr = at_a_terminal(laptop, "list", "--json")  # starts both again, says nothing
    assert stderr == ""


def at_a_terminal(env: dict[str, str], *args: str) -> tuple[str, str]:
    """The installed todo with its stderr on a real pty (stdout piped): both outputs."""
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [TODO, *args], env=env, stdout=subprocess.PIPE, stderr=terminal,
            text=True, timeout=SAFETY_TIMEOUT, check=False,
        )  # fmt: skip
        os.close(terminal)
        terminal = -1
        assert done.returncode == ExitCode.OK
        return done.stdout, read_all(controller).decode()
    finally:
        os.close(controller)
        if terminal >= 0:
            os.close(terminal)


def read_all(controller: int) -> bytes:
    """What the terminal got; EIO once every writer has closed it (Linux)."""
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            return b"".join(chunks)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


@pytest.mark.installed
def test_the_agent_idling_out_stops_the_embedded_server_nobody_uses(laptop, data_dir):
    assert run_todo(without_agent(laptop), "add", "one").returncode == ExitCode.OK
    assert embedded.running_pid(data_dir) is not None
    assert run_todo(laptop, "list").returncode == ExitCode.OK  # starts the agent
    wait_for_agent_to_exit(laptop)
    assert embedded.running_pid(data_dir) is None
    assert "stopped the embedded server" in agent_log(laptop)


@pytest.mark.installed
def test_a_server_someone_is_connected_to_keeps_running(laptop, data_dir):
    assert run_todo(without_agent(laptop), "add", "one").returncode == ExitCode.OK
    url = embedded.ensure_running(data_dir).url

    async def scenario() -> None:
        connection = await asyncpg.connect(url)
        try:
            listed = await asyncio.to_thread(run_todo, laptop, "list")
            assert listed.returncode == ExitCode.OK  # starts the agent
            await asyncio.to_thread(wait_for_agent_to_exit, laptop)
            assert embedded.running_pid(data_dir) is not None
        finally:
            await connection.close()

    asyncio.run(scenario())
    assert "stopped the embedded server" not in agent_log(laptop)
