"""Recurrence through the real Typer app: recur:, rtype:, +TEMPLATE, +INSTANCE, edit --series."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support import ok
from tests.test_cli_properties import PROPERTY, check
from tests.test_cli_words import every_task, fails, run_json
from todo_cli.errors import ExitCode
from todo_cli.words import Changes, Words, read_changes, read_filter


@pytest.fixture(autouse=True)
def _database(todo_env, frozen_clock):
    """Every test here talks to its own database, at Thursday 2026-11-26 09:30."""


def listed(cli, *words) -> list[tuple[int, str]]:
    return [(task["id"], task["status"]) for task in run_json(cli, "list", "--sort", "id", *words)]


def test_the_issue_s_pay_rent(cli):
    template = run_json(cli, "add", "Pay", "rent", "due:2027-01-01", "recur:monthly")
    assert (template["id"], template["status"], template["recur"]) == (1, "recurring", "monthly")
    assert (template["rtype"], template["template"]) == ("periodic", None)
    [instance] = run_json(cli, "list")
    assert (instance["id"], instance["template"], instance["recur"]) == (2, 1, "monthly")
    assert instance["due"] == template["due"]
    ok(cli, "done", "2")
    [following] = run_json(cli, "list")
    assert (following["id"], following["template"]) == (3, 1)
    assert following["due"].startswith("2027-02-01")
    ok(cli, "undo")  # the completion and the instance it made, in one change
    assert listed(cli) == [(2, "pending")]


def test_the_created_note_names_the_template(cli):
    result = ok(cli, "add", "Water", "plants", "due:tomorrow", "recur:3d", "rtype:chained")
    assert result.stderr.startswith("Created task 1 (the template of a chained series, recur:3d)")


def test_templates_show_as_status_recurring_and_plus_template(cli):
    ok(cli, "add", "Pay", "rent", "due:2027-01-01", "recur:monthly")
    ok(cli, "add", "Plain", "task")
    assert listed(cli) == [(2, "pending"), (3, "pending")]
    assert listed(cli, "status:recurring") == [(1, "recurring")]
    assert listed(cli, "--status", "recurring") == [(1, "recurring")]
    assert listed(cli, "+TEMPLATE") == [(1, "recurring")]
    assert listed(cli, "+INSTANCE") == [(2, "pending")]
    assert listed(cli, "recur:monthly") == [(2, "pending")]
    assert listed(cli, "rtype:periodic") == [(2, "pending")]  # the series' type, by its template
    assert listed(cli, "rtype:chained") == []


@pytest.mark.parametrize(
    ("args", "code", "mentions"),
    [
        (["add", "Pay", "rent", "recur:monthly"], ExitCode.USAGE, "needs a due date"),
        (["add", "x", "due:tomorrow", "recur:sometimes"], ExitCode.USAGE, "recur:sometimes"),
        (["add", "x", "due:tomorrow", "recur:0d"], ExitCode.USAGE, "at least 1"),
        (["add", "x", "due:tomorrow", "rtype:chained"], ExitCode.USAGE, "needs recur"),
        (["add", "x", "due:tomorrow", "recur:daily", "rtype:x"], ExitCode.USAGE, "rtype:x"),
        (["list", "recur:"], ExitCode.USAGE, "recur: needs a value"),
        (["add", "x", "+INSTANCE"], ExitCode.USAGE, "virtual tag"),
        (["done", "1"], ExitCode.CONFLICT, "template of a recurring series"),
        (["edit", "3", "recur:weekly"], ExitCode.CONFLICT, "task 3 is not a series' template"),
        (["edit", "1", "recur:"], ExitCode.USAGE, "cannot be cleared"),
        (["edit", "2", "--series", "due:friday"], ExitCode.USAGE, "template's due"),
    ],
)
def test_mistakes_are_refused_naming_them_and_write_nothing(cli, args, code, mentions):
    ok(cli, "add", "Pay", "rent", "due:2027-01-01", "recur:monthly")
    ok(cli, "add", "Plain")
    assert mentions in fails(cli, code, *args)


def test_editing_a_template_changes_its_pending_instances(cli):
    ok(cli, "add", "Pay", "rent", "due:2027-01-31", "recur:monthly")
    edited = run_json(cli, "edit", "1", "pri:H", "recur:quarterly", "+bills")
    assert (edited["priority"], edited["recur"], edited["tags"]) == ("high", "quarterly", ["bills"])
    [instance] = run_json(cli, "list")
    assert (instance["priority"], instance["recur"], instance["tags"]) == (
        "high",
        "quarterly",
        ["bills"],
    )


def test_off_a_terminal_an_instance_edit_changes_the_instance_only(cli):
    ok(cli, "add", "Pay", "rent", "due:2027-01-31", "recur:monthly")
    run_json(cli, "edit", "2", "pri:H")
    [template] = run_json(cli, "list", "+TEMPLATE")
    assert template["priority"] is None
    run_json(cli, "edit", "2", "--series", "pri:L")
    [template] = run_json(cli, "list", "+TEMPLATE")
    [instance] = run_json(cli, "list")
    assert (template["priority"], instance["priority"]) == ("low", "low")


@pytest.mark.parametrize(("answer", "changed"), [("y\n", "high"), ("n\n", None)])
def test_at_a_terminal_an_instance_edit_asks_about_the_series(cli, monkeypatch, answer, changed):
    ok(cli, "add", "Pay", "rent", "due:2027-01-31", "recur:monthly")
    monkeypatch.setattr("todo_cli.cli.prompts.stdin_is_terminal", lambda env: True)
    result = cli("edit", "2", "pri:H", input=answer)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "Task 2 (series 1) belongs to a recurring series. Change the series?" in result.stderr
    [template] = run_json(cli, "list", "+TEMPLATE")
    [instance] = run_json(cli, "list")
    assert (template["priority"], instance["priority"]) == (changed, "high")


def test_deleting_the_template_ends_the_series(cli):
    ok(cli, "add", "Pay", "rent", "due:2027-01-31", "recur:monthly")
    ok(cli, "rm", "1")
    assert listed(cli) == []
    assert [(task["id"], task["status"]) for task in every_task(cli)] == [
        (1, "deleted"),
        (2, "deleted"),
    ]
    ok(cli, "undo")
    assert listed(cli) == [(2, "pending")]


def test_deleting_an_instance_makes_the_next(cli):
    ok(cli, "add", "Pay", "rent", "due:2027-01-31", "recur:monthly")
    ok(cli, "rm", "2")
    [following] = run_json(cli, "list")
    assert (following["id"], following["due"][:10]) == (3, "2027-02-28")


def test_the_limit_is_a_setting(cli, monkeypatch):
    monkeypatch.setenv("TODO_RECURRENCE_LIMIT", "3")
    ok(cli, "add", "Standup", "due:2026-11-30T09:00", "recur:weekdays")
    assert [task["due"][:10] for task in run_json(cli, "list", "--sort", "id")] == [
        "2026-11-30",
        "2026-12-01",
        "2026-12-02",
    ]


def test_words_read_as_checked_values():
    changes = read_changes(Words(("x", "recur:Weekly", "rtype:Chained")), adding=True)
    assert changes == Changes(title=("x",), recur="weekly", rtype="chained")
    selection = read_filter(Words(("+TEMPLATE", "recur:3 d")))
    assert (selection.template, selection.recur) == (True, "3d")


# --- hostile words ---------------------------------------------------------------------------

PERIODS = st.one_of(
    st.sampled_from(["daily", "weekdays", "3d", "P1M", "0d", "99999y", "1s", "", "-1d", "PT"]),
    st.text(max_size=8),
)
SERIES_WORDS = st.lists(
    st.one_of(
        PERIODS.map(lambda period: f"recur:{period}"),
        st.sampled_from(["rtype:chained", "rtype:periodic", "rtype:", "rtype:x", "+TEMPLATE"]),
        st.sampled_from(["+INSTANCE", "-INSTANCE", "status:recurring", "due:tomorrow", "due:"]),
        st.sampled_from(["due:9999-12-30", "until:eom", "1", "2", "--series"]),
    ),
    min_size=1,
    max_size=4,
)


@PROPERTY
@given(verb=st.sampled_from(["add", "edit", "list", "done", "rm"]), words=SERIES_WORDS)
def test_any_series_words(cli, database_url, verb, words):
    """Only documented exit codes; nothing written on refusal (tests/test_cli_properties)."""
    if not every_task(cli):
        ok(cli, "add", "Pay", "rent", "due:2027-01-31", "recur:monthly")
    args = [verb, "x", *words] if verb == "add" else [verb, *words]
    if verb != "edit":
        args = [word for word in args if word != "--series"]
    check(cli, database_url, [*args, "--yes"] if verb in ("done", "rm") else args)


def test_show_names_the_series(cli):
    ok(cli, "add", "Pay", "rent", "due:2027-01-31", "recur:monthly")
    assert "monthly, periodic (the series' template)" in ok(cli, "show", "1").stdout
    assert "monthly (an instance of series 1)" in ok(cli, "show", "2").stdout
