"""Hostile input, generated: the real CLI on a real database, any text, any ID, any date.

Whatever it is given, a command ends with one of the codes it documents, never a
traceback; a refused command writes nothing; and no control character from the
data reaches a plain-text stdout or a message. Each test keeps one database for
all its examples; derandomize makes every run try the same examples.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.rows import insert_task, snapshot
from tests.support import examples
from todo_cli.errors import ExitCode

pytestmark = pytest.mark.usefixtures("todo_env")

PROPERTY = settings(
    max_examples=examples(20),  # each example is a few real commands
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# What these commands may end with: a usage error, a missing task, a conflict.
EXPECTED = {ExitCode.OK, ExitCode.USAGE, ExitCode.NOT_FOUND, ExitCode.CONFLICT}
# Never on a plain stdout or in a message: C0 but newline and tab, DEL, C1.
RAW = frozenset(chr(code) for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]) - {"\n", "\t"}

HOSTILE_PIECES = ["\x1b]0;pwned\x07", "\x1b]0;", "\x1b[2J", "\x9b", "\x7f", "\x00", "\udcff"]
hostile = st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=5)), max_size=4).map(
    "".join
)
any_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=()), max_size=40),
    hostile,
    st.text(alphabet="ab ,.+-é\u0301日", min_size=60, max_size=700),  # long
)
# Text a database can hold (PostgreSQL text has no NUL; UTF-8 has no lone surrogates).
stored_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=60
) | hostile.map(lambda text: text.replace("\x00", "").replace("\udcff", "") or "x")
ids = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["0", "1", "2147483647", "2147483648", "-1", "1.5", "0x1", "\u0661"]),
    st.text(max_size=12),
)
dates = st.one_of(
    st.sampled_from(["tomorrow", "in 3 days", "eod", "2026-02-30", "0001-01-01", "9999-12-31"]),
    st.text(max_size=20),
    st.dates().map(str),
)
PRIORITIES = st.sampled_from(["low", "m", "H", "urgent", "", "\x1b"])


def check(cli, database_url, args: list[str]):
    """Run ``args``; every property of the contract; the result."""
    before = snapshot(database_url)
    result = cli(*args)
    assert result.exit_code in EXPECTED, (args, result.exit_code, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr, (args, result.stderr)
    assert not RAW & set(result.stderr), (args, result.stderr)
    if result.exit_code != ExitCode.OK:
        assert snapshot(database_url) == before, args
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, (args, result.stderr)
    elif "--json" not in args:
        assert not RAW & set(result.stdout), (args, result.stdout)
    return result


def options(**choices) -> st.SearchStrategy[list[str]]:
    """Each option present or not, with a value drawn from its strategy."""
    pairs = [
        st.one_of(st.just([]), strategy.map(lambda value, name=name: [name, value]))
        for name, strategy in choices.items()
    ]
    return st.tuples(*pairs).map(lambda chosen: [word for pair in chosen for word in pair])


@PROPERTY
@given(
    title=any_text,
    extra=options(**{"-d": any_text, "-t": any_text, "-P": any_text, "-p": PRIORITIES}),
    json_flag=st.sampled_from([[], ["--json"]]),
    separator=st.sampled_from([[], ["--"]]),  # without it, a title may look like an option
)
def test_add_any_text(cli, database_url, title, extra, json_flag, separator):
    result = check(cli, database_url, ["add", *extra, *json_flag, *separator, title])
    if result.exit_code == ExitCode.OK and json_flag:
        assert json.loads(result.stdout)["title"].strip()


@PROPERTY
@given(
    number=ids,
    extra=options(
        **{
            "--title": any_text,
            "-d": any_text,
            "-t": any_text,
            "--untag": any_text,
            "-P": any_text,
            "-p": PRIORITIES,
        }
    ),
)
def test_edit_any_text_and_id(cli, database_url, number, extra):
    if not snapshot(database_url):
        cli("add", "first", "-t", "x", "-P", "home")
    check(cli, database_url, ["edit", *extra, "--", number])


@PROPERTY
@given(
    extra=options(
        **{
            "-s": any_text,
            "-t": any_text,
            "-P": any_text,
            "-p": PRIORITIES,
            "--limit": ids,
            "--status": st.sampled_from(["all", "done", "open", "\x1b"]),
        }
    ),
    json_flag=st.sampled_from([[], ["--json"]]),
)
def test_list_any_filter(cli, database_url, extra, json_flag):
    if not snapshot(database_url):
        insert_task(database_url, "hostile \x1b]0;pwned", tags=["\x9b"], project="p\x7f")
    check(cli, database_url, ["list", *extra, *json_flag])


@PROPERTY
@given(verb=st.sampled_from(["show", "done", "rm", "reopen", "restore"]), numbers=st.lists(ids))
def test_id_verbs_any_ids(cli, database_url, verb, numbers):
    if not snapshot(database_url):
        insert_task(database_url, "one \x1b[2J")
        insert_task(database_url, "two \x9b", status="done")
    check(cli, database_url, [verb, "--", *numbers])


@settings(PROPERTY, max_examples=examples(12))  # five commands an example
@given(title=stored_text, description=stored_text, tags=st.lists(stored_text, max_size=3))
def test_whatever_another_client_wrote_is_shown_safely(cli, database_url, title, description, tags):
    number = insert_task(database_url, title, description=description, tags=tags, project=title)
    listed = check(cli, database_url, ["list", "--status", "all", "--sort", "id"])
    assert len(listed.stdout.splitlines()) == number  # one line per task, whatever the title
    check(cli, database_url, ["show", str(number)])
    shown = check(cli, database_url, ["show", str(number), "--json"])
    assert json.loads(shown.stdout)["title"] == title
    check(cli, database_url, ["done", str(number)])
    check(cli, database_url, ["edit", str(number), "-p", "high"])


@PROPERTY
@given(due=dates, which=st.sampled_from(["--due", "--due-before"]))
def test_any_date(cli, database_url, due, which):
    args = ["add", "t", "--due", due] if which == "--due" else ["list", "--due-before", due]
    check(cli, database_url, args)
