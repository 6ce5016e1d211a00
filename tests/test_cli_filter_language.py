"""The filter language through the real Typer app on a real database: every modifier and
operator selects what the README says, mistakes are exit 2 naming the word, and the
script helpers (count, ids, uuids, _get) answer from the same WHERE clause."""

import json

import pytest

from tests.support import assert_fails, ok
from todo_cli.cli.scripting import compressed
from todo_cli.errors import ExitCode


@pytest.fixture(autouse=True)
def _database(todo_env, frozen_clock):
    """Every test here talks to its own database, at Thursday 2026-11-26 09:30."""


def picked(cli, *words) -> list[int]:
    return sorted(task["id"] for task in json.loads(ok(cli, "list", *words, "--json").stdout))


@pytest.fixture
def board(cli):
    """Five tasks as in the Taskwarrior comparison; 4 is done, 6 deleted."""
    ok(cli, "add", "Call the bank", "project:home", "+phone", "due:tomorrow", "pri:H")
    ok(cli, "add", "Mortgage paper", "project:home.garden", "due:today")
    ok(cli, "add", "homework", "project:homework", "+school")
    ok(cli, "add", "Buy milk", "+errand", "pri:L")
    ok(cli, "add", "Bank transfer", "pri:M", "due:eom")
    ok(cli, "add", "Gone", "+phone")
    ok(cli, "done", "4")
    ok(cli, "rm", "6")


def test_mistakes_change_nothing_and_case_follows_the_setting(cli, board, monkeypatch):
    # Every mistake, read without a database: tests/test_service_filter_language.py.
    for words, named in [(("project.xyz:home",), "project.xyz:home"), (("/[/",), "/[/")]:
        error = assert_fails(cli("list", *words), ExitCode.USAGE)
        assert named in error, (words, error)
    assert_fails(cli("done", "/(/", "--yes"), ExitCode.USAGE)
    assert picked(cli, "status:done") == [4]
    assert picked(cli, "size.any:") == []  # no attribute size: a plain word, searched for
    monkeypatch.setenv("TODO_SEARCH_CASE_SENSITIVE", "false")
    assert picked(cli, "/bank/") == [1, 5]
    assert picked(cli, "description.startswith:call") == [1]


def test_verbs_and_contexts_read_the_same_language(cli, board):
    ok(cli, "done", "project.not:home", "pri.above:L")
    assert picked(cli, "status:done") == [4, 5]
    ok(cli, "edit", "tags.any:", "pri:L", "--yes")  # a filter, then a change
    assert picked(cli, "pri:L") == [1, 3]
    ok(cli, "uda", "add", "size", "--type", "string", "--values", "S,M,L")
    ok(cli, "modify", "1", "size:M")  # Taskwarrior's name for edit
    assert picked(cli, "size.is:M") == picked(cli, "size.startswith:M") == [1]
    assert picked(cli, "size.not:M") == [2, 3]
    ok(cli, "context", "define", "calls", "+phone", "xor", "/paper/")
    ok(cli, "context", "calls")
    assert picked(cli) == [1, 2]
    assert json.loads(ok(cli, "count", "--json").stdout) == 3  # and the deleted +phone


def test_count_ids_uuids_and_get(cli, board):
    assert ok(cli, "count").stdout == "6\n"  # every status, as `task count`
    assert ok(cli, "count", "status:pending").stdout == "4\n"
    assert ok(cli, "ids").stdout == "1-3 5\n"  # pending ones, as `task ids`
    assert ok(cli, "ids", "+phone", "or", "pri:M", "or", "+school").stdout == "1 3 5\n"
    assert json.loads(ok(cli, "ids", "project:home", "--json").stdout) == [1, 2]
    everything = json.loads(ok(cli, "list", "1-6", "--sort", "id", "--json").stdout)
    uuids = ok(cli, "uuids", "+phone").stdout.split()
    assert uuids == [everything[0]["uuid"], everything[5]["uuid"]]
    ok(cli, "note", "1", "ask about rates")
    got = ok(cli, "_get", "1.description", "1.tags", "1.project", "1.annotations.0.description")
    assert got.stdout == "Call the bank phone home ask about rates\n"
    assert ok(cli, "_get", "1.due").stdout == "2026-11-27T23:59:59\n"
    assert ok(cli, "_get", "3.due", "1.annotations.5.entry").stdout == " \n"
    raw = json.loads(ok(cli, "_get", "1.tags", "1.priority", "--json").stdout)
    assert raw == [["phone"], "high"]
    assert_fails(cli("_get", "9.due"), ExitCode.NOT_FOUND)
    assert_fails(cli("_get", "1.colour"), ExitCode.USAGE)
    assert_fails(cli("_get", "1"), ExitCode.USAGE)
    assert_fails(cli("count", "(+phone"), ExitCode.USAGE)


@pytest.mark.parametrize(
    ("numbers", "text"),
    [([], ""), ([4], "4"), ([1, 2, 3, 5], "1-3 5"), ([1, 3, 4, 9, 10, 11], "1 3-4 9-11")],
)
def test_ids_compress_as_taskwarrior(numbers, text):
    assert compressed(numbers) == text
