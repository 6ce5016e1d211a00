"""The task commands through the real Typer app, on this test's own database."""

import io
import json
from datetime import datetime, timedelta

import pytest
from rich.console import Console

from tests.support import assert_fails, ok
from todo_cli.cli.environment import wants_colour
from todo_cli.cli.table import task_table
from todo_cli.cli.times import relative
from todo_cli.errors import ExitCode
from todo_cli.models import Task


@pytest.fixture(autouse=True)
def _database(request):
    """Every command test talks to its own database; rendering tests need none."""
    if "cli" in request.fixturenames:
        request.getfixturevalue("todo_env")


def add(cli, title="Task", *options) -> dict:
    return json.loads(ok(cli, "add", title, *options, "--json").stdout)


def every_task(cli) -> list[dict]:
    return json.loads(ok(cli, "list", "--status", "all", "--sort", "id", "--json").stdout)


def numbers(cli, *options) -> list[int]:
    return [task["id"] for task in json.loads(ok(cli, "list", "--json", *options).stdout)]


def fails(cli, code, *args) -> str:
    """Run a failing command: its code, one stderr line, no stdout, nothing written."""
    before = every_task(cli)
    message = assert_fails(cli(*args), code)
    assert every_task(cli) == before
    return message.rstrip("\n")


def local(*parts: int) -> datetime:
    return datetime(*parts).astimezone()


def due_of(task: dict) -> datetime:
    return datetime.fromisoformat(task["due"])


# --- help ----------------------------------------------------------------------


def test_help_offers_shell_completion(cli):
    result = ok(cli, "--help")
    assert "--install-completion" in result.stdout
    assert "--show-completion" in result.stdout


@pytest.mark.parametrize(
    "command", ["add", "list", "show", "done", "reopen", "rm", "restore", "purge", "edit"]
)
def test_every_task_command_has_help(cli, command):
    assert "--json" in ok(cli, command, "--help").stdout


# --- add -------------------------------------------------------------------------


def test_add_prints_a_message_on_stderr_only(cli):
    result = ok(cli, "add", "Buy milk")
    assert result.stdout == ""
    assert result.stderr == "Created task 1: Buy milk\n"


def test_add_with_every_option(cli, frozen_clock):
    task = add(
        cli,
        "Buy milk",
        "-d",
        "two litres",
        "-p",
        "high",
        "--due",
        "tomorrow",
        "-t",
        "errand",
        "-t",
        "+shop",
        "-P",
        "home.kitchen",
    )
    assert task["title"] == "Buy milk"
    assert task["description"] == "two litres"
    assert task["priority"] == "high"
    assert due_of(task) == local(2026, 11, 27, 23, 59, 59)
    assert task["tags"] == ["errand", "shop"]
    assert task["project"] == "home.kitchen"
    assert task["status"] == "pending"


def test_add_long_options(cli):
    task = add(
        cli,
        "t",
        "--description",
        "d",
        "--priority",
        "low",
        "--tag",
        "x",
        "--project",
        "work",
        "--due",
        "2026-12-01T14:00",
    )
    assert (task["description"], task["priority"], task["tags"], task["project"]) == (
        "d",
        "low",
        ["x"],
        "work",
    )
    assert due_of(task) == local(2026, 12, 1, 14, 0)


@pytest.mark.parametrize(
    ("given", "stored"),
    [("l", "low"), ("m", "medium"), ("h", "high"), ("HIGH", "high"), ("Medium", "medium")],
)
def test_add_priority_letters_any_case(cli, given, stored):
    assert add(cli, "t", "-p", given)["priority"] == stored


def test_add_numbers_count_up(cli):
    assert [add(cli, f"t{i}")["id"] for i in range(3)] == [1, 2, 3]


def test_add_keeps_utf8_as_utf8(cli):
    result = ok(cli, "add", "Café ☕ 日本", "--json")
    assert "Café ☕ 日本" in result.stdout
    assert "\\u" not in result.stdout


def test_add_title_at_the_limit(cli):
    assert add(cli, "é" * 500)["title"] == "é" * 500


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["add", ""], "empty"),
        (["add", "   "], "empty"),
        (["add", "x" * 501], "500"),
        (["add", "a\x00b"], "\\x00"),
        (["add", "t", "-p", "urgent"], "urgent"),
        (["add", "t", "--due", "whenever"], "whenever"),
        (["add", "t", "-t", "two words"], "two words"),
        (["add", "t", "-P", "home..garden"], "home..garden"),
        (["add", "t", "-d", "a\x00b"], "\\x00"),
        (["add"], "the title is empty"),
        (["add", "t", "--colour", "red"], "--colour"),
    ],
)
def test_add_usage_errors(cli, args, mentions):
    add(cli, "existing")
    assert mentions in fails(cli, ExitCode.USAGE, *args)


# --- list ------------------------------------------------------------------------


def test_empty_list_is_an_empty_array(cli):
    result = ok(cli, "list", "--json")
    assert json.loads(result.stdout) == []
    assert result.stderr == ""


def test_empty_list_piped_prints_nothing(cli):
    assert ok(cli, "list").stdout == ""


def test_piped_list_is_one_plain_line_per_task(cli):
    add(cli, "Buy milk", "-p", "h", "-t", "errand", "-t", "shop", "-P", "home")
    add(cli, "Call  mum")
    result = ok(cli, "list", "--sort", "id")
    assert "\x1b" not in result.stdout
    assert result.stdout.splitlines() == [
        "1\tpending\thigh\t-\thome\terrand,shop\tBuy milk",
        "2\tpending\t-\t-\t-\t-\tCall  mum",
    ]


def test_piped_list_shows_due_as_iso(cli):
    add(cli, "t", "--due", "2026-12-01T14:00+00:00")
    assert "\t2026-12-01T14:00:00+00:00\t" in ok(cli, "list").stdout


def test_list_status(cli):
    for title in ("pending", "done", "deleted"):
        add(cli, title)
    ok(cli, "done", "2")
    ok(cli, "rm", "3")
    assert numbers(cli) == [1]
    assert numbers(cli, "--status", "pending") == [1]
    assert numbers(cli, "--status", "done") == [2]
    assert numbers(cli, "--status", "deleted") == [3]
    assert numbers(cli, "--status", "all", "--sort", "id") == [1, 2, 3]


def test_list_by_tags(cli):
    add(cli, "a", "-t", "home", "-t", "errand")
    add(cli, "b", "-t", "home")
    add(cli, "c")
    assert numbers(cli, "-t", "home", "--sort", "id") == [1, 2]
    assert numbers(cli, "--tag", "home", "-t", "errand") == [1]


def test_list_by_project_includes_sub_projects(cli):
    for project in ("home", "home.garden", "homework"):
        add(cli, project, "-P", project)
    assert numbers(cli, "-P", "home", "--sort", "id") == [1, 2]
    assert numbers(cli, "--project", "homework") == [3]


def test_list_by_priority(cli):
    add(cli, "a", "-p", "low")
    add(cli, "b", "-p", "high")
    add(cli, "c")
    assert numbers(cli, "-p", "h") == [2]
    assert numbers(cli, "--priority", "LOW") == [1]


def test_list_overdue_uses_end_of_day_for_dates(cli, frozen_clock):
    add(cli, "yesterday", "--due", "2026-11-25")
    add(cli, "today", "--due", "2026-11-26")
    add(cli, "this morning", "--due", "2026-11-26T09:00")
    add(cli, "undated")
    assert numbers(cli, "--overdue", "--sort", "id") == [1, 3]


def test_list_overdue_skips_done_tasks(cli, frozen_clock):
    add(cli, "late", "--due", "2026-11-20")
    add(cli, "late but done", "--due", "2026-11-20")
    ok(cli, "done", "2")
    assert numbers(cli, "--overdue", "--status", "all") == [1]


def test_list_due_before(cli, frozen_clock):
    add(cli, "today", "--due", "eod")
    add(cli, "friday", "--due", "next friday")
    add(cli, "later", "--due", "in 10 days")
    add(cli, "undated")
    assert numbers(cli, "--due-before", "tomorrow", "--sort", "id") == [1]
    assert numbers(cli, "--due-before", "2026-12-01", "--sort", "id") == [1, 2]


def test_list_search(cli):
    add(cli, "Buy MILK")
    add(cli, "Shopping", "-d", "oat milk")
    add(cli, "100% done")
    add(cli, "1000 done")
    assert numbers(cli, "-s", "milk", "--sort", "id") == [1, 2]
    assert numbers(cli, "--search", "0%") == [3]


@pytest.fixture
def mixed(cli, frozen_clock):
    """1: undated high; 2: +2d low; 3: overdue; 4: +2d high; 5: undated."""
    add(cli, "1", "-p", "high")
    add(cli, "2", "--due", "2026-11-28", "-p", "low")
    add(cli, "3", "--due", "2026-11-25")
    add(cli, "4", "--due", "2026-11-28", "-p", "high")
    add(cli, "5")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], [3, 4, 2, 1, 5]),
        (["--sort", "due"], [3, 2, 4, 1, 5]),
        (["--sort", "priority"], [4, 1, 2, 3, 5]),
        (["--sort", "created"], [1, 2, 3, 4, 5]),
        (["--sort", "id"], [1, 2, 3, 4, 5]),
        (["--limit", "2"], [3, 4]),
        (["--sort", "id", "--limit", "1"], [1]),
    ],
)
def test_list_order_and_limit(cli, mixed, options, expected):
    assert numbers(cli, *options) == expected


def test_list_json_is_an_array_of_tasks(cli):
    add(cli, "a")
    listed = json.loads(ok(cli, "list", "--json").stdout)
    assert isinstance(listed, list)
    assert listed[0]["title"] == "a"


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["list", "--status", "open"], "open"),
        (["list", "--sort", "title"], "title"),
        (["list", "--limit", "0"], "--limit"),
        (["list", "--limit", "many"], "--limit"),
        (["list", "-p", "urgent"], "urgent"),
        (["list", "--due-before", "whenever"], "whenever"),
    ],
)
def test_list_usage_errors(cli, args, mentions):
    add(cli, "existing")
    assert mentions in fails(cli, ExitCode.USAGE, *args)


# --- show ------------------------------------------------------------------------


def test_show_json_is_one_object(cli):
    add(cli, "a")
    created = add(cli, "b", "-d", "details")
    shown = json.loads(ok(cli, "show", "2", "--json").stdout)
    assert shown == created


def test_show_plain_lists_every_field(cli, frozen_clock):
    add(cli, "Buy milk", "-d", "two litres", "-p", "high", "--due", "2026-11-28", "-t", "x")
    result = ok(cli, "show", "1")
    assert "\x1b" not in result.stdout
    fields = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert fields["id"] == "1"
    assert fields["title"] == "Buy milk"
    assert fields["description"] == "two litres"
    assert fields["priority"] == "high"
    assert fields["tags"] == "x"
    assert "in 2 days" in fields["due"]


def test_show_missing_is_not_found(cli):
    add(cli, "a")
    assert "7" in fails(cli, ExitCode.NOT_FOUND, "show", "7")


@pytest.mark.parametrize("value", ["abc", "0", "1.5"])
def test_show_needs_a_positive_number(cli, value):
    add(cli, "a")
    fails(cli, ExitCode.USAGE, "show", value)


@pytest.mark.parametrize(("command", "word"), [("show", "+phone"), ("show", "1-x"), ("note", "x")])
def test_a_word_that_is_not_an_id_is_told_in_todos_words(cli, command, word):
    add(cli, "a", "-t", "phone")
    note = ["text"] if command == "note" else []
    line = fails(cli, ExitCode.USAGE, command, word, *note)
    assert line == (
        f"todo: error: {word!r} is not a task ID (a number such as 4); "
        f"to pick tasks by IDs or filter words, try `todo list {word}`"
    )


# --- done / reopen / rm / restore ---------------------------------------------


def test_done_sets_completed_at_and_reopen_clears_it(cli):
    add(cli, "a")
    [done] = json.loads(ok(cli, "done", "1", "--json").stdout)
    assert done["status"] == "done"
    assert datetime.fromisoformat(done["completed_at"]).tzinfo is not None
    [reopened] = json.loads(ok(cli, "reopen", "1", "--json").stdout)
    assert (reopened["status"], reopened["completed_at"]) == ("pending", None)


def test_rm_is_soft_and_restore_brings_it_back(cli):
    add(cli, "a")
    ok(cli, "rm", "1")
    assert numbers(cli) == []
    assert numbers(cli, "--status", "deleted") == [1]
    ok(cli, "restore", "1")
    assert numbers(cli) == [1]


def test_restore_returns_a_done_task_to_done(cli):
    add(cli, "a")
    ok(cli, "done", "1")
    ok(cli, "rm", "1")
    [restored] = json.loads(ok(cli, "restore", "1", "--json").stdout)
    assert restored["status"] == "done"


@pytest.mark.parametrize(
    ("verb", "status"),
    [("done", "done"), ("reopen", "pending"), ("rm", "deleted"), ("restore", "pending")],
)
def test_multi_id_verbs_print_an_array_in_given_order(cli, verb, status):
    for title in ("a", "b", "c"):
        add(cli, title)
    if verb == "reopen":
        ok(cli, "done", "1", "2", "3")
    if verb == "restore":
        ok(cli, "rm", "1", "2", "3")
    changed = json.loads(ok(cli, verb, "3", "1", "--json").stdout)
    assert [(task["id"], task["status"]) for task in changed] == [(3, status), (1, status)]


@pytest.mark.parametrize(
    ("verb", "message"),
    [("done", "Completed"), ("reopen", "Reopened"), ("rm", "Deleted"), ("restore", "Restored")],
)
def test_multi_id_verbs_report_on_stderr_only(cli, verb, message):
    add(cli, "a")
    add(cli, "b")
    if verb == "reopen":
        ok(cli, "done", "1", "2")
    if verb == "restore":
        ok(cli, "rm", "1", "2")
    result = ok(cli, verb, "1", "2")
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"{message} task 1: a", f"{message} task 2: b"]


@pytest.mark.parametrize(
    ("setup", "verb", "status"),
    [
        (["done", "1"], "done", "done"),
        ([], "reopen", "pending"),
        (["rm", "1"], "rm", "deleted"),
        ([], "restore", "pending"),
    ],
)
def test_repeating_a_verb_succeeds_with_a_note(cli, setup, verb, status):
    add(cli, "a")
    if setup:
        ok(cli, *setup)
    before = every_task(cli)
    result = ok(cli, verb, "1", "--json")
    assert f"task 1 is already {status}" in result.stderr
    assert [task["status"] for task in json.loads(result.stdout)] == [status]
    assert every_task(cli) == before


@pytest.mark.parametrize("verb", ["done", "reopen"])
def test_done_or_reopen_on_a_deleted_task_is_a_conflict(cli, verb):
    add(cli, "a")
    add(cli, "b")
    ok(cli, "rm", "2")
    assert "2" in fails(cli, ExitCode.CONFLICT, verb, "1", "2")


@pytest.mark.parametrize("verb", ["done", "reopen", "rm", "restore"])
def test_any_missing_id_changes_nothing_and_names_them(cli, verb):
    add(cli, "a")
    add(cli, "b")
    ok(cli, "done", "2")
    line = fails(cli, ExitCode.NOT_FOUND, verb, "1", "8", "2", "9")
    assert "8" in line
    assert "9" in line


@pytest.mark.parametrize("verb", ["done", "reopen", "rm", "restore", "purge"])
@pytest.mark.parametrize("word", ["0", "3-1", "2,0"])
def test_multi_id_verbs_need_valid_ids(cli, verb, word):
    add(cli, "a")
    fails(cli, ExitCode.USAGE, verb, "1", word, "--yes")


@pytest.mark.parametrize("verb", ["done", "reopen", "rm", "restore", "purge"])
def test_a_word_beside_ids_narrows_them_as_a_filter(cli, verb):
    # Before the filter language, `done 1 abc` was a usage error; now `abc` is text
    # to search for, which task 1 ("a") does not contain: nothing matches.
    add(cli, "a")
    before = every_task(cli)
    result = ok(cli, verb, "1", "abc", "--yes")
    assert result.stderr == "no tasks match; nothing changed\n"
    assert every_task(cli) == before


@pytest.mark.parametrize("verb", ["done", "reopen", "rm", "restore", "purge"])
def test_multi_id_verbs_need_an_id(cli, verb):
    add(cli, "a")
    fails(cli, ExitCode.USAGE, verb)


# --- purge -------------------------------------------------------------------------


def test_purge_with_yes_deletes_for_good(cli):
    add(cli, "a")
    add(cli, "b")
    ok(cli, "rm", "1")
    result = ok(cli, "purge", "1", "--yes")
    assert result.stdout == ""
    assert "Purged task 1" in result.stderr
    assert [task["id"] for task in every_task(cli)] == [2]


def test_purge_json_is_an_array(cli):
    add(cli, "a")
    ok(cli, "rm", "1")
    purged = json.loads(ok(cli, "purge", "1", "-y", "--json").stdout)
    assert [task["id"] for task in purged] == [1]


def test_purge_without_yes_and_no_terminal_refuses(cli):
    add(cli, "a")
    ok(cli, "rm", "1")
    assert "--yes" in fails(cli, ExitCode.USAGE, "purge", "1")


def test_purge_of_a_task_not_deleted_is_a_conflict(cli):
    add(cli, "a")
    add(cli, "b")
    ok(cli, "rm", "1")
    assert "2" in fails(cli, ExitCode.CONFLICT, "purge", "1", "2", "--yes")


def test_purge_of_a_missing_task_is_not_found(cli):
    add(cli, "a")
    ok(cli, "rm", "1")
    assert "5" in fails(cli, ExitCode.NOT_FOUND, "purge", "1", "5", "--yes")


def test_purged_numbers_are_never_reused(cli):
    add(cli, "a")
    add(cli, "b")
    ok(cli, "rm", "2")
    ok(cli, "purge", "2", "--yes")
    assert add(cli, "c")["id"] == 3
    assert [task["id"] for task in every_task(cli)] == [1, 3]


# --- edit ----------------------------------------------------------------------------


def test_edit_prints_a_message_on_stderr_only(cli):
    add(cli, "old")
    result = ok(cli, "edit", "1", "--title", "new")
    assert result.stdout == ""
    assert result.stderr == "Updated task 1: new\n"


def test_edit_every_field(cli, frozen_clock):
    add(cli, "old", "-t", "keep", "-t", "drop")
    edited = json.loads(
        ok(
            cli,
            "edit",
            "1",
            "--title",
            "new",
            "-d",
            "text",
            "-p",
            "m",
            "--due",
            "in 3 days",
            "-t",
            "added",
            "--untag",
            "drop",
            "-P",
            "work.q4",
            "--json",
        ).stdout
    )
    assert edited["title"] == "new"
    assert edited["description"] == "text"
    assert edited["priority"] == "medium"
    assert due_of(edited) == local(2026, 11, 29, 23, 59, 59)
    assert edited["tags"] == ["keep", "added"]
    assert edited["project"] == "work.q4"
    assert json.loads(ok(cli, "show", "1", "--json").stdout) == edited


@pytest.mark.parametrize(
    ("option", "field"),
    [("--no-priority", "priority"), ("--no-due", "due"), ("--no-project", "project")],
)
def test_edit_clears_fields(cli, option, field):
    add(cli, "t", "-p", "high", "--due", "2026-12-01", "-P", "home")
    edited = json.loads(ok(cli, "edit", "1", option, "--json").stdout)
    assert edited[field] is None


def test_edit_empty_description_clears_it(cli):
    add(cli, "t", "-d", "text")
    assert json.loads(ok(cli, "edit", "1", "-d", "", "--json").stdout)["description"] is None


def test_edit_untag_every_tag(cli):
    add(cli, "t", "-t", "a", "-t", "b")
    edited = json.loads(ok(cli, "edit", "1", "--untag", "a", "--untag", "b", "--json").stdout)
    assert edited["tags"] == []


def test_edit_leaves_other_fields_alone(cli):
    created = add(cli, "t", "-d", "d", "-p", "low", "-t", "x", "-P", "home")
    edited = json.loads(ok(cli, "edit", "1", "--title", "renamed", "--json").stdout)
    unchanged = ("description", "priority", "due", "tags", "project", "status", "uuid")
    assert {key: edited[key] for key in unchanged} == {key: created[key] for key in unchanged}


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["edit", "1"], "nothing to change"),
        (["edit", "1", "--title", ""], "empty"),
        (["edit", "1", "--title", "  "], "empty"),
        (["edit", "1", "--title", "x" * 501], "500"),
        (["edit", "1", "-p", "urgent"], "urgent"),
        (["edit", "1", "-p", "high", "--no-priority"], "--no-priority"),
        (["edit", "1", "--due", "soon-ish"], "soon-ish"),
        (["edit", "1", "--due", "tomorrow", "--no-due"], "--no-due"),
        (["edit", "1", "-P", "home", "--no-project"], "--no-project"),
        (["edit", "1", "-t", "two words"], "two words"),
        (["edit", "0", "--title", "t"], "IDs start at 1"),
    ],
)
def test_edit_usage_errors(cli, args, mentions):
    add(cli, "t", "-p", "low", "--due", "2026-12-01", "-P", "work")
    assert mentions in fails(cli, ExitCode.USAGE, *args)


def test_edit_missing_task_is_not_found(cli):
    add(cli, "t")
    assert "4" in fails(cli, ExitCode.NOT_FOUND, "edit", "4", "--title", "x")


# --- updated_at across commands --------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        ["edit", "1", "--title", "new"],
        ["edit", "1", "-t", "x"],
        ["done", "1"],
        ["rm", "1"],
    ],
)
def test_every_change_moves_updated_at(cli, change):
    created = add(cli, "t")
    ok(cli, *change)
    [after] = every_task(cli)
    assert datetime.fromisoformat(after["updated_at"]) > datetime.fromisoformat(
        created["updated_at"]
    )
    assert after["created_at"] == created["created_at"]


# --- terminal rendering (todo_cli.cli.render, no database) -------------------------

NOW = datetime(2026, 11, 26, 9, 30).astimezone()


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(days=2), "in 2 days"),
        (-timedelta(days=3), "3 days ago"),
        (timedelta(days=1, hours=23), "in 1 day"),
        (-timedelta(hours=1, minutes=5), "1 hour ago"),
        (timedelta(minutes=5), "in 5 minutes"),
        (timedelta(seconds=30), "now"),
        (timedelta(days=10), "in 10 days"),
        (timedelta(days=15), "in 2 weeks"),
        (-timedelta(days=95), "3 months ago"),
        (timedelta(days=800), "in 2 years"),
    ],
)
def test_relative(delta, expected):
    assert relative(NOW + delta, now=NOW) == expected


def table_tasks() -> list[Task]:
    return [
        Task(number=1, user_id=1, title="Late", due=NOW - timedelta(days=3), priority="high"),
        Task(number=12, user_id=1, title="Soon", due=NOW + timedelta(days=2), tags=["a", "b"]),
        Task(number=3, user_id=1, title="Finished", status="done", project="home"),
    ]


def rendered(renderable) -> str:
    buffer = io.StringIO()
    Console(file=buffer, force_terminal=True, color_system="standard", width=120).print(renderable)
    return buffer.getvalue()


def test_task_table_columns_and_rows():
    lines = task_table(table_tasks(), now=NOW, width=120).plain.splitlines()
    assert lines[0].split() == ["ID", "Status", "Pri", "Due", "Project", "Tags", "Title"]
    assert lines[1].split() == ["1", "pending", "high", "3", "days", "ago", "Late"]
    assert lines[2].split() == ["12", "pending", "in", "2", "days", "a", "b", "Soon"]
    assert lines[3].split() == ["3", "done", "home", "Finished"]
    titles = zip(lines[1:], ["Late", "Soon", "Finished"], strict=True)
    assert len({line.index(title) for line, title in titles}) == 1  # aligned


def test_task_table_marks_overdue_red_on_a_terminal():
    output = rendered(task_table(table_tasks(), now=NOW, width=120))
    assert "\x1b[31m3 days ago" in output


def test_no_color_means_no_escape_codes_even_on_a_terminal():
    assert not wants_colour({"NO_COLOR": "1", "FORCE_COLOR": "1"}, terminal=True)
    output = rendered(task_table(table_tasks(), now=NOW, width=120, styled=False))
    assert "\x1b" not in output
    assert "3 days ago" in output


# --- edit: contradictions and no-ops ------------------------------------------------


@pytest.mark.parametrize(
    "args", [["-t", "x", "--untag", "x"], ["-t", "+x", "--untag", "x"], ["-t", "y", "--untag", "y"]]
)
def test_edit_tag_and_untag_of_the_same_tag_is_refused(cli, args):
    add(cli, "t", "-t", "x")
    assert "--untag" in fails(cli, ExitCode.USAGE, "edit", "1", *args)


@pytest.mark.parametrize(
    "change",
    [
        ["--title", "same"],
        ["--title", "  same "],
        ["-p", "high"],
        ["-t", "x"],
        ["--untag", "absent"],
        ["-P", "home"],
        ["--no-due"],
        ["-d", "text"],
    ],
)
def test_an_edit_that_changes_nothing_says_so_and_keeps_updated_at(cli, change):
    created = add(cli, "same", "-p", "high", "-t", "x", "-P", "home", "-d", "text")
    result = ok(cli, "edit", "1", *change)
    assert result.stderr == "task 1 unchanged: it already has those values\n"
    assert every_task(cli) == [created]
    shown = json.loads(ok(cli, "edit", "1", *change, "--json").stdout)
    assert shown == created


def test_an_edit_that_changes_one_field_of_several_is_an_update(cli):
    add(cli, "same", "-p", "high")
    result = ok(cli, "edit", "1", "--title", "same", "-p", "low")
    assert result.stderr == "Updated task 1: same\n"


# --- IDs and limits out of range -----------------------------------------------------


@pytest.mark.parametrize("number", ["2147483648", "99999999999999999999999"])
@pytest.mark.parametrize("verb", ["show", "done", "rm", "edit"])
def test_an_id_beyond_any_task_is_not_found(cli, verb, number):
    add(cli, "a")
    extra = ["--title", "x"] if verb == "edit" else []
    assert number in fails(cli, ExitCode.NOT_FOUND, verb, number, *extra)


def test_a_huge_id_among_others_is_named_and_nothing_changes(cli):
    add(cli, "a")
    line = fails(cli, ExitCode.NOT_FOUND, "done", "1", "2147483648")
    assert "2147483648" in line


@pytest.mark.parametrize("number", ["0", "-1", "-2147483649", "1e3", "0x10", ""])
def test_an_id_must_be_a_positive_integer(cli, number):
    add(cli, "a")
    fails(cli, ExitCode.USAGE, "show", "--", number)


@pytest.mark.parametrize(
    ("limit", "mentions"),
    [("99999999999999999999", "1000000"), ("1000001", "1000000"), ("-5", "1")],
)
def test_limit_out_of_range_is_a_usage_error(cli, limit, mentions):
    add(cli, "a")
    line = fails(cli, ExitCode.USAGE, "list", "--limit", limit)
    assert "--limit" in line
    assert mentions in line


def test_limit_at_its_maximum(cli):
    add(cli, "a")
    assert numbers(cli, "--limit", "1000000") == [1]


# --- help speaks in metavars, not Python types ------------------------------------------


@pytest.mark.parametrize(
    ("command", "metavars"),
    [
        ("add", ["WORDS...", "TEXT", "PRIO", "WHEN", "TAG", "PROJECT"]),
        ("list", ["TAG", "PROJECT", "PRIO", "WHEN", "TEXT", "N"]),
        ("edit", ["ID|FILTER...", "TITLE", "TEXT", "WHEN", "TAG", "PROJECT"]),
        ("show", ["ID"]),
        ("done", ["[ID|FILTER]..."]),
        ("purge", ["[ID|FILTER]..."]),
    ],
)
def test_help_shows_metavars_not_python_types(cli, command, metavars):
    result = ok(cli, command, "--help")
    for python_type in ("<bool>", "<str>", "<int", "list[", "<list"):
        assert python_type not in result.stdout
    for metavar in metavars:
        assert f" {metavar} " in result.stdout or f"{{{metavar}}}" in result.stdout
