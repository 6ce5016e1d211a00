"""Taskwarrior's named reports and verbs through the real Typer app on a real database.

The report counts on the board below are those the real Taskwarrior 2.6.2 prints for the
same tasks (`task active count` ...; checked by hand with /usr/bin/task)."""

import json

import pytest

from tests.support import assert_fails, ok
from todo_cli.errors import ExitCode


@pytest.fixture(autouse=True)
def _database(todo_env, frozen_clock):
    """Every test here talks to its own database, at Thursday 2026-11-26 09:30."""


def numbers(cli, *args) -> list[int]:
    return sorted(task["id"] for task in json.loads(ok(cli, *args, "--json").stdout))


@pytest.fixture
def board(cli):
    ok(cli, "add", "Call the bank", "+phone", "due:yesterday")  # 1: overdue, started
    ok(cli, "add", "Mortgage paper", "project:home", "depends:1")  # 2: blocked
    ok(cli, "add", "Plant bulbs", "wait:tomorrow")  # 3: waiting
    ok(cli, "add", "Buy milk", "+errand")  # 4: done below
    ok(cli, "add", "Water plants", "due:tomorrow", "recur:weekly")  # 5: a series
    ok(cli, "start", "1")
    ok(cli, "done", "4")
    ok(cli, "done", "6")  # the first instance: not recurring any more


def test_named_reports_are_list_with_the_report_filter(cli, board):
    listed = numbers(cli, "list", "status:all")
    assert listed == [1, 2, 3, 4, 5, 6, 7]  # 6 and 7: instances of the series 5
    assert numbers(cli, "active") == [1]
    assert numbers(cli, "completed") == [4, 6]
    assert numbers(cli, "waiting") == [3]
    assert numbers(cli, "overdue") == [1]
    assert numbers(cli, "blocked") == [2]
    assert numbers(cli, "ready") == [1, 7]  # 2 is blocked, 3 waits
    assert numbers(cli, "recurring") == [5, 7]
    assert numbers(cli, "all") == listed
    # The user's words are ANDed with the report's, an `or` among them kept inside.
    assert numbers(cli, "all", "+phone", "or", "+errand") == [1, 4]
    assert numbers(cli, "completed", "+phone", "or", "+errand") == [4]
    assert numbers(cli, "ready", "project:home") == []
    lines = ok(cli, "all", "--jsonl", "--fields", "id,title").stdout.splitlines()
    assert json.loads(lines[0]).keys() == {"id", "title"}
    assert ok(cli, "active").stdout.split("\t")[0] == "1"  # piped: list's plain lines
    assert_fails(cli("completed", "project.xyz:home"), ExitCode.USAGE)


def test_append_and_prepend_edit_the_title_and_undo_takes_it_back(cli):
    ok(cli, "add", "Call the bank", "+phone")
    ok(cli, "add", "Pay rent", "+phone")
    ok(cli, "append", "1", "about", "rates", "pri:H")  # changes too, as edit takes them
    ok(cli, "prepend", "1-2", "Today:")  # after a filter, words are search text, as in edit
    got = json.loads(ok(cli, "list", "--json", "--sort", "id").stdout)
    assert [(t["title"], t["priority"]) for t in got] == [
        ("Today: Call the bank about rates", "high"),
        ("Today: Pay rent", None),
    ]
    ok(cli, "undo")
    assert ok(cli, "_get", "1.description").stdout == "Call the bank about rates\n"
    assert_fails(cli("append", "1"), ExitCode.USAGE)
    assert_fails(cli("prepend", "9", "x"), ExitCode.NOT_FOUND)


def test_denotate_removes_the_note_taskwarrior_would(cli):
    ok(cli, "add", "Call the bank")
    for text in ("ask about rates", "call back later", "rates", "third note"):
        ok(cli, "annotate", "1", text)

    def notes() -> list[str]:
        return [note["text"] for note in json.loads(ok(cli, "show", "1", "--json").stdout)["notes"]]

    ok(cli, "denotate", "1", "rates")  # the exact text first, as Taskwarrior
    assert notes() == ["ask about rates", "call back later", "third note"]
    ok(cli, "denotate", "1", "about")  # else the first holding it
    ok(cli, "denotate", "1", "2")  # else, a number, the note at that place
    assert notes() == ["call back later"]
    assert_fails(cli("denotate", "1", "missing"), ExitCode.NOT_FOUND)
    assert_fails(cli("denotate", "1"), ExitCode.USAGE)
    ok(cli, "undo")
    assert len(notes()) == 2


def test_duplicate_copies_fields_not_notes_status_or_dependencies(cli):
    ok(cli, "add", "Call the bank", "+phone", "project:home", "pri:H", "due:tomorrow")
    ok(cli, "add", "Pay rent", "depends:1", "wait:monday")
    ok(cli, "note", "1", "ask about rates")
    ok(cli, "start", "1")
    run = ok(cli, "duplicate", "1", "due:monday", "-phone", "+errand")
    assert run.stderr.splitlines()[0] == "Duplicated task 1 'Call the bank'. Created task 3."
    copy = json.loads(ok(cli, "show", "3", "--json").stdout)
    original = json.loads(ok(cli, "show", "1", "--json").stdout)
    assert (copy["title"], copy["project"], copy["priority"]) == ("Call the bank", "home", "high")
    assert (copy["tags"], copy["notes"], copy["started_at"]) == (["errand"], [], None)
    assert copy["due"] != original["due"]
    ok(cli, "duplicate", "2")
    wait = ok(cli, "_get", "2.wait").stdout
    assert ok(cli, "_get", "4.depends", "4.wait").stdout == " " + wait  # no dependencies
    assert_fails(cli("duplicate", "9"), ExitCode.NOT_FOUND)
    assert_fails(cli("duplicate", "1", "/a/b/"), ExitCode.USAGE)


def test_bare_forms_show_or_list_and_plain_words_stay_unknown(cli):
    ok(cli, "add", "Call the bank", "+phone")
    ok(cli, "add", "Buy milk")
    assert json.loads(ok(cli, "2", "--json").stdout)["title"] == "Buy milk"  # todo show 2
    assert numbers(cli, "+phone") == [1]  # todo list +phone
    assert numbers(cli, "1-2") == [1, 2]
    assert numbers(cli, "/milk/") == [2]
    assert "Call the bank" in ok(cli, "+phone").stdout
    assert_fails(cli("frobnicate"), ExitCode.USAGE)
    assert_fails(cli("9"), ExitCode.NOT_FOUND)
    assert ok(cli).stdout  # a bare todo still runs the default command (next)


def test_info_shows_the_urgency_term_by_term_and_its_total_is_nexts(cli):
    ok(cli, "add", "Call the bank", "+next", "pri:H", "project:home")
    ok(cli, "add", "Buy milk")
    shown = ok(cli, "info", "1").stdout.splitlines()
    at = next(index for index, line in enumerate(shown) if line.startswith("urgency"))
    total = json.loads(ok(cli, "next", "--json").stdout)[0]["urgency"]
    assert total == pytest.approx(22.8)  # project 1 + one tag 0.8 + priority.H 6 + next 15
    assert shown[at].split() == ["urgency", f"{total:g}"]
    terms = [line.split() for line in shown[at + 1 : at + 5]]
    assert terms == [
        ["+", "project", "1", "*", "1", "=", "1"],
        ["+", "tags", "0.8", "*", "1", "=", "0.8"],
        ["+", "priority.H", "1", "*", "6", "=", "6"],
        ["+", "TAG", "next", "1", "*", "15", "=", "15"],
    ]
    assert shown[at + 5].split() == ["=", "total", f"{total:g}"]
    assert "urgency" in ok(cli, "show", "2").stdout  # 0: a total, no terms
    assert "total" not in ok(cli, "show", "2").stdout


def test_bare_ids_and_ranges_show_each_task_in_full(cli):
    ok(cli, "add", "Call the bank", "+phone")
    ok(cli, "add", "Buy milk")
    ok(cli, "done", "2")
    shown = ok(cli, "1-3").stdout  # 3 does not exist: a range names what there is
    assert [line.split()[1] for line in shown.splitlines() if line.startswith("id ")] == ["1", "2"]
    assert "uuid" in shown
    assert json.loads(ok(cli, "1", "--json").stdout)["id"] == 1  # one ID: one object
    assert numbers(cli, "show", "1,2") == [1, 2]  # several: an array, any status
    assert_fails(cli("show", "1,9"), ExitCode.NOT_FOUND)  # an ID named alone must exist
    assert_fails(cli("show"), ExitCode.USAGE)
