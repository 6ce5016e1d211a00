"""What stays resident, and who says so: the agent and the embedded server over a day of use.

Real agents, a real embedded cluster, the installed ``todo``.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.support import SAFETY_TIMEOUT, TODO, run_todo
from tests.test_agent import agent_log, env, runtime_dir, wait_gone, warm_agent, workers
from todo_cli.errors import ExitCode

__all__ = ["env", "runtime_dir"]  # fixtures


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
