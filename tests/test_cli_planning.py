"""wait, scheduled, until and the virtual tags through the real Typer app (issue 14).

The clock is frozen at Thursday 2026-11-26 09:30 local time. Expiry runs at the
database's now() (a command's transaction time), so until dates here lie far
from any clock.
"""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support import assert_fails, ok
from tests.test_cli_properties import PROPERTY, check
from todo_cli.errors import ExitCode

LONG_AGO = "2020-01-01"


@pytest.fixture(autouse=True)
def _database(todo_env, frozen_clock):
    """Every test here talks to its own database, at Thursday 2026-11-26 09:30."""


def run_json(cli, *args):
    return json.loads(ok(cli, *args, "--json").stdout)


def ids(cli, *args) -> list[int]:
    return [task["id"] for task in run_json(cli, "list", "--sort", "id", *args)]


def every_task(cli) -> list[dict]:
    return run_json(cli, "list", "status:all", "--sort", "id")


def fails(cli, code, *args) -> str:
    before = every_task(cli)
    message = assert_fails(cli(*args), code)
    assert every_task(cli) == before
    return message


@pytest.fixture
def planned(cli):
    """1 waiting (due tomorrow, wait due-1d); 2 scheduled Monday; 3 plain; 4 wait someday;
    5 scheduled yesterday, due today."""
    ok(cli, "add", "Water", "plants", "due:tomorrow", "wait:due-1d")
    ok(cli, "add", "Write", "report", "scheduled:monday")
    ok(cli, "add", "Plain")
    ok(cli, "add", "Learn", "the", "lute", "wait:someday")
    ok(cli, "add", "Begun", "sched:yesterday", "due:today")


def test_the_done_when_examples(cli, planned):
    water, report, _, lute, _ = every_task(cli)
    assert water["due"] == "2026-11-27T23:59:59+00:00" or water["due"].startswith("2026-11-2")
    assert _instant(water["due"]) - _instant(water["wait"]) == 86400
    assert _local(report["scheduled"]) == "2026-11-30T00:00:00"  # Monday morning
    assert _local(lute["wait"]) == "9999-12-30T00:00:00"


def test_list_and_next_hide_waiting_tasks(cli, planned):
    assert ids(cli) == [2, 3, 5]
    assert [task["id"] for task in run_json(cli, "next")] == [5, 2, 3]
    assert ids(cli, "+WAITING") == [1, 4]
    assert ids(cli, "status:waiting") == [1, 4]
    assert ids(cli, "--status", "waiting") == [1, 4]
    assert ids(cli, "-WAITING") == [2, 3, 5]
    assert ids(cli, "status:all") == [1, 2, 3, 4, 5]
    assert ids(cli, "1") == [1]  # named by ID: shown, waiting or not


def test_ready_scheduled_and_date_tags(cli, planned):
    assert ids(cli, "+READY") == [3, 5]
    assert ids(cli, "+SCHEDULED") == [2, 5]
    assert ids(cli, "+TODAY") == [5]
    assert ids(cli, "+DUE") == [5]  # 1 is due too, but waiting
    assert ids(cli, "+DUE", "+WAITING") == [1]
    assert ids(cli, "-SCHEDULED") == [3]
    assert ids(cli, "sched.before:sunday") == [5]
    assert ids(cli, "wait.after:2027-01-01") == []  # waiting ones are hidden...
    assert ids(cli, "wait.after:2027-01-01", "status:waiting") == [4]  # ...unless asked


def test_scheduled_in_the_past_is_more_urgent(cli, planned):
    scores = {task["id"]: task["urgency"] for task in run_json(cli, "next")}
    assert scores[5] > scores[3] + 5.0 - 0.01


def test_edit_sets_and_clears_dates_per_task(cli):
    ok(cli, "add", "a", "due:2026-12-10")
    ok(cli, "add", "b", "due:2026-12-20")
    ok(cli, "edit", "1-2", "wait:due-1d", "until:due+1w")
    first, second = every_task(cli)
    assert _local(first["wait"]) == "2026-12-09T23:59:59"
    assert _local(second["wait"]) == "2026-12-19T23:59:59"
    assert _local(second["until"]) == "2026-12-27T23:59:59"
    ok(cli, "edit", "1", "wait:", "until:")
    assert (every_task(cli)[0]["wait"], every_task(cli)[0]["until"]) == (None, None)
    ok(cli, "edit", "2", "due:due+1d")
    assert _local(every_task(cli)[1]["due"]) == "2026-12-21T23:59:59"


def test_a_filtered_edit_takes_date_words_as_changes(cli):
    ok(cli, "add", "a", "+phone")
    ok(cli, "add", "b")
    ok(cli, "edit", "+phone", "wait:friday")
    assert ids(cli, "+WAITING") == [1]


def test_an_offset_without_its_date_is_refused_naming_the_task(cli):
    ok(cli, "add", "a", "due:2026-12-10")
    ok(cli, "add", "b")
    assert "task 2" in fails(cli, ExitCode.USAGE, "edit", "1-2", "wait:due-1d")
    assert "due" in fails(cli, ExitCode.USAGE, "add", "c", "wait:due-1d")


@pytest.mark.parametrize(
    "words",
    [
        ["add", "x", "+WAITING"],
        ["add", "x", "wait:whenever"],
        ["add", "x", "wait:due-1x"],
        ["add", "x", "scheduled:someday+1y"],
        ["list", "wait:friday-ish"],
        ["list", "due.before:due-1d"],
        ["list", "status:sleeping"],
        ["edit", "1", "-READY"],
    ],
)
def test_mistakes_are_usage_errors_and_change_nothing(cli, words):
    ok(cli, "add", "first")
    fails(cli, ExitCode.USAGE, *words)


def test_until_expires_the_task_and_undo_brings_it_back(cli):
    ok(cli, "add", "Fresh", "until:2099-01-01")
    ok(cli, "add", "Old", "until:" + LONG_AGO)
    assert ids(cli) == [1]  # the listing's own transaction expired 2
    assert every_task(cli)[1]["status"] == "deleted"
    log = run_json(cli, "log")
    assert log[0]["command"] == "(until passed)"
    undone = ok(cli, "undo")
    assert "until passed" in undone.stderr
    assert ids(cli) == [1, 2]  # back, and not expired again
    ok(cli, "edit", "2", "until:2021-01-01")
    assert ids(cli) == [1]


def test_an_expiry_joins_the_change_of_the_command_that_found_it(cli):
    ok(cli, "add", "Old", "until:" + LONG_AGO)
    ok(cli, "add", "New")  # expires 1 first, in its own transaction
    [change, *_] = run_json(cli, "log")
    assert change["command"] == "add New"
    assert [task["id"] for task in change["tasks"]] == [1, 2]
    ok(cli, "undo")  # one undo: the add, and the expiry it set off
    assert [(task["id"], task["status"]) for task in every_task(cli)] == [(1, "pending")]


def test_show_and_the_table_name_the_dates(cli, planned):
    shown = dict(line.split(None, 1) for line in ok(cli, "show", "2").stdout.splitlines()[:8])
    assert shown["scheduled"].startswith("2026-11-30 00:00")
    assert shown["wait"] == "-"
    plain = ok(cli, "list").stdout.splitlines()
    assert sorted(line.split("\t")[0] for line in plain) == ["2", "3", "5"]
    assert all(len(line.split("\t")) == 7 for line in plain)


def _instant(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


def _local(text: str) -> str:
    from datetime import datetime

    return datetime.fromisoformat(text).astimezone().replace(tzinfo=None).isoformat()


# --- hostile words, generated ---------------------------------------------------------

DATE_VALUES = st.one_of(
    st.sampled_from(
        ["due-1d", "due+1w", "eom-1d", "someday", "later", "soq", "now+2h", "due-", "-1d"]
    ),
    st.sampled_from(["scheduled-3mo", "wait+1y", "until-1q", "someday+9999y", "sod+99999d"]),
    st.text(max_size=12),
)
DATE_NAMES = st.sampled_from(["wait", "sched", "scheduled", "until", "due", "wa", "un"])
TAGS = st.sampled_from(
    ["+WAITING", "-WAITING", "+READY", "+DUE", "-TODAY", "+QUARTER", "+BOGUS", "-", "+"]
)
BOUNDS = st.sampled_from(["wait.before:", "sched.after:", "until.before:", "wait.by:"])


@PROPERTY
@given(
    changes=st.lists(st.tuples(DATE_NAMES, DATE_VALUES).map(":".join), max_size=3),
    verb=st.sampled_from(["add", "edit"]),
)
def test_date_words_any_value(cli, database_url, changes, verb):
    if verb == "edit" and not every_task(cli):
        ok(cli, "add", "first", "due:2026-12-01")
    target = ["x"] if verb == "add" else ["1"]
    check(cli, database_url, [verb, *target, *changes])


@PROPERTY
@given(
    words=st.lists(
        st.one_of(TAGS, st.tuples(BOUNDS, DATE_VALUES).map("".join), st.just("status:waiting")),
        max_size=4,
    ),
    command=st.sampled_from(["list", "next", "done", "rm"]),
)
def test_virtual_tags_and_bounds_any_combination(cli, database_url, words, command):
    if not every_task(cli):
        ok(cli, "add", "first", "due:2026-12-01", "wait:someday")
    check(
        cli,
        database_url,
        [command, *words, "--yes"] if command in ("done", "rm") else [command, *words],
    )
