"""The workflow commands through the installed ``todo`` executable (happy paths)."""

import os

import pytest

from tests.test_e2e import todo, todo_json
from todo_cli.errors import ExitCode

pytestmark = pytest.mark.installed


@pytest.fixture
def env(database_url, isolated_home):
    """As in test_e2e: this process's isolated environment, on the test database."""
    environment = dict(os.environ, TODO_DATABASE_URL=database_url)
    environment.pop("NO_COLOR", None)
    return environment


def ok(env, *args):
    result = todo(env, *args)
    assert result.returncode == ExitCode.OK, result.stderr
    return result


def test_a_day_of_work(env):
    ok(env, "add", "Call the bank about the mortgage", "-t", "phone", "-P", "home", "-p", "high")
    ok(env, "add", "Rake leaves", "-P", "home.garden", "-t", "errand")
    ok(env, "add", "Buy stamps", "-t", "errand")
    ok(env, "add", "Write report", "-P", "work", "-t", "next")

    noted = todo_json(env, "note", "1", "called,", "waiting", "for", "reply")
    assert noted["notes"][0]["text"] == "called, waiting for reply"

    [started] = todo_json(env, "start", "1")
    assert started["started_at"] is not None
    assert [task["id"] for task in todo_json(env, "list", "--active")] == [1]

    upcoming = todo_json(env, "next")
    assert [task["id"] for task in upcoming][:2] == [4, 1]
    assert all(isinstance(task["urgency"], float) for task in upcoming)
    assert ok(env).stdout == ok(env, "next").stdout  # a bare `todo` runs `next`

    ok(env, "done", "2", "3")
    assert todo_json(env, "projects") == [
        {"project": "home", "pending": 1, "done": 1, "percent": 50},
        {"project": "home.garden", "pending": 0, "done": 1, "percent": 100},
        {"project": "work", "pending": 1, "done": 0, "percent": 0},
    ]
    assert todo_json(env, "tags") == [
        {"tag": "next", "pending": 1},
        {"tag": "phone", "pending": 1},
    ]

    [latest, *_] = todo_json(env, "log")
    assert (latest["command"], [t["id"] for t in latest["tasks"]]) == ("done 2 3", [2, 3])

    undo = ok(env, "undo")
    assert undo.stderr == "Undid `done 2 3` (task 2, 3)\n"
    assert {task["id"] for task in todo_json(env, "list")} == {1, 2, 3, 4}
    assert todo_json(env, "log")[0]["undone"] is True

    shown = ok(env, "show", "1").stdout
    assert "called, waiting for reply" in shown
    assert "start 1 --json: started_at: - → " in shown  # the command as typed


def test_undo_with_nothing_to_undo(env):
    result = todo(env, "undo")
    assert result.returncode == ExitCode.CONFLICT
    assert result.stderr == "todo: error: nothing to undo\n"
