"""--json with --fields, and --jsonl, on `list`, `show` and `next` (the real Typer app):
the keys asked for, in their order, with the values of the full document; one task per
line; a field that does not exist is exit 2 before the database opens."""

import io
import json
import os

import pytest

from tests.support import assert_fails, run_todo
from tests.test_listing import HOSTILE, write_as_another_client
from todo_cli.cli import render, stream
from todo_cli.cli.documents import task_keys
from todo_cli.errors import ExitCode
from todo_cli.models import TaskCreate, TaskRead
from todo_cli.service import listing
from todo_cli.service.filters import Sort, StatusFilter, TaskFilter
from todo_cli.service.tasks import add_task, list_tasks
from todo_cli.text import json_safe

PICKED = ("title", "id", "due", "notes")


@pytest.fixture
def three(cli, todo_env):
    """Three tasks: one with a due date and a tag, one plain, one done."""
    for args in (
        ("Call the bank", "+phone", "due:2026-12-01", "pri:H"),
        ("Water «plants»",),
        ("Old",),
    ):
        assert cli("add", *args).exit_code == ExitCode.OK
    assert cli("done", "3").exit_code == ExitCode.OK
    return json.loads(cli("list", "--status", "all", "--sort", "id", "--json").stdout)


def test_list_picks_fields_and_writes_json_lines(cli, three):
    result = cli("list", "--status", "all", "--sort", "id", "--json", "--fields", ",".join(PICKED))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout.count("\n") == 1
    picked = json.loads(result.stdout)
    assert [list(task) for task in picked] == [list(PICKED)] * 3  # in the order asked
    assert picked == [{key: task[key] for key in PICKED} for task in three]

    lines = cli("list", "--status", "all", "--sort", "id", "--jsonl")
    assert lines.exit_code == ExitCode.OK, lines.stderr
    assert [json.loads(line) for line in lines.stdout.splitlines()] == three
    assert lines.stdout.endswith("}\n")

    repeated = cli("list", "+phone", "--jsonl", "--fields", "id,tags, id")  # once each
    assert repeated.stdout == '{"id":1,"tags":["phone"]}\n'
    empty = cli("list", "+nothing", "--jsonl")
    assert (empty.exit_code, empty.stdout) == (ExitCode.OK, "")


def test_show_and_next_pick_fields_and_write_json_lines(cli, three):
    """`show` picks from TaskRead in Python, `list` asks PostgreSQL: the same bytes."""
    fields = "udas,due,title,uuid,created_at,priority,depends"
    shown = cli("show", "1", "--json", "--fields", fields)
    listed = cli("list", "1", "--json", "--fields", fields)
    assert shown.exit_code == listed.exit_code == ExitCode.OK
    assert "[" + shown.stdout.rstrip("\n") + "]\n" == listed.stdout
    assert json.loads(shown.stdout) == {key: three[0][key] for key in fields.split(",")}
    assert cli("show", "1", "--jsonl").stdout == cli("show", "1", "--json").stdout

    full = json.loads(cli("next", "--json").stdout)
    result = cli("next", "--jsonl", "--fields", "id,urgency")  # urgency: next's own key
    assert result.exit_code == ExitCode.OK, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == [{"id": task["id"], "urgency": task["urgency"]} for task in full]
    assert [task["id"] for task in lines] == [1, 2]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("list", "--json", "--fields", "id,titel"), "no field 'titel'; the fields are id, uuid"),
        (("list", "--jsonl", "--fields", "urgency"), "no field 'urgency'"),  # next only
        (("show", "1", "--json", "--fields", "id,,title"), "names an empty field"),
        (("next", "--json", "--fields", "id,score"), "urgency"),  # listed among the fields
        (("list", "--fields", "id"), "--fields chooses the keys of --json or --jsonl"),
        (("show", "1", "--json", "--jsonl"), "--json and --jsonl: choose one"),
    ],
)
def test_fields_todo_does_not_have_are_exit_2_naming_them(cli, monkeypatch, args, named):
    # No database at all: the options are checked before one is opened.
    monkeypatch.setenv("TODO_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    assert named in assert_fails(cli(*args), ExitCode.USAGE)


def test_the_error_lists_every_field_of_the_contract(cli):
    message = assert_fails(cli("list", "--json", "--fields", "nope"), ExitCode.USAGE)
    assert message.rstrip().endswith(", ".join(task_keys()))


async def test_streamed_json_lines_are_the_task_documents_picked(session, user):
    """Hostile text another client wrote: each line is TaskRead's document, picked."""
    for title in ("One", "Two"):
        await add_task(session, user=user, task=TaskCreate(title=title, tags=["x"]))
    await write_as_another_client(session, 1, title=HOSTILE, tags=[HOSTILE])
    where = TaskFilter(status=StatusFilter.ALL, sort=Sort.ID)
    for keys in (None, ("tags", "id", "title")):
        out = io.BytesIO()
        column = listing.task_json(keys)
        await stream.write_json_lines(
            lambda sink, column=column: listing.copy_documents(
                session, user=user, where=where, column=column, sink=sink
            ),
            out,
        )
        session.expunge_all()
        documents = [
            render.pick(TaskRead.model_validate(task).model_dump(mode="json"), keys)
            for task in await list_tasks(session, user=user, where=where)
        ]
        expected = b"".join(
            json_safe(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
            + b"\n"
            for document in documents
        )
        assert out.getvalue() == expected


@pytest.mark.installed
def test_the_installed_todo_writes_json_lines_with_fields(cli, todo_env):
    env = dict(os.environ, TODO_DATABASE_URL=todo_env)
    for title in ("Buy milk", "Call Mom"):
        assert cli("add", title).exit_code == ExitCode.OK
    result = run_todo(env, "list", "--sort", "id", "--jsonl", "--fields", "id,title")
    assert (result.returncode, result.stderr) == (ExitCode.OK, "")
    assert result.stdout == '{"id":1,"title":"Buy milk"}\n{"id":2,"title":"Call Mom"}\n'
    refused = run_todo(env, "list", "--json", "--fields", "id,name")
    assert (refused.returncode, refused.stdout) == (ExitCode.USAGE, "")
    assert "no field 'name'" in refused.stderr
