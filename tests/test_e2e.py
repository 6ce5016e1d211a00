"""The installed ``todo`` executable, run as a user's shell would run it."""

import json
import os
import subprocess
import sys

import pytest

from tests.support import SAFETY_TIMEOUT, TODO, run_todo
from todo_cli.errors import ExitCode

pytestmark = pytest.mark.installed


@pytest.fixture
def env(database_url, isolated_home):
    """This process's environment (isolated HOME/XDG) pointed at the test database."""
    environment = dict(os.environ, TODO_DATABASE_URL=database_url)
    environment.pop("NO_COLOR", None)
    return environment


todo = run_todo


def todo_json(env, *args):
    result = todo(env, *args, "--json")
    assert result.returncode == ExitCode.OK, result.stderr
    return json.loads(result.stdout)


def test_the_executable_is_installed():
    assert TODO.is_file()
    assert os.access(TODO, os.X_OK)


def test_newcomer_flow(env):
    added = todo_json(env, "add", "Buy milk", "-p", "high", "-t", "errand", "--due", "tomorrow")
    assert (added["id"], added["status"], added["tags"]) == (1, "pending", ["errand"])

    assert [task["id"] for task in todo_json(env, "list")] == [1]

    [done] = todo_json(env, "done", "1")
    assert done["status"] == "done"
    assert done["completed_at"] is not None

    assert todo_json(env, "list") == []
    assert [task["id"] for task in todo_json(env, "list", "--status", "done")] == [1]

    edited = todo_json(env, "edit", "1", "--title", "Buy oat milk", "--no-due")
    assert (edited["title"], edited["due"], edited["status"]) == ("Buy oat milk", None, "done")

    [deleted] = todo_json(env, "rm", "1")
    assert deleted["status"] == "deleted"
    assert todo_json(env, "list", "--status", "all") == [deleted]

    [restored] = todo_json(env, "restore", "1")
    assert restored["status"] == "done"
    assert restored["uuid"] == added["uuid"]
    assert restored["created_at"] == added["created_at"]


def test_piped_list_is_plain_text(env):
    todo_json(env, "add", "Call mum", "-p", "low", "-t", "family")
    result = todo(env, "list")
    assert result.returncode == ExitCode.OK, result.stderr
    assert "\x1b" not in result.stdout
    assert result.stdout == "1\tpending\tlow\t-\t-\tfamily\tCall mum\n"


def test_messages_go_to_stderr(env):
    result = todo(env, "add", "Call mum")
    assert result.returncode == ExitCode.OK
    assert result.stdout == ""
    assert result.stderr == "Created task 1: Call mum\n"


def test_an_error_is_one_line_with_its_exit_code(env):
    result = todo(env, "show", "42")
    assert result.returncode == ExitCode.NOT_FOUND
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "42" in result.stderr
    assert "Traceback" not in result.stderr


def test_concurrent_processes_get_unique_contiguous_numbers(env):
    racers = [
        subprocess.Popen(
            [sys.executable, "-m", "todo_cli", "add", f"Racer {i}", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(6)
    ]
    numbers = []
    for racer in racers:
        stdout, stderr = racer.communicate(timeout=SAFETY_TIMEOUT)
        assert racer.returncode == ExitCode.OK, stderr
        numbers.append(json.loads(stdout)["id"])
    assert sorted(numbers) == list(range(1, 7))
    listed = todo_json(env, "list", "--sort", "id")
    assert [task["id"] for task in listed] == list(range(1, 7))
