"""The workflow commands through the real Typer app, on this test's own database."""

import json
from datetime import datetime

import pytest

from tests.support import assert_fails, ok
from todo_cli.cli.table import task_table
from todo_cli.errors import ExitCode


@pytest.fixture(autouse=True)
def _database(todo_env):
    """Every test here talks to its own database."""


def run_json(cli, *args):
    return json.loads(ok(cli, *args, "--json").stdout)


def every_task(cli) -> list[dict]:
    return run_json(cli, "list", "--status", "all", "--sort", "id")


def fails(cli, code, *args) -> str:
    """A failing command: its code, one stderr line, nothing on stdout, nothing written."""
    before = every_task(cli), run_json(cli, "log")
    message = assert_fails(cli(*args), code)
    assert (every_task(cli), run_json(cli, "log")) == before
    return message.rstrip("\n")


@pytest.mark.parametrize(
    "command", ["undo", "log", "note", "start", "stop", "next", "projects", "tags"]
)
def test_every_workflow_command_has_help_and_json(cli, command):
    assert "--json" in ok(cli, command, "--help").stdout


# --- note ------------------------------------------------------------------------------


def test_note_takes_every_word_without_quotes(cli):
    ok(cli, "add", "Call the bank")
    result = ok(cli, "note", "1", "called,", "waiting", "for", "reply")
    assert result.stdout == ""
    assert result.stderr == "Added note 1 to task 1: Call the bank\n"
    [note] = run_json(cli, "show", "1")["notes"]
    assert note["text"] == "called, waiting for reply"


def test_note_json_prints_the_task_and_delete_removes_by_position(cli):
    ok(cli, "add", "t")
    ok(cli, "note", "1", "one")
    task = run_json(cli, "note", "1", "two")
    assert [note["text"] for note in task["notes"]] == ["one", "two"]
    result = ok(cli, "note", "1", "--delete", "1")
    assert result.stderr == "Deleted note 1 from task 1: t\n"
    assert [note["text"] for note in run_json(cli, "show", "1")["notes"]] == ["two"]


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["note", "1"], ExitCode.USAGE, "the note is empty"),
        (["note", "1", "  "], ExitCode.USAGE, "the note is empty"),
        (["note", "1", "x", "--delete", "1"], ExitCode.USAGE, "not both"),
        (["note", "1", "--delete", "3"], ExitCode.NOT_FOUND, "has no note 3"),
        (["note", "1", "--delete", "0"], ExitCode.USAGE, "--delete"),
        (["note", "9", "hello"], ExitCode.NOT_FOUND, "no task 9"),
        (["note", "1", "x" * 2001], ExitCode.USAGE, "limit is 2000"),
    ],
)
def test_bad_notes_fail_cleanly(cli, args, code, text):
    ok(cli, "add", "t")
    assert text in fails(cli, code, *args)


def test_show_prints_notes_and_history(cli):
    ok(cli, "add", "t")
    ok(cli, "note", "1", "first note")
    ok(cli, "done", "1")
    out = ok(cli, "show", "1").stdout
    assert "\nnotes       1. " in out
    assert "first note" in out
    history = out.split("\nhistory     ")[1].splitlines()
    assert len(history) == 3
    assert "  add t: added 't'" in history[0]
    assert "  note 1 'first note': note added: first note" in history[1]
    completed = history[2][-16:]  # the local time, YYYY-MM-DD HH:MM
    assert history[2].endswith(f"  done 1: status: pending → done; completed_at: - → {completed}")
    assert history[1].startswith(" " * 12)


def test_task_table_shows_the_note_count_after_the_title():
    from todo_cli.models import Task, TaskNote

    now = datetime.now().astimezone()
    task = Task(number=1, user_id=1, title="noted", notes=[TaskNote(user_id=1, text="a")])
    plain = Task(number=2, user_id=1, title="plain", notes=[])
    lines = task_table([task, plain], now=now, width=80).plain.splitlines()
    assert lines[1].endswith("noted [1]")
    assert lines[2].endswith("plain")


# --- start / stop ----------------------------------------------------------------------


def test_start_stop_and_list_active(cli):
    ok(cli, "add", "a")
    ok(cli, "add", "b")
    assert ok(cli, "start", "2").stderr == "Started task 2: b\n"
    [task] = run_json(cli, "list", "--active")
    assert task["id"] == 2
    assert task["started_at"] is not None
    again = ok(cli, "start", "2")
    assert again.stderr == "task 2 is already active; left as it was\n"
    [stopped] = run_json(cli, "stop", "2")
    assert stopped["started_at"] is None
    assert ok(cli, "stop", "2").stderr == "task 2 is not active; left as it was\n"
    assert run_json(cli, "list", "--active") == []


def test_done_stops_an_active_task(cli):
    ok(cli, "add", "a")
    ok(cli, "start", "1")
    [done] = run_json(cli, "done", "1")
    assert done["started_at"] is None


def test_start_on_a_done_task_is_a_conflict(cli):
    ok(cli, "add", "a")
    ok(cli, "add", "b")
    ok(cli, "done", "2")
    assert "task 2 is not pending" in fails(cli, ExitCode.CONFLICT, "start", "1", "2")


def test_start_a_missing_task_is_not_found(cli):
    assert "no task 4" in fails(cli, ExitCode.NOT_FOUND, "start", "4")


# --- undo / log ------------------------------------------------------------------------


def test_nothing_to_undo_is_a_conflict(cli):
    assert fails(cli, ExitCode.CONFLICT, "undo") == "todo: error: nothing to undo"


def test_undo_restores_and_prints_json(cli):
    ok(cli, "add", "a", "-p", "high")
    ok(cli, "edit", "1", "--title", "b", "--no-priority")
    result = ok(cli, "undo", "--json")
    [task] = json.loads(result.stdout)
    assert (task["title"], task["priority"]) == ("a", "high")
    assert result.stderr == "Undid `edit 1 --title b --no-priority` (task 1)\n"
    assert ok(cli, "undo").stderr == "Undid `add a -p high` (task 1)\n"
    assert every_task(cli) == []


def test_undo_refuses_a_task_changed_since(cli, todo_env):
    import asyncio

    from tests.conftest import admin_execute

    ok(cli, "add", "a")
    ok(cli, "done", "1")
    asyncio.run(admin_execute(todo_env, "UPDATE tasks SET title = 'elsewhere'"))
    message = fails(cli, ExitCode.CONFLICT, "undo")
    assert message == "todo: error: task 1 changed since `done 1`; nothing undone"


def test_log_json_shape(cli):
    ok(cli, "add", "a")
    ok(cli, "add", "b")
    ok(cli, "done", "1", "2")
    ok(cli, "undo")
    changes = run_json(cli, "log")
    assert [change["command"] for change in changes] == ["done 1 2", "add b", "add a"]
    latest = changes[0]
    assert set(latest) == {"change", "at", "command", "undone", "tasks"}
    assert latest["undone"] is True
    assert datetime.fromisoformat(latest["at"]).tzinfo is not None
    assert [(t["id"], t["before"]["status"], t["after"]["status"]) for t in latest["tasks"]] == [
        (1, "pending", "done"),
        (2, "pending", "done"),
    ]
    assert changes[2]["tasks"][0]["before"] is None
    assert len(run_json(cli, "log", "--limit", "1")) == 1


def test_log_plain_lines(cli):
    ok(cli, "add", "a")
    ok(cli, "edit", "1", "-p", "low", "-t", "x")
    lines = ok(cli, "log").stdout.splitlines()
    assert lines[0].endswith("  edit 1 -p low -t x")
    assert lines[1] == "  task 1: priority: - → low; tags: - → x"
    assert lines[2].endswith("  add a")
    assert lines[3] == "  task 1: added 'a'"


def test_log_of_nothing_is_empty(cli):
    assert run_json(cli, "log") == []
    assert ok(cli, "log").stdout == ""


# --- next / bare todo ------------------------------------------------------------------


def test_next_json_adds_urgency(cli):
    ok(cli, "add", "low", "-p", "low")
    ok(cli, "add", "high", "-p", "high")
    ok(cli, "add", "next", "-t", "next")
    tasks = run_json(cli, "next")
    assert [task["id"] for task in tasks] == [3, 2, 1]
    assert [task["urgency"] for task in tasks] == pytest.approx([15.8, 6.0, 1.8], abs=0.01)
    assert all("urgency" not in task for task in run_json(cli, "list"))
    assert len(run_json(cli, "next", "--limit", "2")) == 2


def test_next_piped_prints_list_lines_in_urgency_order(cli):
    ok(cli, "add", "low", "-p", "low")
    ok(cli, "add", "high", "-p", "high")
    lines = ok(cli, "next").stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["2", "1"]


def test_bare_todo_runs_next(cli):
    ok(cli, "add", "low", "-p", "low")
    ok(cli, "add", "high", "-p", "high")
    assert ok(cli).stdout == ok(cli, "next").stdout


@pytest.mark.parametrize(("setting", "expected"), [("help", "Usage:"), ("list", "1\tpending")])
def test_bare_todo_runs_the_default_command_setting(cli, monkeypatch, setting, expected):
    ok(cli, "add", "t")
    monkeypatch.setenv("TODO_DEFAULT_COMMAND", setting)
    assert expected in ok(cli).stdout


def test_an_unknown_default_command_is_a_config_error(cli, monkeypatch):
    monkeypatch.setenv("TODO_DEFAULT_COMMAND", "dance")
    assert "default_command" in assert_fails(cli(), ExitCode.CONFIG)


@pytest.mark.parametrize(
    ("group", "commands"),
    [("db", ["upgrade", "stop", "grant"]), ("config", ["show", "set"]), ("agent", ["status"])],
)
def test_a_group_without_its_subcommand_prints_the_groups_help(cli, group, commands):
    ok(cli, "add", "Not the next list")
    shown = ok(cli, group)
    assert f"Usage: todo {group} [OPTIONS] COMMAND" in shown.stdout
    assert all(command in shown.stdout for command in commands)
    assert "Not the next list" not in shown.stdout
    assert shown.stdout == ok(cli, group, "--help").stdout


# --- projects / tags -------------------------------------------------------------------


def test_projects_json_and_lines(cli):
    ok(cli, "add", "a", "-P", "home.garden")
    ok(cli, "add", "b", "-P", "home.garden")
    ok(cli, "add", "c", "-P", "home")
    ok(cli, "done", "1")
    assert run_json(cli, "projects") == [
        {"project": "home", "pending": 2, "done": 1, "percent": 33},
        {"project": "home.garden", "pending": 1, "done": 1, "percent": 50},
    ]
    assert ok(cli, "projects").stdout == "home\t2\t1\t33%\nhome.garden\t1\t1\t50%\n"


def test_tags_json_and_lines(cli):
    ok(cli, "add", "a", "-t", "errand", "-t", "phone")
    ok(cli, "add", "b", "-t", "errand")
    assert run_json(cli, "tags") == [
        {"tag": "errand", "pending": 2},
        {"tag": "phone", "pending": 1},
    ]
    assert ok(cli, "tags").stdout == "errand\t2\nphone\t1\n"


def test_empty_summaries_are_empty_arrays(cli):
    assert run_json(cli, "projects") == []
    assert run_json(cli, "tags") == []


def test_a_control_character_in_a_note_is_refused(cli):
    ok(cli, "add", "t")
    assert "control character \\x1b" in fails(cli, ExitCode.USAGE, "note", "1", "a\x1b[31m b")


def test_a_hostile_note_another_client_wrote_is_shown_escaped(cli, todo_env):
    from tests.rows import sql

    ok(cli, "add", "t")
    sql(
        todo_env,
        "INSERT INTO task_notes (task_id, user_id, text) SELECT id, user_id, $1 FROM tasks",
        "first\x1b[31m note",
    )
    out = ok(cli, "show", "1").stdout
    assert "first\\x1b[31m note" in out
    assert "\x1b" not in out
