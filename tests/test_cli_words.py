"""Taskwarrior-style words through the real Typer app: add, list, next, the verbs, edit."""

import json
import shlex

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import assert_fails, examples, ok
from todo_cli.errors import ExitCode


@pytest.fixture(autouse=True)
def _database(todo_env, frozen_clock):
    """Every test here talks to its own database, at Thursday 2026-11-26 09:30."""


def run_json(cli, *args):
    return json.loads(ok(cli, *args, "--json").stdout)


def ids(cli, *args) -> list[int]:
    listed = ok(cli, "list", "--json", "--sort", "id", *args).stdout
    return [task["id"] for task in json.loads(listed)]


def every_task(cli) -> list[dict]:
    return run_json(cli, "list", "status:all", "--sort", "id")


def fails(cli, code, *args) -> str:
    """The error contract, and nothing written."""
    before = every_task(cli)
    message = assert_fails(cli(*args), code)
    assert every_task(cli) == before
    return message


@pytest.fixture
def board(cli):
    """1 phone home H; 2 phone waiting home; 3 phone home.garden; 4 milk; 5 phone (done)."""
    ok(cli, "add", "Call", "the", "bank", "+phone", "project:home", "pri:H")
    ok(cli, "add", "Call", "plumber", "+phone", "+waiting", "project:home")
    ok(cli, "add", "Phone", "gardener", "+phone", "pro:home.garden")
    ok(cli, "add", "Buy", "more", "milk")
    ok(cli, "add", "Phone", "mum", "+phone")
    ok(cli, "done", "5")


# --- add ---------------------------------------------------------------------------------


def test_add_the_done_when_example(cli):
    typed = shlex.split("add Call the bank about the mortgage +phone project:home due:friday pri:H")
    task = run_json(cli, *typed)
    assert task["title"] == "Call the bank about the mortgage"
    assert (task["tags"], task["project"], task["priority"]) == (["phone"], "home", "high")
    assert task["due"].startswith("2026-11-27T23:59:59")


def test_add_without_quotes_takes_every_word(cli):
    result = ok(cli, "add", "Buy", "more", "milk")
    assert result.stderr == "Created task 1: Buy more milk\n"


def test_add_words_and_options_together(cli):
    task = run_json(cli, "add", "Buy", "stamps", "@post", "-t", "errand", "-d", "ten", "-P", "home")
    assert (task["title"], task["tags"]) == ("Buy stamps", ["errand", "post"])
    assert (task["description"], task["project"]) == ("ten", "home")


def test_add_dash_words_and_numbers_are_title(cli):
    assert run_json(cli, "add", "Set", "freezer", "to", "-18", "in", "2", "places")["title"] == (
        "Set freezer to -18 in 2 places"
    )


def test_add_everything_after_double_dash_is_title(cli):
    args = ["add", "--json", "Fix", "the", "+bug", "--", "pri:H", "+tag", "-p", "--due"]
    task = json.loads(ok(cli, *args).stdout)
    assert task["title"] == "Fix the pri:H +tag -p --due"
    assert (task["tags"], task["priority"], task["due"]) == (["bug"], None, None)


def test_an_option_value_may_be_a_double_dash(cli):
    task = json.loads(ok(cli, "add", "--json", "t", "-d", "--", "+x").stdout)
    assert (task["description"], task["tags"]) == ("--", ["x"])


def test_add_options_with_equals_still_work(cli):
    assert run_json(cli, "add", "t", "--due=eom")["due"].startswith("2026-11-30T23:59:59")


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["add"], "title is empty"),
        (["add", "+phone", "pri:H"], "title is empty"),
        (["add", "t", "pri:urgent"], "urgent"),
        (["add", "t", "pri:H", "-p", "low"], "priority is given twice"),
        (["add", "t", "project:a", "-P", "b"], "project is given twice"),
        (["add", "t", "due:friday", "--due", "monday"], "due is given twice"),
        (["add", "t", "due:whenever"], "whenever"),
        (["add", "t", "+ACTIVE"], "virtual tag"),
        (["add", "t", "status:done"], "cannot be set"),
        (["add", "t", "--colour", "red"], "--colour"),
    ],
)
def test_add_word_errors(cli, args, mentions):
    assert mentions in fails(cli, ExitCode.USAGE, *args)


# --- list and next -------------------------------------------------------------------------


def test_list_the_done_when_example(cli, board):
    assert ids(cli, "+phone", "-waiting", "project:home") == [1, 3]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["1-3,5"], [1, 2, 3, 5]),  # IDs: any status
        (["1", "5"], [1, 5]),
        (["+phone"], [1, 2, 3]),
        (["-phone"], [4]),
        (["project:"], [4]),
        (["pri:H"], [1]),
        (["pri:none"], [2, 3, 4]),
        (["status:done"], [5]),
        (["status:all", "+phone"], [1, 2, 3, 5]),
        (["call"], [1, 2]),
        (["CALL", "plumber"], [2]),
        (["--", "+phone"], []),  # searched as text (so --json must come first)
        (["+phone", "-t", "waiting"], [2]),  # words and options: AND
        (["+phone", "-p", "h"], [1]),
    ],
)
def test_list_filter_words(cli, board, words, expected):
    assert ids(cli, *words) == expected


def test_list_active_word(cli, board):
    ok(cli, "start", "2")
    assert ids(cli, "+ACTIVE") == [2]
    assert ids(cli, "--active") == [2]


def test_list_due_words(cli):
    ok(cli, "add", "late", "due:2026-11-20")
    ok(cli, "add", "soon", "due:friday")
    ok(cli, "add", "later", "due:eom")
    assert ids(cli, "+OVERDUE") == [1]
    assert ids(cli, "due.before:sat") == [1, 2]
    assert ids(cli, "due.after:friday") == [3]
    assert ids(cli, "due.after:today", "due.before:eow") == [2]


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["list", "due.xyz:friday"], "due.xyz"),
        (["list", "status:open"], "open"),
        (["list", "status:done", "--status", "pending"], "disagree"),
        (["list", "project:home", "-P", "work"], "given twice"),
        (["list", "pri:H", "pri:L"], "given twice"),
        (["list", "0"], "start at 1"),
        (["list", "due.before:whenever"], "whenever"),
        (["next", "status:done"], "pending tasks only"),
    ],
)
def test_list_word_errors(cli, board, args, mentions):
    assert mentions in fails(cli, ExitCode.USAGE, *args)


def test_next_takes_filter_words(cli, board):
    assert [task["id"] for task in run_json(cli, "next", "+phone", "-waiting")] == [1, 3]


# --- verbs -----------------------------------------------------------------------------------


def test_done_a_range(cli, board):
    changed = run_json(cli, "done", "1-3")
    assert [(task["id"], task["status"]) for task in changed] == [
        (1, "done"),
        (2, "done"),
        (3, "done"),
    ]


def test_a_range_acts_on_the_tasks_that_exist_in_it(cli):
    for title in ("one", "two", "three", "four"):
        ok(cli, "add", title)
    ok(cli, "undo")  # 4 is gone, and its number is never reused
    ok(cli, "add", "five")
    started = run_json(cli, "start", "3-5")
    assert [task["id"] for task in started] == [3, 5]
    assert ids(cli, "+ACTIVE") == [3, 5]


def test_a_range_with_nothing_in_it_changes_nothing(cli, board):
    result = ok(cli, "done", "40-50", "--json")
    assert json.loads(result.stdout) == []
    assert "no tasks match" in result.stderr


@pytest.mark.parametrize("words", ["6", "1,6", "1-3,6", "6 5-7", "5-7 6"])
def test_an_id_named_on_its_own_must_exist(cli, board, words):
    assert "no task 6" in fails(cli, ExitCode.NOT_FOUND, "start", *words.split())


def test_done_a_filter_of_three_needs_no_yes(cli, board):
    result = ok(cli, "done", "+phone")
    assert result.stderr.splitlines() == [
        "Completed task 1: Call the bank",
        "Completed task 2: Call plumber",
        "Completed task 3: Phone gardener",
    ]


def test_a_filter_picking_more_than_three_needs_yes_off_a_terminal(cli, board):
    line = fails(cli, ExitCode.USAGE, "rm", "status:all")
    assert "5 tasks" in line
    assert "--yes" in line
    assert "nothing changed" in line


def test_with_yes_a_bulk_change_happens_and_one_undo_reverts_it(cli, board):
    before = every_task(cli)
    assert len(run_json(cli, "rm", "status:all", "--yes")) == 5
    assert ids(cli, "status:deleted") == [1, 2, 3, 4, 5]
    assert ok(cli, "undo").stderr == "Undid `rm status:all --yes --json` (task 1, 2, 3, 4, 5)\n"
    after = every_task(cli)
    keys = ("id", "status", "completed_at", "title")
    assert [{k: t[k] for k in keys} for t in after] == [{k: t[k] for k in keys} for t in before]


def test_explicit_ids_never_ask(cli, board):
    assert len(run_json(cli, "rm", "1-5")) == 5


def test_a_bulk_change_is_all_or_nothing(cli, board):
    ok(cli, "rm", "4")
    before = every_task(cli)
    assert "task 4" in assert_fails(cli("done", "1-4"), ExitCode.CONFLICT)
    assert every_task(cli) == before


def test_a_filter_that_matches_nothing(cli, board):
    result = ok(cli, "done", "+nothing", "--json")
    assert (result.stdout, result.stderr) == ("[]\n", "no tasks match; nothing changed\n")


@pytest.mark.parametrize(
    ("setup", "args", "expected"),
    [
        ([], ["reopen", "+phone"], [5]),  # a filter picks among done tasks
        (["rm", "4"], ["restore", "milk"], [4]),  # among deleted ones
        (["rm", "4"], ["rm", "-phone"], []),  # rm: among pending ones
        ([], ["start", "-waiting"], [1, 3, 4]),
    ],
)
def test_each_verb_filters_among_the_tasks_it_can_change(cli, board, setup, args, expected):
    if setup:
        ok(cli, *setup)
    assert [task["id"] for task in run_json(cli, *args)] == expected


def test_stop_with_a_filter_picks_active_tasks(cli, board):
    ok(cli, "start", "1", "3")
    result = ok(cli, "stop", "+phone")
    assert result.stderr.splitlines() == [
        "Stopped task 1: Call the bank",
        "Stopped task 3: Phone gardener",
    ]


def test_purge_takes_a_filter(cli, board):
    ok(cli, "rm", "3", "4")
    assert [task["id"] for task in run_json(cli, "purge", "+phone", "--yes")] == [3]
    assert ids(cli, "status:deleted") == [4]


@pytest.mark.parametrize(
    "verb", ["done", "reopen", "rm", "restore", "start", "stop", "purge", "edit"]
)
def test_every_verb_needs_ids_or_a_filter(cli, board, verb):
    assert "which tasks" in fails(cli, ExitCode.USAGE, verb, "--yes")


# --- edit -------------------------------------------------------------------------------------


def test_edit_a_filter_then_changes_the_done_when_example(cli, board):
    edited = run_json(cli, "edit", "+phone", "pri:M", "--yes")
    assert [(task["id"], task["priority"]) for task in edited] == [
        (1, "medium"),
        (2, "medium"),
        (3, "medium"),
    ]


def test_edit_ids_then_changes(cli, board):
    edited = run_json(cli, "edit", "1-2", "+urgent", "-phone", "project:", "due:friday")
    for task in edited:
        assert ("urgent" in task["tags"], "phone" in task["tags"]) == (True, False)
        assert task["project"] is None
        assert task["due"].startswith("2026-11-27")


def test_edit_one_id_prints_one_object_and_takes_a_title(cli, board):
    edited = run_json(cli, "edit", "4", "Buy", "oat", "milk", "pri:L")
    assert (edited["title"], edited["priority"]) == ("Buy oat milk", "low")


def test_edit_a_range_with_options(cli, board):
    edited = run_json(cli, "edit", "1-3", "--due", "friday", "-t", "q4")
    assert all(task["due"].startswith("2026-11-27") and "q4" in task["tags"] for task in edited)


def test_edit_a_filter_changes_tags_and_project_through_options(cli, board):
    edited = run_json(cli, "edit", "project:home", "-waiting", "-t", "x", "-P", "work")
    assert [(task["id"], task["project"], "x" in task["tags"]) for task in edited] == [
        (1, "work", True),
        (3, "work", True),
    ]


def test_edit_a_bulk_filter_needs_yes_and_one_undo_reverts_it(cli, board):
    ok(cli, "add", "Phone", "bank", "+phone")
    before = every_task(cli)
    assert "4 tasks" in fails(cli, ExitCode.USAGE, "edit", "+phone", "pri:L")
    ok(cli, "edit", "+phone", "pri:L", "--yes")
    assert ids(cli, "pri:L") == [1, 2, 3, 6]
    ok(cli, "undo")
    assert [t["priority"] for t in every_task(cli)] == [t["priority"] for t in before]


def test_edit_a_filter_matching_nothing(cli, board):
    result = ok(cli, "edit", "+nothing", "pri:H", "--json")
    assert (result.stdout, result.stderr) == ("[]\n", "no tasks match; nothing changed\n")


@pytest.fixture
def tyres(cli):
    ok(cli, "add", "Check", "tyre", "and", "spare", "tyre", "+car", "-d", "the tyre gauge")
    ok(cli, "add", "Pump", "up", "+car", "-d", "front tyre, rear tyre")


def test_edit_substitutes_the_first_match_as_taskwarrior_does(cli, tyres):
    edited = run_json(cli, "edit", "1", "/tyre/tire/")
    assert (edited["title"], edited["description"]) == (
        "Check tire and spare tyre",
        "the tyre gauge",
    )
    edited = run_json(cli, "edit", "2", "/tyre/tire/")  # not in the title: the description
    assert (edited["title"], edited["description"]) == ("Pump up", "front tire, rear tyre")


def test_edit_substitutes_every_match_with_g_on_a_filter_too(cli, tyres):
    edited = run_json(cli, "edit", "+car", "/tyre/tire/g")
    assert [(task["title"], task["description"]) for task in edited] == [
        ("Check tire and spare tire", "the tire gauge"),
        ("Pump up", "front tire, rear tire"),
    ]
    ok(cli, "undo")
    assert every_task(cli)[0]["title"] == "Check tyre and spare tyre"


def test_a_substitution_that_matches_nothing_changes_nothing(cli, tyres):
    result = ok(cli, "edit", "1", "/wheel/rim/")
    assert "unchanged" in result.stderr
    assert every_task(cli)[0]["title"] == "Check tyre and spare tyre"


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["edit", "1", "/Check tyre and spare tyre//"], "title is empty"),
        (["edit", "1", "/tyre/tire/", "New", "title"], "not both"),
        (["edit", "1", "/tyre/tire/", "--title", "New"], "not both"),
    ],
)
def test_substitution_mistakes(cli, tyres, args, mentions):
    assert mentions in fails(cli, ExitCode.USAGE, *args)


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["edit", "+phone"], "nothing to change"),
        (["edit", "1", "pri:H", "-p", "low"], "priority is given twice"),
        (["edit", "1", "project:", "-P", "x"], "project is given twice"),
        (["edit", "1", "new", "--title", "other"], "title is given twice"),
        (["edit", "1", "pri:X"], "'X'"),
        (["edit", "1", "+ACTIVE"], "virtual tag"),
        (["edit", "1", "due:later-ish"], "later-ish"),
        (["edit", "9", "pri:H"], "no task 9"),
    ],
)
def test_edit_word_errors(cli, board, args, mentions):
    code = ExitCode.NOT_FOUND if "no task" in mentions else ExitCode.USAGE
    assert mentions in fails(cli, code, *args)


@pytest.mark.parametrize(
    "args",
    [
        ["add", "Water", "the", "plants", "depends.has:1"],
    ],
)
def test_taskwarrior_attributes_not_built_yet_are_refused_naming_them(cli, board, args):
    message = fails(cli, ExitCode.USAGE, *args)
    attribute = args[-1].partition(":")[0]
    assert f"{attribute}:" in message
    assert "not supported yet" in message


def test_after_double_dash_a_taskwarrior_attribute_is_title_text(cli):
    added = json.loads(
        ok(cli, "add", "--json", "Water", "the", "plants", "--", "recur:weekly").stdout
    )
    assert added["title"] == "Water the plants recur:weekly"


# --- hostile words ------------------------------------------------------------------------

HOSTILE = st.lists(
    st.one_of(
        st.text(max_size=10),
        st.sampled_from(
            ["+", "-", "@", "pri:", "due:", "due.before:", "project:", "status:", "--"]
        ).flatmap(lambda prefix: st.text(max_size=6).map(lambda rest: prefix + rest)),
        st.from_regex(r"[0-9]{1,11}(-[0-9]{1,11})?", fullmatch=True),
    ),
    max_size=5,
)
DOCUMENTED = {ExitCode.OK, ExitCode.USAGE, ExitCode.NOT_FOUND, ExitCode.CONFLICT}


@settings(
    max_examples=examples(15),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(command=st.sampled_from(["list", "next", "done", "edit", "add"]), words=HOSTILE)
def test_hostile_words_give_documented_codes_and_one_line(cli, command, words):
    words = [word.replace("\x00", "") for word in words]  # no argv can hold a NUL
    result = cli(command, *words)
    assert result.exit_code in DOCUMENTED, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    if result.exit_code != ExitCode.OK:
        assert len(result.stderr.splitlines()) == 1, result.stderr
