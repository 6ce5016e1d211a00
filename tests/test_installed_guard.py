"""The guard that keeps the agent-on CI run complete (tests/installed_guard.py)."""

import os
import subprocess
import sys

import pytest

from tests.support import TODO


def test_an_unmarked_test_cannot_run_the_installed_todo():
    with pytest.raises(RuntimeError, match=r"mark it @pytest.mark.installed"):
        subprocess.run([str(TODO), "--version"], capture_output=True, check=False)


def test_an_unmarked_test_runs_other_programs():
    done = subprocess.run([sys.executable, "-c", "print(1)"], capture_output=True, check=True)
    assert done.stdout == b"1\n"


@pytest.mark.installed
def test_a_marked_test_runs_the_installed_todo():
    done = subprocess.run([str(TODO), "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("todo ")


@pytest.mark.installed
@pytest.mark.agent_pinned
def test_a_pinned_test_must_pin_the_agent_in_the_env_it_passes():
    with pytest.raises(RuntimeError, match=r"marked agent_pinned"):
        subprocess.run([str(TODO), "--version"], capture_output=True, check=False)
    pinned = dict(os.environ, TODO_AGENT="0")
    done = subprocess.run([str(TODO), "--version"], env=pinned, capture_output=True, check=False)
    assert done.returncode == 0
