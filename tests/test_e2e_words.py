"""ISSUE 8's "Done when", in order, through the installed ``todo``, typed without quotes."""

import json
import os
import shlex

import pytest

from tests.test_e2e import todo
from todo_cli.errors import ExitCode

pytestmark = pytest.mark.installed


@pytest.fixture
def env(database_url, isolated_home):
    environment = dict(os.environ, TODO_DATABASE_URL=database_url)
    environment.pop("NO_COLOR", None)
    return environment


def typed(env, line: str):
    """Run ``line`` as a shell would split it (no quotes in any of them)."""
    result = todo(env, *shlex.split(line))
    assert result.returncode == ExitCode.OK, (line, result.stderr)
    return result


def as_json(env, line: str):
    return json.loads(typed(env, line + " --json").stdout)


def test_a_newcomer_types_the_done_when_list(env):
    added = as_json(
        env, "add Call the bank about the mortgage +phone project:home due:friday pri:H"
    )
    assert added["title"] == "Call the bank about the mortgage"
    assert (added["tags"], added["project"], added["priority"]) == (["phone"], "home", "high")
    assert added["due"] is not None
    typed(env, "add Ask the plumber +phone +waiting project:home")
    typed(env, "add Phone the garden centre +phone project:home.garden")
    typed(env, "add Buy more milk")

    listed = as_json(env, "list +phone -waiting project:home")
    assert [task["id"] for task in listed] == [1, 3]

    assert typed(env, "done 1-3").stderr.splitlines() == [
        "Completed task 1: Call the bank about the mortgage",
        "Completed task 2: Ask the plumber",
        "Completed task 3: Phone the garden centre",
    ]
    assert typed(env, "undo").stderr == "Undid `done 1-3` (task 1, 2, 3)\n"
    assert [task["id"] for task in as_json(env, "list")] == [1, 2, 3, 4]

    edited = as_json(env, "edit +phone pri:M --yes")
    assert [(task["id"], task["priority"]) for task in edited] == [
        (1, "medium"),
        (2, "medium"),
        (3, "medium"),
    ]

    noted = as_json(env, "note 4 called, waiting for reply")
    assert [note["text"] for note in noted["notes"]] == ["called, waiting for reply"]

    [started] = as_json(env, "start 4")
    assert started["started_at"] is not None

    upcoming = as_json(env, "next")
    assert {task["id"] for task in upcoming} == {1, 2, 3, 4}
    assert all(isinstance(task["urgency"], float) for task in upcoming)

    assert as_json(env, "projects") == [
        {"project": "home", "pending": 3, "done": 0, "percent": 0},
        {"project": "home.garden", "pending": 1, "done": 0, "percent": 0},
    ]
    assert as_json(env, "tags") == [
        {"tag": "phone", "pending": 3},
        {"tag": "waiting", "pending": 1},
    ]

    commands = [change["command"] for change in as_json(env, "log")]
    assert commands[:4] == [
        "start 4 --json",
        "note 4 called, waiting for reply --json",
        "edit +phone pri:M --yes --json",
        "done 1-3",
    ]


def test_a_bulk_filter_without_yes_is_refused_off_a_terminal(env):
    for number in range(4):
        typed(env, f"add Call {number} +phone")
    result = todo(env, "done", "+phone")
    assert result.returncode == ExitCode.USAGE
    assert result.stderr == (
        "todo: error: the filter selects 4 tasks; add --yes to change them all (nothing changed)\n"
    )
    assert [task["status"] for task in as_json(env, "list status:all")] == ["pending"] * 4


@pytest.mark.installed
def test_a_newcomers_first_day_trust_round_two(env):
    """The issue's newcomer defects, through the installed todo, typed without quotes."""
    assert "Usage: todo db [OPTIONS] COMMAND" in typed(env, "db").stdout  # not `next`

    for title in ("Check tyre pressure", "Call the garage", "Added by mistake"):
        typed(env, f"add {title}")
    typed(env, "undo")  # task 3 is gone for good
    typed(env, "add Pump the spare tyre")
    assert [task["id"] for task in as_json(env, "start 1-4")] == [1, 2, 4]

    refused = todo(env, *shlex.split("add Pay rent due:31/12/2026"))
    assert refused.returncode == ExitCode.USAGE
    assert "YYYY-MM-DD" in refused.stderr

    refused = todo(env, *shlex.split("add Water the plants recur:weekly"))
    assert (refused.returncode, refused.stdout) == (ExitCode.USAGE, "")
    assert "recur:" in refused.stderr

    assert as_json(env, "edit 4 /tyre/tire/")["title"] == "Pump the spare tire"

    refused = todo(env, "show", "+phone")
    assert refused.returncode == ExitCode.USAGE
    assert refused.stderr.count("\n") == 1
    assert "'+phone' is not a task ID" in refused.stderr
    assert [task["title"] for task in as_json(env, "list")] == [
        "Check tyre pressure",
        "Call the garage",
        "Pump the spare tire",
    ]
