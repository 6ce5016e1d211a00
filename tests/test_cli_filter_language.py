"""The filter language through the real Typer app on a real database: every modifier and
operator selects what the README says, mistakes are exit 2 naming the word, and the
script helpers (count, ids, uuids, _get) answer from the same WHERE clause."""

import json

import pytest

from tests.support import assert_fails
from todo_cli.cli.scripting import compressed
from todo_cli.errors import ExitCode


@pytest.fixture(autouse=True)
def _database(todo_env, frozen_clock):
    """Every test here talks to its own database, at Thursday 2026-11-26 09:30."""


def ok(cli, *args):
    result = cli(*args)
    assert result.exit_code == ExitCode.OK, result.stderr
    return result


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


# (words, the IDs they pick): one database for all of them (a board each would cost minutes).
SELECTIONS = [
    (("due:tomorrow",), [1]),
    (("due:today",), [2]),
    (("due.is:today",), [2]),
    (("due.not:tomorrow",), [2, 3, 5]),
    (("due.isnt:tomorrow",), [2, 3, 5]),
    (("due.by:tomorrow",), [1, 2]),
    (("due.under:tomorrow",), [2]),
    (("due.above:tomorrow",), [5]),
    (("due.any:",), [1, 2, 5]),
    (("due.none:",), [3]),
    (("project.is:home",), [1]),
    (("project.not:home",), [3, 5]),  # homework is not home's sub-project
    (("project.isnt:home",), [2, 3, 5]),
    (("project.has:ome",), [1, 2, 3]),
    (("project.startswith:home",), [1, 2, 3]),
    (("project.endswith:den",), [2]),
    (("project.none:",), [5]),
    (("description:Call",), [1]),  # Taskwarrior's bare colon: the start of the text
    (("description:call",), []),  # ... case-sensitive, as search_case_sensitive says
    (("description.contains:bank",), [1]),
    (("desc.hasnt:ank",), [2, 3]),
    (("description.word:bank",), [1]),
    (("description.noword:bank",), [2, 3, 5]),
    (("description.endswith:paper",), [2]),
    (("title.is:homework",), [3]),
    (("/bank/",), [1]),
    (("/Bank/",), [5]),
    (("/^[BM]/",), [2, 5]),
    (("pri.below:M",), [2, 3]),
    (("pri.above:L",), [1, 5]),
    (("pri.by:M",), [2, 3, 5]),
    (("priority.none:",), [2, 3]),
    (("pri.not:M",), [1, 2, 3]),
    (("tags.has:phone",), [1]),
    (("tags.hasnt:phone",), [2, 3, 5]),
    (("tags:phone",), [1]),
    (("tags.any:",), [1, 3]),
    (("tags.none:",), [2, 5]),
    (("status.not:pending",), [4, 6]),
    (("status.is:done",), [4]),
    (("entry.before:2100-01-01",), [1, 2, 3, 5]),  # the database sets it: the real now
    (("modified.after:2000-01-01",), [1, 2, 3, 5]),
    (("status:all", "end.any:"), [4]),
    (("+phone", "or", "+errand"), [1]),  # +errand is done: the pending default holds
    (("+phone", "or", "+school", "xor", "pri:H"), [3]),  # xor binds loosest
    (("+phone", "xor", "pri:H", "or", "+phone"), []),
    (("pri:H", "or", "+school", "+phone"), [1]),  # and before or
    (("not", "+phone"), [2, 3, 5]),
    (("!+phone",), [2, 3, 5]),
    (("!", "(", "+phone", "or", "+school", ")"), [2, 5]),
    (("(+phone", "or", "pri:M)", "and", "due.any:"), [1, 5]),
    (("1", "or", "3"), [1, 3]),
    (("limit:2",), [1, 2]),
]


def test_each_modifier_and_operator_selects_as_taskwarrior(cli, board):
    found = {words: picked(cli, *words, "--sort", "id") for words, _ in SELECTIONS}
    assert found == dict(SELECTIONS)


def test_case_follows_the_search_case_sensitive_setting(cli, board, monkeypatch):
    monkeypatch.setenv("TODO_SEARCH_CASE_SENSITIVE", "false")
    assert picked(cli, "/bank/") == [1, 5]
    assert picked(cli, "description.startswith:call") == [1]
    assert picked(cli, "bank") == [1, 5]  # a plain word is any case either way


MISTAKES = [
    (("project.xyz:home",), "project.xyz:home"),
    (("(+phone",), "parenthesis"),
    (("+phone)",), "')'"),
    (("/[/",), "/[/"),
    (("due:garbage-day",), "garbage-day"),
    (("+a", "or"), "'or'"),
    (("tags.startswith:ph",), "tags.startswith:ph"),
    (("limit:none",), "limit:none"),
    (("uuid.is:x",), "uuid.is"),
    (("(", ")"), "')'"),
]


def test_syntax_that_is_not_valid_is_exit_2_naming_it(cli, board):
    for words, named in MISTAKES:
        error = assert_fails(cli("list", *words), ExitCode.USAGE)
        assert named in error, (words, error)
    assert picked(cli, "size.any:") == []  # no attribute size: a plain word, searched for


def test_a_bad_pattern_changes_nothing(cli, board):
    assert_fails(cli("done", "/(/", "--yes"), ExitCode.USAGE)
    assert picked(cli, "status:done") == [4]


def test_verbs_and_contexts_read_the_same_language(cli, board):
    ok(cli, "done", "project.not:home", "pri.above:L")
    assert picked(cli, "status:done") == [4, 5]
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
