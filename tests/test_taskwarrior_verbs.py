"""Taskwarrior's verbs on the same tasks in the real Taskwarrior 2.6.2 and in todo: after
`modify`, `append`, `prepend`, `annotate`, `denotate`, `duplicate`, `done` and `delete`,
both exports agree on what those verbs change (skipped without /usr/bin/task).

The tasks are made once by `task import` and brought over by `todo import`, so both start
from the same uuids; Taskwarrior is driven by uuid (its IDs move when a task is done)."""

import json
from uuid import uuid4

import pytest

from tests.support import TASK, ok
from todo_cli.errors import ExitCode

pytestmark = pytest.mark.skipif(TASK is None, reason="needs Taskwarrior at /usr/bin/task")
BOARD = [
    {"description": "Call the bank", "tags": ["old", "phone"], "project": "home"},
    {"description": "Pay rent"},
    {"description": "Read the letter", "annotations": ["first look"]},
    {"description": "Buy milk", "priority": "L", "tags": ["errand"], "project": "home"},
    {"description": "Water the plants"},
    {"description": "Old idea"},
]
# (Taskwarrior's words after the uuid, todo's words after the number): the same change.
VERBS = [
    ((0, "modify", "pri:H", "+urgent", "-old", "project:work.bank", "/bank/Bank/"),
     (0, "modify", "pri:H", "+urgent", "-old", "project:work.bank", "/bank/Bank/")),
    ((1, "append", "by friday"), (1, "append", "by", "friday")),
    ((1, "prepend", "Urgent:"), (1, "prepend", "Urgent:")),
    ((2, "annotate", "call them back"), (2, "annotate", "call", "them", "back")),
    ((2, "denotate", "first look"), (2, "denotate", "first", "look")),
    ((3, "duplicate", "+copy", "pri:M"), (3, "duplicate", "+copy", "pri:M")),
    ((4, "done"), (4, "done")),
    ((5, "delete"), (5, "delete", "--yes")),
]  # fmt: skip


def test_the_verbs_change_the_same_fields(cli, taskwarrior, tmp_path, todo_env):
    board = [{"uuid": str(uuid4()), "status": "pending", **task} for task in BOARD]
    for task in board:
        task["annotations"] = [
            {"entry": "20261101T100000Z", "description": text}
            for text in task.get("annotations", [])
        ]
    made = tmp_path / "board.json"
    made.write_text(json.dumps(board))
    taskwarrior("import", str(made))
    ok(cli, "import", str(made))
    numbers = {task["uuid"]: task["id"] for task in json.loads(ok(cli, "list", "--json").stdout)}
    for (theirs, *their_words), (ours, *our_words) in VERBS:
        taskwarrior(board[theirs]["uuid"], *their_words)
        assert cli(*our_words[:1], str(numbers[board[ours]["uuid"]]), *our_words[1:]).exit_code == (
            ExitCode.OK
        ), our_words
    exported = ok(cli, "export", "--format", "taskwarrior").stdout
    assert _fields(json.loads(exported)) == _fields(json.loads(taskwarrior("export")))


def _fields(tasks: list[dict]) -> list[tuple]:
    """What the verbs change, each task's, in a stable order."""
    return sorted(
        (
            task["description"],
            task["status"],
            task.get("project"),
            task.get("priority"),
            sorted(task.get("tags", [])),
            [note["description"] for note in task.get("annotations", [])],
            # todo keeps no end time for a deletion (README, import and export).
            "end" in task and task["status"] != "deleted",
        )
        for task in tasks
    )
