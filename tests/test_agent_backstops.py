"""gunicorn's backstops in the agent: request budgets with jitter, stuck workers killed,
and no client connection that stalls ever holding up another."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests import test_agent as agent_tests
from tests.support import SAFETY_TIMEOUT
from todo_cli.agent import pool
from todo_cli.errors import ExitCode
from todo_cli.rendezvous import control, runtime

pytestmark = [pytest.mark.installed, pytest.mark.agent_pinned]
runtime_dir, env = agent_tests.runtime_dir, agent_tests.env
todo, warm_agent, workers = agent_tests.todo, agent_tests.warm_agent, agent_tests.workers
AGENT_WAIT = agent_tests.AGENT_WAIT


def served(env) -> int:
    paths = runtime.paths(env)
    assert paths is not None
    found = control.ask(paths.socket, "status")
    assert found is not None, "no agent answers"
    return int(found["served"])


def test_stalled_connections_never_hold_up_another_command(env):
    """Three clients that connect and send nothing (or half a frame): the next is served at once."""
    warm_agent(env)
    paths = runtime.paths(env)
    assert paths is not None
    stalled = []
    for partial in (b"", b"\x00\x00", b"\x00\x00\x10\x00{"):
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(paths.socket)
        connection.sendall(partial)
        stalled.append(connection)
    try:
        before = served(env)  # the agent answers while they stall
        listed = todo(env, "list")
        assert listed.returncode == ExitCode.OK, listed.stderr
        assert served(env) == before + 1  # by the agent, not the in-process fallback
    finally:
        for connection in stalled:
            connection.close()


def test_the_budget_is_max_requests_plus_jitter():
    from todo_cli.agent.pool import Backstops

    chance = random.Random()
    budgets = [Backstops(max_requests=10, jitter=5).budget(chance) for _ in range(200)]
    assert set(budgets) <= set(range(10, 16))
    assert len(set(budgets)) > 1  # spread: workers forked together do not retire together
    assert Backstops(max_requests=10, jitter=0).budget(chance) == 10
    assert Backstops(max_requests=0, jitter=5).budget(chance) == sys.maxsize  # no limit


def test_a_worker_retires_after_its_requests_and_a_fresh_one_takes_over(env):
    env.update(TODO_AGENT_MAX_REQUESTS="2", TODO_AGENT_MAX_REQUESTS_JITTER="0")
    agent = warm_agent(env)
    retired = set()
    for _ in range(6):
        before = agent_tests.settled_workers(env)
        done = todo(env, "--version")
        assert (done.returncode, done.stderr) == (ExitCode.OK, "")
        now = agent_tests.settled_workers(env)
        assert all(worker["served"] <= 2 for worker in now.values()), now
        retired |= set(before) - set(now)
    assert retired, "no worker ever retired"
    assert all(agent_tests.wait_gone(pid) for pid in retired)
    assert agent_tests.status(env)["pid"] == agent["pid"]


def test_a_worker_stuck_after_its_client_left_is_killed_and_replaced(env, database_url):
    env["TODO_AGENT_WORKER_TIMEOUT"] = "1"
    assert todo(env, "add", "Seed").returncode == ExitCode.OK
    agent = warm_agent(env)
    with agent_tests.user_row_locked(database_url):
        client = agent_tests.blocked_add(env, database_url)
        (stuck,) = [pid for pid, w in workers(env).items() if w["busy"]]
        assert stuck in agent_tests.children(agent["pid"])  # ours to signal
        os.kill(stuck, signal.SIGSTOP)  # stuck: it will never say it is done
        client.kill()
        client.wait(timeout=SAFETY_TIMEOUT)
        assert agent_tests.wait_gone(stuck, timeout=AGENT_WAIT), "the stuck worker was kept"
    assert "still busy 1s after its client left; killed" in agent_tests.agent_log(env)
    assert agent_tests.status(env)["pid"] == agent["pid"]
    before = workers(env)
    assert stuck not in before
    assert todo(env, "add", "After").returncode == ExitCode.OK
    assert agent_tests.serving(env, before)
    assert len(workers(env)) >= pool.MIN_WORKERS
    assert agent_tests.titles(env) == ["Seed", "After"]


def test_a_long_command_with_its_client_there_is_never_killed(env, database_url):
    """The timeout is for a worker whose client left: a lock wait, a prompt may take long."""
    env["TODO_AGENT_WORKER_TIMEOUT"] = "1"
    assert todo(env, "add", "Seed").returncode == ExitCode.OK
    warm_agent(env)
    with agent_tests.user_row_locked(database_url):
        client = agent_tests.blocked_add(env, database_url)
        (busy,) = [pid for pid, w in workers(env).items() if w["busy"]]
        time.sleep(5)  # well past the timeout, the client still waiting
        assert busy in workers(env)
        assert client.poll() is None
    _stdout, stderr = client.communicate(timeout=SAFETY_TIMEOUT)
    assert (client.returncode, stderr) == (ExitCode.OK, "Created task 2: Never stored\n")


def test_the_settings_are_validated():
    bad = subprocess.run(
        [str(agent_tests.TODO), "config", "show"],
        env=dict(os.environ, TODO_AGENT="0", TODO_AGENT_WORKER_TIMEOUT="0"),
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT,
        check=False,
    )
    assert bad.returncode == ExitCode.CONFIG
    assert "agent_worker_timeout" in bad.stderr
