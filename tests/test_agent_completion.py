"""Shell completion with the agent on: Typer looks for the shell among our ancestors."""

from __future__ import annotations

import shlex
import subprocess

import pytest

from tests import test_agent as agent_tests
from tests.support import SAFETY_TIMEOUT, TODO
from todo_cli.errors import ExitCode

pytestmark = [pytest.mark.installed, pytest.mark.agent_pinned]
runtime_dir, env = agent_tests.runtime_dir, agent_tests.env


def from_bash(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``todo ARGS`` run by bash (which stays its parent: it has more to do afterwards)."""
    line = f"{shlex.join([str(TODO), *args])}; exit $?"
    return subprocess.run(
        ["bash", "-c", line],
        env=environ,
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT,
        check=False,
    )


def test_show_and_install_completion_find_the_shell_through_the_agent(env, isolated_home):
    agent = agent_tests.warm_agent(env)
    off = dict(env, TODO_AGENT="0")
    shown = from_bash(env, "--show-completion")
    assert (shown.returncode, shown.stderr) == (ExitCode.OK, "")
    assert shown.stdout == from_bash(off, "--show-completion").stdout
    assert "complete -o default -F _todo_completion todo" in shown.stdout
    installed = from_bash(env, "--install-completion")
    assert installed.returncode == ExitCode.OK, installed.stderr
    assert (isolated_home / ".bash_completions" / "todo.sh").exists()
    assert agent_tests.status(env)["pid"] == agent["pid"]


def test_completions_themselves_are_served_by_the_agent(env):
    agent_tests.warm_agent(env)
    before = agent_tests.status(env)["served"]
    completing = dict(env, _TODO_COMPLETE="complete_bash", COMP_WORDS="todo li", COMP_CWORD="1")
    done = agent_tests.todo(completing)
    assert (done.returncode, done.stdout.split()) == (ExitCode.OK, ["list"])
    assert agent_tests.status(env)["served"] == before + 2  # the completion, then this status
