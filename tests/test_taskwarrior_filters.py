"""The same tasks in the real Taskwarrior 2.6.2 and in todo: the same expressions select the
same tasks, count the same and print the same `ids` (skipped without /usr/bin/task).

Both run on the real clock (Taskwarrior's cannot be frozen). The board leaves out what
todo documents as a better rule (``project:home`` is not ``homework``)."""

import json
import shutil
import subprocess

import pytest

from todo_cli.errors import ExitCode

TASK = shutil.which("task", path="/usr/bin")
pytestmark = pytest.mark.skipif(TASK is None, reason="needs Taskwarrior at /usr/bin/task")
BOARD = [
    ("Call the bank", "project:home", "+phone", "due:tomorrow", "pri:H"),
    ("Mortgage paper", "project:home.garden", "due:today"),
    ("Homework", "project:school", "+school"),
    ("Bank transfer", "pri:M", "due:eom"),
    ("Pay the bank back", "+phone", "pri:L"),
    ("Buy milk", "+errand", "pri:L"),  # done at the end: the IDs before it stay as they are
]
EXPRESSIONS = [
    ("+phone",),
    ("+phone", "or", "+errand"),
    ("(", "+phone", "or", "pri:M", ")", "and", "due.any:"),
    ("pri:H", "or", "+school", "+phone"),
    ("+phone", "or", "+school", "xor", "pri:H"),
    ("!", "(", "+phone", "or", "+school", ")"),
    ("project:home",),
    ("project.is:home",),
    ("project.not:home",),
    ("project.isnt:home",),
    ("project.none:",),
    ("project.endswith:den",),
    ("description:Call",),
    ("description.contains:bank",),
    ("description.word:bank",),
    ("description.noword:bank",),
    ("description.startswith:Bank",),
    ("/Bank/",),
    ("/ba.k/",),
    ("pri.below:M",),
    ("pri.above:L",),
    ("priority.none:",),
    ("tags.none:",),
    ("tags.hasnt:phone",),
    ("due:tomorrow",),
    ("due:today",),
    ("due.any:",),
]


@pytest.fixture
def taskwarrior(tmp_path):
    rc = tmp_path / "taskrc"
    rc.write_text(f"data.location={tmp_path / 'data'}\nconfirmation=off\nverbose=nothing\n")
    (tmp_path / "data").mkdir()

    def task(*args: str) -> str:
        env = {"TASKRC": str(rc), "TASKDATA": str(tmp_path / "data"), "HOME": str(tmp_path)}
        env |= {"PATH": "/usr/bin"}  # without HOME, task 2.6.2 crashes
        done = subprocess.run(
            [TASK, *args], env=env, capture_output=True, text=True, timeout=60, check=True
        )
        return done.stdout

    return task


def test_the_same_expressions_select_the_same_tasks(cli, todo_env, taskwarrior):
    for title, *words in BOARD:
        taskwarrior("add", title, *words)
        assert cli("add", title, *words).exit_code == ExitCode.OK
    taskwarrior(str(len(BOARD)), "done")
    assert cli("done", str(len(BOARD))).exit_code == ExitCode.OK
    differences = {}
    for words in EXPRESSIONS:
        theirs = _titles(json.loads(taskwarrior(*words, "status:pending", "export")))
        ours = _titles(json.loads(cli("list", *words, "--json").stdout))
        counts = (taskwarrior(*words, "count"), cli("count", *words).stdout)
        ids = (taskwarrior("ids", *words), cli("ids", *words).stdout)
        if theirs != ours or counts[0] != counts[1] or ids[0] != ids[1]:
            differences[" ".join(words)] = (theirs, ours, counts, ids)
    assert differences == {}


def _titles(tasks: list[dict]) -> list[str]:
    return sorted(task.get("description") or task["title"] for task in tasks)
