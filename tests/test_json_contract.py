"""The JSON contract scripts rely on (DESIGN.md): keys, types, shapes.

A task object has exactly these keys, forever: adding, renaming or dropping
one must fail here first.
"""

import asyncio
import json
import re
import uuid
from datetime import datetime

import pytest

from tests.conftest import engine_for
from todo_cli.dates import parse_when
from todo_cli.db.engine import session_scope
from todo_cli.errors import ExitCode
from todo_cli.models import TaskCreate
from todo_cli.service.tasks import add_task
from todo_cli.service.users import ensure_user

TASK_KEYS = {
    "id",
    "uuid",
    "title",
    "description",
    "status",
    "priority",
    "due",
    "tags",
    "project",
    "created_at",
    "updated_at",
    "completed_at",
    # Added by the workflow issue (keys are only ever added).
    "started_at",
    "notes",
    # Added by the planning issue.
    "wait",
    "scheduled",
    "until",
    "recur",
    "udas",
    "depends",
    "rtype",
    "template",
}
TIMESTAMP_KEYS = ("due", "created_at", "updated_at", "completed_at", "started_at")
TIMESTAMP_KEYS += ("wait", "scheduled", "until")
OFFSET = re.compile(r"[+-]\d\d:\d\d$")


@pytest.fixture(autouse=True)
def _database(todo_env):
    """Every test here talks to its own database."""


def run_json(cli, *args):
    result = cli(*args, "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout.endswith("\n")
    assert result.stdout.count("\n") == 1  # one document, one line
    assert "\x1b" not in result.stdout
    return json.loads(result.stdout)


def assert_task(task: dict) -> None:
    """Every key, each of its documented type."""
    assert set(task) == TASK_KEYS
    assert type(task["id"]) is int
    assert task["id"] >= 1
    assert str(uuid.UUID(task["uuid"])) == task["uuid"]
    assert isinstance(task["title"], str)
    assert task["description"] is None or isinstance(task["description"], str)
    assert task["status"] in {"pending", "done", "deleted"}
    assert task["priority"] in {None, "low", "medium", "high"}
    assert isinstance(task["tags"], list)
    assert all(isinstance(tag, str) for tag in task["tags"])
    assert task["project"] is None or isinstance(task["project"], str)
    for key in TIMESTAMP_KEYS:
        if key in ("created_at", "updated_at") or task[key] is not None:
            assert_timestamp(task[key])
    assert isinstance(task["notes"], list)
    for note in task["notes"]:
        assert set(note) == {"text", "created_at"}
        assert isinstance(note["text"], str)
        assert_timestamp(note["created_at"])


def assert_timestamp(value) -> None:
    assert isinstance(value, str), value
    assert OFFSET.search(value), f"{value} has no +HH:MM offset"
    assert datetime.fromisoformat(value).tzinfo is not None


def test_a_bare_task_has_every_key_with_nulls(cli):
    task = run_json(cli, "add", "Buy milk")
    assert_task(task)
    assert task == task | {
        "id": 1,
        "title": "Buy milk",
        "description": None,
        "status": "pending",
        "priority": None,
        "due": None,
        "tags": [],
        "project": None,
        "completed_at": None,
        "started_at": None,
        "notes": [],
    }
    assert task["created_at"] == task["updated_at"]


def test_a_full_task_has_every_key_typed(cli):
    run_json(cli, "add", "t", "-d", "d", "-p", "h", "--due", "2026-12-01", "-t", "x", "-P", "home")
    [task] = run_json(cli, "done", "1")
    assert_task(task)
    assert (task["priority"], task["tags"], task["project"]) == ("high", ["x"], "home")
    assert task["completed_at"] is not None


def test_timestamps_are_iso_8601_with_offset(cli):
    task = run_json(cli, "add", "t", "--due", "2026-12-01T14:00:00+02:00")
    for key in ("due", "created_at", "updated_at"):
        assert_timestamp(task[key])


@pytest.mark.parametrize("due", ["2026-12-01T14:00:00+02:00", "2026-12-01"])
def test_every_command_writes_the_same_instant_the_same_way(cli, due):
    # Timestamps are written in UTC, whatever offset was typed or the local zone.
    added = run_json(cli, "add", "t", "--due", due)
    edited = run_json(cli, "edit", "1", "--due", due)
    shown = run_json(cli, "show", "1")
    assert added["due"] == edited["due"] == shown["due"]
    assert added["due"].endswith("+00:00")
    assert datetime.fromisoformat(added["due"]) == parse_when(due, now=datetime.now().astimezone())


def test_id_is_the_short_number_not_the_database_key(cli, database_url):
    async def someone_elses_tasks() -> None:
        engine = engine_for(database_url)
        try:
            async with session_scope(engine) as session:
                other = await ensure_user(session, email="other@example.com")
                for title in ("x", "y", "z"):
                    await add_task(session, user=other, task=TaskCreate(title=title))
        finally:
            await engine.dispose()

    asyncio.run(someone_elses_tasks())
    assert run_json(cli, "add", "mine")["id"] == 1
    assert [task["id"] for task in run_json(cli, "list")] == [1]


def test_utf8_stays_utf8(cli):
    cli("add", "Grüße ☕ 日本")
    result = cli("list", "--json")
    assert "Grüße ☕ 日本" in result.stdout
    assert "\\u" not in result.stdout


def test_the_same_task_looks_the_same_from_every_command(cli):
    added = run_json(cli, "add", "t", "-t", "x")
    assert run_json(cli, "show", "1") == added
    assert run_json(cli, "list") == [added]


@pytest.mark.parametrize(
    ("setup", "command", "shape"),
    [
        ([], ["add", "new"], dict),
        ([], ["show", "1"], dict),
        ([], ["edit", "1", "--title", "x"], dict),
        ([], ["list"], list),
        ([], ["done", "1"], list),
        (["done", "1"], ["reopen", "1"], list),
        ([], ["rm", "1"], list),
        (["rm", "1"], ["restore", "1"], list),
        (["rm", "1"], ["purge", "1", "--yes"], list),
    ],
)
def test_json_shape_per_command(cli, setup, command, shape):
    cli("add", "existing")
    if setup:
        assert cli(*setup).exit_code == ExitCode.OK
    document = run_json(cli, *command)
    assert isinstance(document, shape)
    for task in document if shape is list else [document]:
        assert_task(task)


@pytest.mark.parametrize("status", ["pending", "done", "deleted", "all"])
def test_an_empty_list_is_an_empty_array(cli, status):
    assert run_json(cli, "list", "--status", status) == []
