"""`depends:` words and +BLOCKED/+UNBLOCKED/+BLOCKING through the real Typer app.

Every refusal is checked for its exit code, its one line, and that nothing was
written; the hypothesis test drives the same words with generated values.
"""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.rows import snapshot
from tests.support import ok
from tests.test_cli_properties import PROPERTY, check
from todo_cli.errors import ExitCode

pytestmark = pytest.mark.usefixtures("todo_env")


def fails(cli, database_url, code, *args) -> str:
    before = snapshot(database_url)
    result = cli(*args)
    assert result.exit_code == code, (args, result.exit_code, result.stderr)
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert snapshot(database_url) == before, args
    return result.stderr


def listed(cli, *words) -> list[int]:
    return [task["id"] for task in json.loads(ok(cli, "list", *words, "--json").stdout)]


@pytest.fixture
def three(cli):
    for title in ("Gather data", "Draw charts"):
        ok(cli, "add", title)
    added = ok(cli, "add", "Write", "report", "depends:1,2", "--json")
    return json.loads(added.stdout)


def test_add_with_depends_shows_short_ids_and_lists_as_blocked(cli, three):
    assert three["depends"] == [1, 2]
    assert three["title"] == "Write report"
    assert listed(cli, "+BLOCKED") == [3]
    assert listed(cli, "+UNBLOCKED") == [1, 2]
    assert listed(cli, "+BLOCKING") == [1, 2]
    assert listed(cli, "dep:2") == [3]
    assert listed(cli, "depends:") == [1, 2]
    shown = json.loads(ok(cli, "show", "3", "--json").stdout)
    assert shown["depends"] == [1, 2]
    assert "depends     1, 2" in ok(cli, "show", "3").stdout
    assert "depends" not in ok(cli, "show", "1").stdout


def test_edit_adds_removes_and_clears(cli, three):
    ok(cli, "add", "Proofread")
    ok(cli, "edit", "3", "dep:-1,4")
    assert json.loads(ok(cli, "show", "3", "--json").stdout)["depends"] == [2, 4]
    ok(cli, "edit", "3", "depends:")
    assert json.loads(ok(cli, "show", "3", "--json").stdout)["depends"] == []
    logged = ok(cli, "log").stdout
    assert "depends: 2,4 → -" in logged


def test_done_names_what_it_unblocks_and_what_the_task_waited_for(cli, three):
    first = ok(cli, "done", "1")
    assert "unblocked" not in first.stderr  # 3 still waits for 2
    second = ok(cli, "done", "2")
    assert "unblocked 3 'Write report'" in second.stderr
    assert listed(cli, "+BLOCKED") == []
    ok(cli, "undo")
    assert listed(cli, "+BLOCKED") == [3]
    early = ok(cli, "done", "3")
    assert "note: task 3 was waiting for 2 'Draw charts'" in early.stderr


def test_rm_and_purge_say_what_they_release(cli, three):
    removed = ok(cli, "rm", "1", "2", "--yes")
    assert "unblocked 3 'Write report'" in removed.stderr
    purged = ok(cli, "purge", "1", "--yes")
    assert "task 3 'Write report' no longer waits for a purged task" in purged.stderr
    assert json.loads(ok(cli, "show", "3", "--json").stdout)["depends"] == [2]
    ok(cli, "undo")
    assert json.loads(ok(cli, "show", "3", "--json").stdout)["depends"] == [1, 2]


def test_a_cycle_of_three_is_exit_4_naming_it(cli, database_url):
    for title in ("a", "b", "c"):
        ok(cli, "add", title)
    ok(cli, "edit", "1", "depends:2")
    ok(cli, "edit", "2", "depends:3")
    message = fails(cli, database_url, ExitCode.CONFLICT, "edit", "3", "depends:1")
    assert "circular dependency: 3 -> 1 -> 2 -> 3" in message


@pytest.mark.parametrize(
    ("args", "code", "mentions"),
    [
        (["edit", "1", "depends:9"], ExitCode.NOT_FOUND, "no task 9"),
        (["add", "x", "depends:1,9"], ExitCode.NOT_FOUND, "no task 9"),
        (["edit", "1", "depends:1"], ExitCode.CONFLICT, "cannot depend on itself"),
        (["edit", "1", "depends:x"], ExitCode.USAGE, "depends: takes task IDs"),
        (["edit", "1", "depends:1,-1"], ExitCode.USAGE, "both adds and removes 1"),
        (["edit", "1", "depends:2", "dep:3"], ExitCode.USAGE, "given twice"),
        (["list", "depends:-2"], ExitCode.USAGE, "depends: takes task IDs"),
        (["add", "x", "+BLOCKING"], ExitCode.USAGE, "virtual tag"),
        (["list", "depends.has:1"], ExitCode.USAGE, "not supported yet"),
    ],
)
def test_refusals(cli, database_url, three, args, code, mentions):
    assert mentions in fails(cli, database_url, code, *args)


def test_waiting_for_a_deleted_task_is_refused(cli, database_url, three):
    ok(cli, "rm", "1")
    message = fails(cli, database_url, ExitCode.CONFLICT, "edit", "2", "depends:1")
    assert "task 1 is deleted" in message


def test_next_ranks_the_blocker_above_the_blocked(cli, three):
    scored = json.loads(ok(cli, "next", "--json").stdout)
    order = [task["id"] for task in scored]
    assert order.index(1) < order.index(3)
    assert order.index(2) < order.index(3)
    urgency = {task["id"]: task["urgency"] for task in scored}
    assert urgency[1] - urgency[3] == pytest.approx(13.0, abs=0.01)  # +8 blocking, -5 blocked


dependency_values = st.one_of(
    st.lists(
        st.one_of(
            st.integers(min_value=-5, max_value=6).map(str),
            st.sampled_from(["1-3", "-2-3", "3-1", "0", "", "-", "99999999999", "a", "\x1b"]),
        ),
        max_size=4,
    ).map(",".join),
    st.text(max_size=10),
)


@PROPERTY
@given(
    value=dependency_values,
    command=st.sampled_from(
        [["edit", "3"], ["edit", "1"], ["add", "new"], ["list"], ["done"], ["edit", "+x"]]
    ),
    name=st.sampled_from(["depends", "dep"]),
)
def test_any_dependency_word(cli, database_url, value, command, name):
    if not snapshot(database_url):
        for title in ("one", "two", "three"):
            cli("add", title, "+x")
        cli("edit", "3", "depends:1")
    check(cli, database_url, [*command, f"{name}:{value}"])
