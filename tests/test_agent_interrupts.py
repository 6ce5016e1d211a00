"""Ctrl-C never lies, through the agent or not: exit 130, one line, nothing else, nothing written.

Wherever it lands once the client listens: while the client starts, connects
or waits for its worker, while the worker takes the request on, or during
the command.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests import test_agent as agent_tests
from tests.support import SAFETY_TIMEOUT, TODO
from todo_cli.errors import ExitCode
from todo_cli.rendezvous import protocol, runtime

pytestmark = [pytest.mark.installed, pytest.mark.agent_pinned]
runtime_dir, env = agent_tests.runtime_dir, agent_tests.env
todo, warm_agent, titles = agent_tests.todo, agent_tests.warm_agent, agent_tests.titles

INTERRUPTED_LINE = "todo: error: interrupted; nothing was changed\n"


def catches(pid: int, signum: int) -> bool:
    """Whether the process has a handler for ``signum`` (SigCgt in /proc/PID/status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(mask, 16) & (1 << (signum - 1)))


def interrupted_while_starting(
    environ: dict[str, str], delay: float, url: str
) -> tuple[int, str, str]:
    """SIGINT ``delay`` seconds after the client began listening for signals (the Forwarder).

    In-process it listens only until the command takes over: on a busy machine that moment
    may pass unseen, and then the command, waiting on the lock, is interrupted instead.
    """
    client = subprocess.Popen(
        [str(TODO), "add", "Never stored"],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    start = time.monotonic()
    while not catches(client.pid, signal.SIGTERM):
        assert client.poll() is None, client.communicate()
        assert time.monotonic() < start + SAFETY_TIMEOUT, "the client never listened for signals"
        if time.monotonic() > start + 0.5 and asyncio.run(agent_tests._waiting_on_lock(url)):
            break
    time.sleep(delay)
    client.send_signal(signal.SIGINT)
    stdout, stderr = client.communicate(timeout=SAFETY_TIMEOUT)
    return client.returncode, stdout, stderr


@pytest.mark.parametrize("agent", ["on", "unreachable"])
def test_ctrl_c_anywhere_in_start_up_exits_130_with_one_line(
    env, database_url, agent, isolated_home
):
    """Through the agent, and in-process after finding none (``agent = false``: none starts)."""
    assert todo(env, "add", "Seed").returncode == ExitCode.OK
    environ = dict(env)
    if agent == "on":
        warm_agent(env)
    else:
        (isolated_home / "config" / "todo").mkdir(parents=True, exist_ok=True)
        (isolated_home / "config" / "todo" / "config.toml").write_text("agent = false\n")
        environ.pop("TODO_AGENT")  # the environment would win over the file
    with agent_tests.user_row_locked(database_url):  # no add can commit meanwhile
        for delay in (0, 0, 0.002, 0.01, 0.03, 0.1, 0.3):
            outcome = interrupted_while_starting(environ, delay, database_url)
            assert outcome == (ExitCode.INTERRUPTED, "", INTERRUPTED_LINE), (agent, delay)
    assert titles(env) == ["Seed"]


def fd_of(path: Path, flags: int) -> int:
    return os.open(path, flags | os.O_CREAT, 0o600)


def test_ctrl_c_before_the_command_starts_in_the_worker(env, tmp_path):
    """The worker notes it while it waits for the go-ahead; its code (an IntEnum) must travel.

    The test is the client here, to land the signal exactly there.
    """
    warm_agent(env)
    paths = runtime.paths(env)
    assert paths is not None
    streams = [
        fd_of(tmp_path / "in", os.O_RDONLY),
        fd_of(tmp_path / "out", os.O_WRONLY),
        fd_of(tmp_path / "err", os.O_WRONLY),
    ]
    request = {
        "version": protocol.VERSION,
        "kind": "run",
        "argv": ["add", "Never stored"],
        "env": {os.fsencode(k): os.fsencode(v) for k, v in env.items()},
        "cwd": os.fsencode(tempfile.gettempdir()),
        "umask": 0o022,
    }
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(SAFETY_TIMEOUT)
        connection.connect(paths.socket)
        protocol.send(connection, request, fds=tuple(streams))
        protocol.close_all(streams)
        kind, worker = protocol.receive(connection)
        assert kind == "pid"
        assert worker > 1
        os.kill(worker, signal.SIGINT)
        time.sleep(0.2)  # noted by the worker's handler before the go-ahead
        connection.sendall(protocol.GO)
        assert protocol.receive(connection) == ("exit", ExitCode.INTERRUPTED)
    assert (tmp_path / "out").read_text() == ""
    assert (tmp_path / "err").read_text() == INTERRUPTED_LINE
    assert titles(env) == []
    assert worker in agent_tests.workers(env)  # it serves on
