"""User-defined attributes through the real Typer app on a real database: `todo uda ...`,
NAME:value on add and edit, filters, JSON, urgency, undo; hostile words generated."""

import json
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import assert_fails, examples, ok
from tests.test_cli_properties import PROPERTY, check
from todo_cli.errors import ExitCode


@pytest.fixture(autouse=True)
def _database(todo_env, frozen_clock):
    """Every test here talks to its own database, at Thursday 2026-11-26 09:30."""


def ids(cli, *args) -> list[int]:
    return sorted(task["id"] for task in json.loads(ok(cli, "list", "--json", *args).stdout))


def task(cli, number) -> dict:
    return json.loads(ok(cli, "show", str(number), "--json").stdout)


@pytest.fixture
def defined(cli):
    ok(cli, "uda", "add", "estimate", "--type", "numeric", "--urgency", "2")
    ok(cli, "uda", "add", "size", "--type", "string", "--values", "S,M,L", "--label", "T-shirt")
    ok(cli, "uda", "add", "review", "--type", "date")
    ok(cli, "uda", "add", "effort", "--type", "duration")


@pytest.fixture
def board(cli, defined):
    """1 estimate 3, size L, review Dec 1, effort 2h; 2 estimate 8, size S; 3 nothing."""
    ok(cli, "add", "Paint", "estimate:3", "size:L", "review:2026-12-01", "effort:2h")
    ok(cli, "add", "Plan", "estimate:8", "size:S")
    ok(cli, "add", "Rest")


def test_each_type_is_stored_json_typed(cli, board):
    udas = task(cli, 1)["udas"]
    review = datetime.fromisoformat(udas.pop("review"))
    assert udas == {"estimate": 3, "size": "L", "effort": "PT2H"}
    assert review.utcoffset() == timedelta(0)  # stored in UTC...
    assert review.astimezone().date() == date(2026, 12, 1)  # ...the day typed, locally
    assert task(cli, 1)["title"] == "Paint"  # the words were attributes, not title text
    assert task(cli, 3)["udas"] == {}
    listed = json.loads(ok(cli, "list", "--json", "--sort", "id").stdout)
    assert [each["udas"] for each in listed] == [task(cli, n)["udas"] for n in (1, 2, 3)]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (("estimate:3",), [1]),
        (("estimate:3.0",), [1]),
        (("estimate.before:5",), [1]),
        (("estimate.after:5",), [2]),
        (("estimate.any:",), [1, 2]),
        (("estimate.none:",), [3]),
        (("estimate:",), [3]),
        (("size:S",), [2]),
        (("review:2026-12-01",), [1]),
        (("review:2026-12-02",), []),
        (("review.before:2026-12-05",), [1]),
        (("review.after:2026-12-05",), []),
        (("effort:120min",), [1]),
        (("effort.after:1h",), [1]),
        (("effort.before:1h",), []),
        (("size:L", "estimate.after:1"), [1]),
    ],
)
def test_filters(cli, board, words, expected):
    assert ids(cli, *words) == expected


def test_edit_sets_and_clears_and_one_undo_reverts(cli, board):
    ok(cli, "edit", "1", "size:M", "estimate:", "effort:P1D")
    assert task(cli, 1)["udas"]["size"] == "M"
    assert "estimate" not in task(cli, 1)["udas"]
    assert task(cli, 1)["udas"]["effort"] == "P1D"
    assert "estimate: 3" in ok(cli, "log", "-n", "1").stdout
    ok(cli, "undo")
    assert task(cli, 1)["udas"]["estimate"] == 3
    assert task(cli, 1)["udas"]["size"] == "L"


def test_a_filter_edit_selects_by_attributes(cli, board):
    ok(cli, "edit", "size:S", "pri:H")
    assert task(cli, 2)["priority"] == "high"
    assert task(cli, 1)["priority"] is None


def test_urgency_per_attribute_and_per_value(cli, board):
    def urgency() -> dict[int, float]:
        scored = json.loads(ok(cli, "next", "--json").stdout)
        return {each["id"]: each["urgency"] for each in scored}

    base = urgency()
    assert base[1] - base[3] == pytest.approx(2.0)  # estimate's coefficient
    ok(cli, "uda", "urgency", "size", "L", "5")
    raised = urgency()
    assert raised[1] - base[1] == pytest.approx(5.0)
    assert raised[2] == base[2]
    ok(cli, "uda", "urgency", "estimate", "8.0", "1.5")  # typed: 8.0 is the stored 8
    assert urgency()[2] - base[2] == pytest.approx(1.5)
    ok(cli, "uda", "urgency", "size", "L", "0")
    assert urgency()[1] == base[1]


def test_list_shows_definitions(cli, defined):
    listed = json.loads(ok(cli, "uda", "list", "--json").stdout)
    assert [each["name"] for each in listed] == ["effort", "estimate", "review", "size"]
    size = listed[-1]
    assert size == {
        "name": "size",
        "type": "string",
        "values": ["S", "M", "L"],
        "label": "T-shirt",
        "urgency": 0.0,
        "value_urgency": {},
    }
    assert "size\tstring\tS,M,L\tT-shirt\t0\t-" in ok(cli, "uda", "list").stdout


def test_remove_needs_yes_while_tasks_hold_values_and_keeps_them(cli, board):
    assert "--yes" in assert_fails(cli("uda", "remove", "size"), ExitCode.CONFLICT)
    assert "2 task(s) keep" in ok(cli, "uda", "remove", "size", "--yes").stderr
    assert task(cli, 1)["udas"]["size"] == "L"  # orphaned, as Taskwarrior keeps them
    assert ids(cli, "--", "size:L") == []  # now plain text, and no title holds it
    ok(cli, "uda", "add", "size", "--type", "string")
    assert ids(cli, "size:L") == [1]  # defined again: the values are back
    ok(cli, "uda", "remove", "review", "--yes")
    ok(cli, "uda", "add", "unused", "--type", "numeric")
    assert "keep" not in ok(cli, "uda", "remove", "unused").stderr


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("add", "X", "size:XL"), ExitCode.USAGE),
        (("add", "X", "estimate:lots"), ExitCode.USAGE),
        (("add", "X", "review:whenever-ish"), ExitCode.USAGE),
        (("add", "X", "effort:3x"), ExitCode.USAGE),
        (("add", "X", "estimate:"), ExitCode.USAGE),
        (("add", "X", "estimate:1", "estimate:2"), ExitCode.USAGE),
        (("add", "X", "estimate.before:1"), ExitCode.USAGE),
        (("edit", "1", "size:XL"), ExitCode.USAGE),
        (("list", "size.before:M"), ExitCode.USAGE),
        (("list", "estimate.xyz:3"), ExitCode.USAGE),
        (("uda", "add", "pri", "--type", "string"), ExitCode.USAGE),
        (("uda", "add", "proj", "--type", "string"), ExitCode.USAGE),
        (("uda", "add", "or", "--type", "string"), ExitCode.USAGE),
        (("uda", "add", "9lives", "--type", "string"), ExitCode.USAGE),
        (("uda", "add", "x", "--type", "colour"), ExitCode.USAGE),
        (("uda", "add", "x", "--type", "numeric", "--values", "1,2"), ExitCode.USAGE),
        (("uda", "add", "size", "--type", "string"), ExitCode.CONFLICT),
        (("uda", "remove", "nothing"), ExitCode.NOT_FOUND),
        (("uda", "urgency", "size", "XL", "2"), ExitCode.USAGE),
        (("uda", "urgency", "nothing", "x", "2"), ExitCode.NOT_FOUND),
    ],
)
def test_mistakes_are_one_line_and_change_nothing(cli, board, args, code):
    def state():
        tasks = ok(cli, "list", "status:all", "--sort", "id", "--json").stdout
        return tasks, ok(cli, "uda", "list", "--json").stdout

    before = state()
    assert_fails(cli(*args), code)
    assert state() == before


def test_an_attribute_word_of_another_person_is_title_text(cli):
    """Names are per user: without a definition `estimate:3` is what it always was."""
    made = json.loads(ok(cli, "add", "Note", "estimate:3", "--json").stdout)
    assert made["title"] == "Note estimate:3"
    assert made["udas"] == {}


values = st.one_of(
    st.sampled_from(["3", "-2.5", "1e999", "S", "L", "XL", "tomorrow", "3d", "PT2H", "P", ""]),
    st.text(max_size=12),
)
names = st.sampled_from(["estimate", "size", "review", "effort"])
modifiers = st.sampled_from(["", ".any", ".none", ".before", ".after", ".is", ".below"])


FEWER = settings(PROPERTY, max_examples=examples(12))  # a few commands an example


@FEWER
@given(name=names, modifier=modifiers, value=values, verb=st.sampled_from(["add", "list", "edit"]))
def test_any_attribute_word(cli, database_url, name, modifier, value, verb):
    if not json.loads(ok(cli, "uda", "list", "--json").stdout):
        for attribute, kind in (("estimate", "numeric"), ("review", "date")):
            ok(cli, "uda", "add", attribute, "--type", kind)
        ok(cli, "uda", "add", "size", "--type", "string", "--values", "S,M,L")
        ok(cli, "uda", "add", "effort", "--type", "duration")
        ok(cli, "add", "Seed")
    word = f"{name}{modifier}:{value}"
    args = {"add": ["add", "Task", word], "list": ["list", word], "edit": ["edit", "1", word]}
    check(cli, database_url, [*args[verb], "--json"])


@FEWER
@given(
    words=st.lists(
        st.one_of(
            st.sampled_from(["(", ")", "or", "and", "+a", "-b", "project:x", "pri:H", "xor"]),
            st.text(max_size=8),
        ),
        max_size=6,
    )
)
def test_any_context_definition(cli, database_url, words):
    result = check(cli, database_url, ["context", "define", "c", *words])
    if result.exit_code == ExitCode.OK:
        ok(cli, "context", "c")
        check(cli, database_url, ["list", "--json"])
        ok(cli, "context", "none")
