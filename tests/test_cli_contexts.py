"""Contexts through the real Typer app on a real database: `todo context ...` and how the
active one narrows list, next and bulk verbs, and gives add its tags and project."""

import json

import pytest

from tests.support import assert_fails, ok
from todo_cli.errors import ExitCode


@pytest.fixture(autouse=True)
def _database(todo_env, frozen_clock):
    """Every test here talks to its own database, at Thursday 2026-11-26 09:30."""


def ids(cli, *args) -> list[int]:
    listed = ok(cli, *args, "--json").stdout
    return sorted(task["id"] for task in json.loads(listed))


def every_task(cli) -> list[dict]:
    # By IDs (a range): the active context does not narrow them.
    return json.loads(ok(cli, "list", "1-100", "--sort", "id", "--json").stdout)


@pytest.fixture
def board(cli):
    """1 +work; 2 project:office; 3 +home; 4 +work +home; 5 +work pri:H; 6 no tags."""
    ok(cli, "add", "Write", "report", "+work")
    ok(cli, "add", "Book", "room", "project:office")
    ok(cli, "add", "Water", "plants", "+home")
    ok(cli, "add", "Both", "+work", "+home")
    ok(cli, "add", "Urgent", "+work", "pri:H")
    ok(cli, "add", "Loose", "end")


def test_the_done_when_example_narrows_list_and_next(cli, board):
    ok(cli, "context", "define", "work", "+work", "or", "project:office")
    assert ids(cli, "list") == [1, 2, 3, 4, 5, 6]  # defined, not yet active
    ok(cli, "context", "work")
    assert ids(cli, "list") == [1, 2, 4, 5]
    assert ids(cli, "next") == [1, 2, 4, 5]
    assert ids(cli, "list", "pri:H") == [5]  # the command's filter AND the context's
    ok(cli, "context", "none")
    assert ids(cli, "list") == [1, 2, 3, 4, 5, 6]


def test_parentheses_and_negation(cli, board):
    ok(cli, "context", "define", "quiet", "(+work", "or", "+home)", "-home")
    ok(cli, "context", "quiet")
    assert ids(cli, "list") == [1, 5]


def test_bulk_verbs_pick_within_the_context_but_ids_are_not_narrowed(cli, board):
    ok(cli, "context", "define", "home", "+home")
    ok(cli, "context", "home")
    ok(cli, "done", "+work", "--yes")  # only 4 is +work inside +home
    assert [task["id"] for task in every_task(cli) if task["status"] == "done"] == [4]
    ok(cli, "done", "1")  # named by ID: Taskwarrior 2.6 does not narrow it either
    assert [task["id"] for task in every_task(cli) if task["status"] == "done"] == [1, 4]
    assert ids(cli, "list", "2") == [2]  # an ID outside the context still shows


def test_add_gets_the_contexts_tags_and_project(cli):
    ok(cli, "context", "define", "garden", "+outside", "project:home.garden")
    ok(cli, "context", "garden")
    made = json.loads(ok(cli, "add", "Mow", "+lawn", "--json").stdout)
    assert made["tags"] == ["lawn", "outside"]
    assert made["project"] == "home.garden"
    named = json.loads(ok(cli, "add", "Fix", "gate", "project:home", "--json").stdout)
    assert named["project"] == "home"  # the command's own project wins
    assert ids(cli, "list") == [1]  # project:home is outside home.garden


def test_a_context_with_or_gives_add_nothing(cli):
    defined = ok(cli, "context", "define", "work", "+work", "or", "project:office")
    assert "gives `add` nothing" in defined.stderr
    ok(cli, "context", "work")
    made = json.loads(ok(cli, "add", "Plain", "--json").stdout)
    assert made["tags"] == []
    assert made["project"] is None


def test_list_show_delete_and_redefine(cli):
    ok(cli, "context", "define", "work", "+work")
    ok(cli, "context", "define", "home", "+home")
    ok(cli, "context", "use", "home")
    listed = json.loads(ok(cli, "context", "list", "--json").stdout)
    assert listed == [
        {"name": "home", "filter": "+home", "active": True},
        {"name": "work", "filter": "+work", "active": False},
    ]
    assert ok(cli, "context", "list").stdout == "home\t+home\tactive\nwork\t+work\t-\n"
    assert json.loads(ok(cli, "context", "show", "--json").stdout)["name"] == "home"
    assert "redefined" in ok(cli, "context", "define", "home", "+house").stderr
    assert ok(cli, "context", "show").stdout == "home\t+house\tactive\n"
    assert "no context is active" in ok(cli, "context", "delete", "home").stderr
    assert json.loads(ok(cli, "context", "show", "--json").stdout) is None
    assert json.loads(ok(cli, "context", "list", "--json").stdout)[0]["name"] == "work"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("context", "nowhere"), ExitCode.NOT_FOUND),
        (("context", "delete", "nowhere"), ExitCode.NOT_FOUND),
        (("context", "define", "x", "+a", "or"), ExitCode.USAGE),
        (("context", "define", "x", "(+a"), ExitCode.USAGE),
        (("context", "define", "x", "+a", "xor"), ExitCode.USAGE),
        (("context", "define", "x", "3"), ExitCode.USAGE),
        (("context", "define", "x", "due.before:someday-ish"), ExitCode.USAGE),
        (("context", "define", "x", "entry:someday-ish"), ExitCode.USAGE),
        (("context", "define", "list", "+a"), ExitCode.USAGE),
        (("context", "define", "x"), ExitCode.USAGE),
    ],
)
def test_mistakes_are_one_line_and_change_nothing(cli, args, code):
    ok(cli, "context", "define", "work", "+work")
    before = ok(cli, "context", "list", "--json").stdout
    assert_fails(cli(*args), code)
    assert ok(cli, "context", "list", "--json").stdout == before


def test_the_context_lives_in_the_database_not_on_this_machine(cli, board, tmp_path, monkeypatch):
    ok(cli, "context", "define", "home", "+home")
    ok(cli, "context", "home")
    # Another machine: nothing of this one's config or data dirs, the same database.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "elsewhere" / "config"))
    monkeypatch.setenv("TODO_DATA_DIR", str(tmp_path / "elsewhere" / "data"))
    assert ids(cli, "list") == [3, 4]


def test_the_header_names_the_context_on_a_terminal_only(cli, board, monkeypatch):
    ok(cli, "context", "define", "home", "+home")
    ok(cli, "context", "home")
    piped = ok(cli, "list").stdout
    assert "Context" not in piped
    assert "Context" not in ok(cli, "list", "--json").stdout
    monkeypatch.setattr("todo_cli.cli.environment._isatty", lambda stream: True)
    for command in ("list", "next", "ready"):  # a named report is `todo list` too
        shown = ok(cli, command).stdout
        assert shown.splitlines()[0].startswith("Context: home"), shown
        assert "Water plants" in shown


def test_a_context_whose_attribute_is_gone_says_how_out(cli, board):
    ok(cli, "uda", "add", "size", "--type", "string")
    ok(cli, "context", "define", "small", "size:S")
    ok(cli, "context", "small")
    ok(cli, "uda", "remove", "size")
    message = assert_fails(cli("list"), ExitCode.USAGE)
    assert "todo context none" in message
    ok(cli, "context", "none")
    assert ids(cli, "list") == [1, 2, 3, 4, 5, 6]


def test_contexts_are_each_persons_own(cli, shared_url, monkeypatch):
    """Under row-level security (a plain role), one person never sees another's contexts."""
    for email in ("ann@example.com", "bob@example.com"):
        ok_register = cli("register", email, "--password-stdin", input="correct horse battery\n")
        assert ok_register.exit_code == ExitCode.OK, ok_register.stderr
    ok(cli, "login", "ann@example.com", "--password-stdin", input="correct horse battery\n")
    ok(cli, "context", "define", "work", "+work")
    ok(cli, "context", "work")
    ok(cli, "login", "bob@example.com", "--password-stdin", input="correct horse battery\n")
    assert json.loads(ok(cli, "context", "list", "--json").stdout) == []
    assert_fails(cli("context", "work"), ExitCode.NOT_FOUND)
