"""Task text through the CLI: control characters are refused when typed and shown
as escapes whatever wrote them; text is NFC; tags and projects have rules."""

import json
import os
import unicodedata

import pytest
from rich.cells import cell_len

from tests.rows import insert_task, snapshot
from tests.support import TODO, assert_fails, ok, run_on_a_terminal
from todo_cli.errors import ExitCode

HOSTILE = {
    "osc-title": "\x1b]0;pwned\x07",
    "osc-unterminated": "\x1b]0;pwned",
    "clear-screen": "\x1b[2J",
    "c1-csi": "\x9b2J",
    "del": "a\x7fb",
    "bell": "\x07",
}
SHOWN = {
    "osc-title": "\\x1b]0;pwned\\x07",
    "osc-unterminated": "\\x1b]0;pwned",
    "clear-screen": "\\x1b[2J",
    "c1-csi": "\\x9b2J",
    "del": "a\\x7fb",
    "bell": "\\x07",
}
# Characters that must never come out of `todo` outside JSON (newline ends a line).
RAW = [chr(code) for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if chr(code) != "\n"]


@pytest.fixture(autouse=True)
def _database(todo_env):
    """Every test here talks to its own database."""


def no_raw_control(text: str, *, allow: str = "") -> bool:
    return not any(char in text for char in RAW if char not in allow)


# --- refused on input ----------------------------------------------------------

WHERE = {
    "add title": lambda bad: ["add", f"a{bad}b"],
    "add description": lambda bad: ["add", "t", "-d", f"a{bad}b"],
    "add tag": lambda bad: ["add", "t", "-t", f"a{bad}b"],
    "add project": lambda bad: ["add", "t", "-P", f"a{bad}b"],
    "edit title": lambda bad: ["edit", "1", "--title", f"a{bad}b"],
    "edit description": lambda bad: ["edit", "1", "-d", f"a{bad}b"],
    "edit tag": lambda bad: ["edit", "1", "-t", f"a{bad}b"],
    "edit untag": lambda bad: ["edit", "1", "--untag", f"a{bad}b"],
    "edit project": lambda bad: ["edit", "1", "-P", f"a{bad}b"],
    "list search": lambda bad: ["list", "-s", f"a{bad}b"],
    "list tag": lambda bad: ["list", "-t", f"a{bad}b"],
    "list project": lambda bad: ["list", "-P", f"a{bad}b"],
}


@pytest.mark.parametrize("where", WHERE)
def test_control_characters_are_refused_everywhere_text_is_typed(cli, database_url, where):
    ok(cli, "add", "existing", "-t", "x")
    before = snapshot(database_url)
    for bad in HOSTILE.values():
        line = assert_fails(cli(*WHERE[where](bad)), ExitCode.USAGE)
        assert "control character" in line
        assert no_raw_control(line.rstrip("\n"))
    assert snapshot(database_url) == before


@pytest.mark.parametrize("where", ["add title", "add tag", "add project", "edit title"])
def test_one_line_fields_refuse_line_breaks_and_tabs(cli, database_url, where):
    ok(cli, "add", "existing")
    before = snapshot(database_url)
    for separator in ["\n", "\t", "\r", "\u2028"]:
        assert_fails(cli(*WHERE[where](separator)), ExitCode.USAGE)
    assert snapshot(database_url) == before


def test_a_description_may_hold_newlines_and_tabs(cli):
    added = json.loads(ok(cli, "add", "t", "-d", "line one\n\tline two", "--json").stdout)
    assert added["description"] == "line one\n\tline two"
    shown = ok(cli, "show", "1").stdout
    assert "description line one\n            \tline two\n" in shown


# --- shown as escapes when another client wrote them ----------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_piped_list_shows_hostile_text_escaped(cli, database_url, name):
    bad = HOSTILE[name]
    insert_task(database_url, f"t{bad}", tags=[f"g{bad}"], project=f"p{bad}")
    insert_task(database_url, "next")
    lines = ok(cli, "list", "--sort", "id").stdout.splitlines()
    assert lines == [
        f"1\tpending\t-\t-\tp{SHOWN[name]}\tg{SHOWN[name]}\tt{SHOWN[name]}",
        "2\tpending\t-\t-\t-\t-\tnext",
    ]


@pytest.mark.parametrize("name", HOSTILE)
def test_show_shows_hostile_text_escaped(cli, database_url, name):
    bad = HOSTILE[name]
    insert_task(database_url, f"t{bad}", description=f"d{bad}\nsecond", tags=[f"g{bad}"])
    output = ok(cli, "show", "1").stdout
    assert no_raw_control(output)
    fields = dict(line.split(None, 1) for line in output.splitlines() if line[:1] != " ")
    assert fields["title"] == f"t{SHOWN[name]}"
    assert fields["tags"] == f"g{SHOWN[name]}"
    assert f"description d{SHOWN[name]}\n            second\n" in output


def test_json_keeps_hostile_text_exact(cli, database_url):
    title = "".join(HOSTILE.values())
    insert_task(database_url, title, tags=["\x1b"], project="\x9b")
    [listed] = json.loads(ok(cli, "list", "--json").stdout)
    shown = json.loads(ok(cli, "show", "1", "--json").stdout)
    assert listed["title"] == shown["title"] == title
    assert (shown["tags"], shown["project"]) == (["\x1b"], "\x9b")
    assert no_raw_control(ok(cli, "show", "1", "--json").stdout)  # JSON escapes them


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["done", "1"], "Completed task 1: "),
        (["rm", "1"], "Deleted task 1: "),
        (["edit", "1", "-p", "high"], "Updated task 1: "),
    ],
)
def test_messages_quote_hostile_titles_escaped(cli, database_url, args, message):
    insert_task(database_url, "t" + "".join(HOSTILE.values()))
    result = ok(cli, *args)
    assert result.stderr == message + "t" + "".join(SHOWN.values()) + "\n"


def test_created_message_is_escaped_too(cli):
    # Only a description may hold a newline; the message shows it on one line.
    result = ok(cli, "add", "title", "-d", "two\nlines")
    assert result.stderr == "Created task 1: title\n"


@pytest.mark.installed
def test_the_terminal_table_is_safe_and_fits_80_columns(database_url, isolated_home):
    """The installed `todo` on a real pseudo-terminal, 80 columns wide."""
    insert_task(database_url, "a\x1b]0;pwned", tags=["t" * 300], project="p" * 300)
    insert_task(database_url, "b\x1b[2J " + "long words " * 30)
    insert_task(database_url, "c\x9b\x7f", status="done")
    output = run_on_a_terminal(
        [str(TODO), "list", "--status", "all", "--sort", "id"],
        dict(os.environ, TODO_DATABASE_URL=database_url, COLUMNS="80", NO_COLOR="1"),
    )
    lines = output.splitlines()
    assert "\x1b" not in output
    assert "\x9b" not in output
    assert max(cell_len(line) for line in lines) <= 80
    assert lines[-2:] == ["", "3 tasks"]  # the count under the table
    rows = [line.split()[:2] for line in lines[:-2] if line[:10].strip()]
    assert rows == [["ID", "Status"], ["1", "pending"], ["2", "pending"], ["3", "done"]]


# --- NFC -------------------------------------------------------------------------

DECOMPOSED = unicodedata.normalize("NFD", "café")


def test_typed_text_is_stored_in_nfc(cli):
    added = json.loads(
        ok(
            cli, "add", DECOMPOSED, "-d", DECOMPOSED, "-t", DECOMPOSED, "-P", DECOMPOSED, "--json"
        ).stdout
    )
    assert added["title"] == added["description"] == added["project"] == "café"
    assert added["tags"] == ["café"]


@pytest.mark.parametrize(("stored", "typed"), [(DECOMPOSED, "café"), ("café", DECOMPOSED)])
def test_search_finds_either_spelling(cli, database_url, stored, typed):
    insert_task(database_url, f"Visit the {stored}")
    insert_task(database_url, "elsewhere")
    assert [task["id"] for task in json.loads(ok(cli, "list", "-s", typed, "--json").stdout)] == [1]


def test_a_tag_given_in_another_spelling_is_the_same_tag(cli):
    ok(cli, "add", "t", "-t", "café")
    edited = json.loads(ok(cli, "edit", "1", "--untag", DECOMPOSED, "--json").stdout)
    assert edited["tags"] == []


# --- tag and project rules ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["add", "t", "-t", "a,b"], "','"),
        (["add", "t", "-t", "x" * 65], "64"),
        (["add", "t", "-P", "p" * 129], "128"),
        (["edit", "1", "-t", "a,b"], "','"),
        (["edit", "1", "-t", "x" * 65], "64"),
        (["edit", "1", "-P", "p" * 129], "128"),
    ],
)
def test_tag_and_project_rules(cli, database_url, args, mentions):
    ok(cli, "add", "existing")
    before = snapshot(database_url)
    assert mentions in assert_fails(cli(*args), ExitCode.USAGE)
    assert snapshot(database_url) == before


def test_tag_and_project_at_their_limits(cli):
    added = json.loads(ok(cli, "add", "t", "-t", "x" * 64, "-P", "p" * 128, "--json").stdout)
    assert (added["tags"], added["project"]) == (["x" * 64], "p" * 128)
